"""Batch tagging (nlp.apply.batch) and Dask tagging (nlp.apply.dask_tag) agree with tag_frame, survive bad
files and interruptions, and write every table format."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from nlp.apply import _partial, batch
from nlp.apply.batch import TAG_COLUMNS, done_path, partial_path, tag_batch
from nlp.tables import read_table

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    from nlp.tagger.estimator import DomainTagger
    from nlp.tagger.serialize import save_model
    from nlp.training.labels import load_label_file

    df = load_label_file(ROOT / "labels" / "seeds.jsonl")
    model = DomainTagger(threshold_folds=2).fit(df["text"], df["labels"])
    return save_model(model, tmp_path_factory.mktemp("model"), {})


@pytest.fixture(scope="session")
def expected(tiny_model_dir, seed_result) -> pd.DataFrame:
    from nlp.apply.tagging import tag_frame
    from nlp.tagger.serialize import load_model

    return _canon(tag_frame(load_model(tiny_model_dir), seed_result.units))


@pytest.fixture()
def seed_copy(tmp_path) -> Path:
    d = tmp_path / "reports"
    shutil.copytree(SEEDS, d)
    return d


def _canon(df: pd.DataFrame) -> pd.DataFrame:
    out = df[["unit_id", "source", "text", "labels", "scores"]].copy()
    out["source"] = out["source"].map(lambda s: Path(s).name)
    out["labels"] = out["labels"].map(lambda ls: [str(c) for c in ls])
    out["scores"] = out["scores"].map(lambda d: {k: round(float(v), 4) for k, v in d.items()})
    return out.sort_values("unit_id").reset_index(drop=True)


def _read_jsonl(path: Path) -> pd.DataFrame:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return pd.DataFrame(rows, columns=TAG_COLUMNS)


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_matches_tag_frame(jobs, tiny_model_dir, expected, tmp_path):
    out = tmp_path / "tags.jsonl"
    errors = []
    report = tag_batch([SEEDS], out, model_dir=tiny_model_dir, jobs=jobs, on_error=errors.append)
    assert errors == [] and report.n_files_failed == 0
    assert report.n_files_ok == 5 and report.n_units == len(expected)
    got = _read_jsonl(out)
    assert list(got.columns) == TAG_COLUMNS
    # rows are serialized as built (no per-cell re-ordering): keys must still come in column order
    assert all(list(json.loads(line)) == TAG_COLUMNS for line in out.read_text("utf-8").splitlines())
    assert got["unit_id"].is_unique
    pd.testing.assert_frame_equal(_canon(got), expected)
    assert not partial_path(out).exists() and not done_path(out).exists()


def test_fork_workers_share_the_parents_predictor(tiny_model_dir, expected, tmp_path, monkeypatch):
    """Under ``fork`` the parent loads the model once and the workers inherit it (one copy of its
    arrays in memory and in the shared cache): a worker that loaded its own would fail here."""
    import nlp.tagger.serialize

    if batch._pool_context().get_start_method() != "fork":
        pytest.skip("the fork start method is not in use here")
    parent, real = os.getpid(), nlp.tagger.serialize.load_predictor

    def parent_only(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("a worker loaded its own model")
        return real(*args, **kwargs)

    monkeypatch.setattr(nlp.tagger.serialize, "load_predictor", parent_only)
    out = tmp_path / "tags.jsonl"
    report = tag_batch([SEEDS], out, model_dir=tiny_model_dir, jobs=2)
    assert report.n_files_ok == 5 and report.n_files_failed == 0
    pd.testing.assert_frame_equal(_canon(_read_jsonl(out)), expected)
    assert "model" not in batch._WORKER  # the parent's copy is released after the run


def test_scores_json_writes_what_orjson_writes_for_the_dict():
    import numpy as np
    import orjson

    from nlp.apply._json_rows import scores_json

    codes = ["a", "b_c", "中", 'p%s"q']  # a code with % or a quote must not upset the template
    proba = np.round(np.random.default_rng(0).random((50, 4)) ** 5, 4)
    proba[0] = [0.0, 1.0, float("nan"), 0.25]
    proba[1] = [0.0001, 0.00005, 0.5, 1e-4]
    assert scores_json(codes, proba) == [orjson.dumps(dict(zip(codes, row, strict=True))) for row in proba.tolist()]
    assert scores_json(codes, proba[:0]) == [] and scores_json([], np.zeros((2, 0))) == [b"{}", b"{}"]


@pytest.mark.parametrize("short_writes", [False, True])
def test_worker_ranges_are_recorded_in_partial_order(short_writes, tmp_path, monkeypatch):
    """Workers write their lines at offsets reserved from a shared counter; a file is recorded
    in .done only once every byte before it is written, and an interruption keeps exactly that
    gap-free prefix (a range written behind a gap is cut off and its file is redone)."""
    import multiprocessing as mp

    if short_writes:  # the kernel may write less than asked: the rest must still arrive
        def first_byte_only(fd, buffers, offset):
            return os.pwrite(fd, bytes(buffers[0][:1]), offset)

        monkeypatch.setattr(_partial.os, "pwritev", first_byte_only)
    out = tmp_path / "out.jsonl"
    state = _partial.Partial(out, {"fazhi_batch": 1})
    state.start(resume=False)
    counter = mp.Value("q", state.offset)
    fd = os.open(partial_path(out), os.O_WRONLY)
    a = _partial.write_reserved([("a.md", b"a1\na2\n", 2, None), ("bad.md", b"", 0, "unreadable")], fd, counter)
    b = _partial.write_reserved([("b.md", b"b1\n", 1, None)], fd, counter)
    c = _partial.write_reserved([("c.md", b"c1\n", 1, None), ("d.md", b"d1\n", 1, None)], fd, counter)
    os.close(fd)
    assert a[1] == ("bad.md", b"", 0, "unreadable") and c[1][1] == _partial.Written(12, 3)
    state.commit("b", b[0][1], 1)  # finished first, but a's range comes before it
    assert state.finished == {} and state.pending() == ["b"] and state.offset == 0
    state.commit("a", a[0][1], 2)
    assert list(state.finished) == ["a", "b"] and state.offset == 9 and state.pending() == []
    state.commit("d", c[1][1], 1)  # c never reported: d waits behind the gap
    assert state.pending() == ["d"]
    state.rollback()
    assert partial_path(out).read_bytes() == b"a1\na2\nb1\n"
    done = [json.loads(line) for line in done_path(out).read_text("utf-8").splitlines()[1:]]
    assert [(r["source"], r["offset"]) for r in done] == [("a", 6), ("b", 9)]


def test_bad_file_is_reported_and_batch_goes_on(tiny_model_dir, expected, seed_copy, tmp_path, capsys):
    (seed_copy / "broken.txt").write_bytes(b"\x00\x01\x02 binary \x00" * 50)
    (seed_copy / "empty.md").write_bytes(b"")
    out = tmp_path / "tags.jsonl"
    report = tag_batch([seed_copy, tmp_path / "missing.txt"], out, model_dir=tiny_model_dir, jobs=2)
    assert report.n_files_ok == 5 and report.n_files_failed == 3
    assert sorted(Path(e.path).name for e in report.errors) == ["broken.txt", "empty.md", "missing.txt"]
    err_lines = capsys.readouterr().err.strip().splitlines()
    assert len(err_lines) == 3 and all(ln.startswith("fazhi: skipped ") for ln in err_lines)
    assert len(_read_jsonl(out)) == len(expected)


def _counting_ingest(monkeypatch, fail_on: int | None = None) -> list[str]:
    calls: list[str] = []
    real = batch.ingest_file

    def fake(path, *a, **kw):
        calls.append(Path(path).name)
        if fail_on is not None and len(calls) == fail_on:
            raise KeyboardInterrupt
        return real(path, *a, **kw)

    monkeypatch.setattr(batch, "ingest_file", fake)
    return calls


def test_resume_from_partial_only(tiny_model_dir, expected, seed_copy, tmp_path, monkeypatch):
    files = sorted(seed_copy.iterdir())
    out = tmp_path / "tags.jsonl"
    # An interrupted run: the first file's rows in the partial, then a torn line of the second.
    tag_batch(files[:2], tmp_path / "two.jsonl", model_dir=tiny_model_dir, jobs=1)
    lines = (tmp_path / "two.jsonl").read_text("utf-8").splitlines(keepends=True)
    n_first = sum(json.loads(ln)["source"] == str(files[0]) for ln in lines)
    partial_path(out).write_text("".join(lines[:n_first]) + lines[n_first][:300], "utf-8")
    calls = _counting_ingest(monkeypatch)
    report = tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1, resume=True)
    assert files[0].name not in calls and sorted(calls) == sorted(f.name for f in files[1:])
    assert report.n_files_skipped_resumed == 1 and report.n_files_ok == 4
    got = _read_jsonl(out)
    assert got["unit_id"].is_unique and len(got) == len(expected) == report.n_units
    pd.testing.assert_frame_equal(_canon(got), expected)


def test_resume_drops_a_torn_file(tiny_model_dir, expected, seed_copy, tmp_path, monkeypatch):
    files = sorted(seed_copy.iterdir())
    out = tmp_path / "tags.jsonl"
    tag_batch([files[0]], tmp_path / "first.jsonl", model_dir=tiny_model_dir, jobs=1)
    text = (tmp_path / "first.jsonl").read_text("utf-8")
    partial_path(out).write_text(text[: len(text) - 40], "utf-8")  # its last line is torn
    calls = _counting_ingest(monkeypatch)
    report = tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1, resume=True)
    assert sorted(calls) == sorted(f.name for f in files) and report.n_files_skipped_resumed == 0
    pd.testing.assert_frame_equal(_canon(_read_jsonl(out)), expected)


def test_interrupt_then_resume(tiny_model_dir, expected, seed_copy, tmp_path, monkeypatch):
    out = tmp_path / "tags.parquet"
    monkeypatch.setattr(batch, "FILES_PER_TASK", 1)  # commit file by file, so two are finished
    calls = _counting_ingest(monkeypatch, fail_on=3)
    with pytest.raises(KeyboardInterrupt):
        tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1)
    assert not out.exists()
    lines = partial_path(out).read_text("utf-8").splitlines()
    assert lines and all(json.loads(ln)["unit_id"] for ln in lines)  # only complete lines
    finished = calls[:2]
    assert {Path(r["source"]).name for r in map(json.loads, lines)} == set(finished)

    calls = _counting_ingest(monkeypatch)
    report = tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1, resume=True)
    assert not set(calls) & set(finished) and len(calls) == 3
    assert report.n_files_skipped_resumed == 2 and report.n_units == len(expected)
    got = read_table(out)
    assert got["unit_id"].is_unique
    pd.testing.assert_frame_equal(_canon(got), expected)
    assert not partial_path(out).exists() and not done_path(out).exists()


def test_resume_refuses_other_settings(tiny_model_dir, seed_copy, tmp_path, monkeypatch):
    out = tmp_path / "tags.jsonl"
    _counting_ingest(monkeypatch, fail_on=2)
    with pytest.raises(KeyboardInterrupt):
        tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1)
    with pytest.raises(ValueError, match="other settings"):
        tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1, resume=True, granularity=("item",))


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_output_formats(suffix, tiny_model_dir, expected, tmp_path):
    out = tmp_path / f"tags{suffix}"
    report = tag_batch([SEEDS], out, model_dir=tiny_model_dir, jobs=1)
    got = read_table(out)
    assert list(got.columns) == TAG_COLUMNS and len(got) == report.n_units == len(expected)
    if suffix == ".csv":
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")
        got["text"] = got["text"].fillna("")  # read_table parses the JSON cells of labels/scores
    if suffix == ".parquet":
        got["labels"] = got["labels"].map(list)
        assert str(got["year"].dtype) in ("int64", "Int64")
    pd.testing.assert_frame_equal(_canon(got), expected)


def test_granularity_item_only(tiny_model_dir, expected, tmp_path):
    out = tmp_path / "items.jsonl"
    tag_batch([SEEDS], out, model_dir=tiny_model_dir, jobs=1, granularity=("item",))
    got = _read_jsonl(out)
    assert set(got["granularity"]) == {"item"}
    assert len(got) == expected["unit_id"].str.contains(r"\.i\d+$").sum()


def test_dask_local_cluster_matches_tag_frame(tiny_model_dir, expected, tmp_path):
    distributed = pytest.importorskip("distributed")
    from nlp.apply.dask_tag import tag_with_dask

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        parts = tag_with_dask([SEEDS], tmp_path / "parts", model_dir=tiny_model_dir, scheduler=client,
                              npartitions=3)
    assert len(parts) == 3 and all(p.name.startswith("part-") for p in parts)
    got = pd.concat([_read_jsonl(p) for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(_canon(got), expected)
    assert not list((tmp_path / "parts").glob(".*.tmp"))


def test_interrupt_inside_a_group_loses_only_that_group(tiny_model_dir, expected, seed_copy, tmp_path, monkeypatch):
    out = tmp_path / "tags.jsonl"
    monkeypatch.setattr(batch, "FILES_PER_TASK", 2)
    calls = _counting_ingest(monkeypatch, fail_on=4)  # the 2nd file of the 2nd group
    with pytest.raises(KeyboardInterrupt):
        tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1)
    lines = partial_path(out).read_text("utf-8").splitlines()
    assert {Path(json.loads(ln)["source"]).name for ln in lines} == set(calls[:2])
    report = tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1, resume=True)
    assert report.n_files_skipped_resumed == 2
    pd.testing.assert_frame_equal(_canon(_read_jsonl(out)), expected)


def test_warm_up_builds_what_ingest_builds_lazily():
    """``shared_predictor`` warms the ingest side too, so forked workers inherit its rules and
    tables instead of each building them on its first file."""
    from nlp.ingest import _fast_clean, clean, places, structure
    from nlp.ingest.pipeline import warm_up

    for cached in (clean.load_rules, _fast_clean.t2s_changes, places._place_pattern, places._short_prefecture_pattern,
                   structure.load_structure_rules):
        cached.cache_clear()
    warm_up()
    for cached in (clean.load_rules, _fast_clean.t2s_changes, places._place_pattern, places._short_prefecture_pattern,
                   structure.load_structure_rules):
        assert cached.cache_info().currsize == 1, cached


# -- indicators extracted by the workers (issue #19) --------------------------------------------

def _cells(df: pd.DataFrame) -> list[list]:
    """A table's cells as plain values, a missing value and an empty string alike (CSV reads one as
    the other) and integers as floats where one side has a float column."""
    def plain(v):
        if v is None or v is pd.NA or v == "" or (isinstance(v, float) and v != v):
            return None
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    return [[plain(v) for v in row] for row in df.astype(object).values.tolist()]


def _sources(paths: list[Path]) -> dict[str, str]:
    from nlp.ingest.pipeline import ingest_file

    return {i.meta.doc_id: i.source_text for i in map(ingest_file, paths)}


@pytest.mark.parametrize("jobs,suffix", [(1, ".csv"), (2, ".parquet"), (2, ".jsonl")])
def test_indicators_from_the_workers_equal_unit_indicators(jobs, suffix, tiny_model_dir, tmp_path):
    """Extracted file by file in the workers, the rows are those of ``unit_indicators`` over the
    tagged output (same rows, same order: duplicates and conflicts are counted per report), and
    those of ``fazhi indicators`` on the same reports."""
    from nlp.indicators.table import TABLE_COLUMNS, indicators, unit_indicators

    out, ind = tmp_path / "tags.jsonl", tmp_path / f"ind{suffix}"
    report = tag_batch([SEEDS], out, model_dir=tiny_model_dir, jobs=jobs, indicators=ind)
    assert report.n_files_ok == 5 and report.indicators == ind
    got = read_table(ind)
    expected = unit_indicators(read_table(out), _sources(sorted(SEEDS.iterdir())))
    assert list(got.columns) == TABLE_COLUMNS and report.n_indicators == len(got) == len(expected) > 100
    assert _cells(got) == _cells(expected)
    by_report, _ = indicators(SEEDS, tiny_model_dir)
    assert _cells(got.sort_values("doc_id", kind="stable")) == _cells(by_report.sort_values("doc_id", kind="stable"))
    assert not partial_path(ind).exists() and not done_path(out).exists()


def test_indicator_types_of_ones_own(tiny_model_dir, tmp_path):
    """The workers read the user's types (jobs=2 as jobs=1); types without a table to write, or a
    bad types file, are refused before any file is read."""
    from nlp.indicators.table import indicators

    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: packaged\ntypes:\n  legal_advisers: null\n  counsel:\n    domain: legality_review\n"
                    "    cues: [法律顾问]\n    units: [名, 人]\n", encoding="utf-8")
    got = {}
    for jobs in (1, 2):
        ind = tmp_path / f"ind{jobs}.jsonl"
        tag_batch([SEEDS], tmp_path / f"t{jobs}.jsonl", model_dir=tiny_model_dir, jobs=jobs, indicators=ind,
                  indicator_types=mine)
        got[jobs] = read_table(ind).sort_values("doc_id", kind="stable")  # files finish in any order
    assert _cells(got[1]) == _cells(got[2])
    assert "counsel" in set(got[1]["indicator"]) and "legal_advisers" not in set(got[1]["indicator"])
    by_report, _ = indicators(SEEDS, tiny_model_dir, types=mine)
    assert _cells(got[1]) == _cells(by_report.sort_values("doc_id", kind="stable"))
    with pytest.raises(ValueError, match="indicator types are read only with an indicator table"):
        tag_batch([SEEDS], tmp_path / "x.jsonl", model_dir=tiny_model_dir, jobs=1, indicator_types=mine)
    (tmp_path / "bad.yaml").write_text("extends: packaged\nwindw: 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown key `windw`"):
        tag_batch([SEEDS], tmp_path / "x.jsonl", model_dir=tiny_model_dir, jobs=1, indicators=tmp_path / "x.csv",
                  indicator_types=tmp_path / "bad.yaml")
    assert not (tmp_path / "x.jsonl").exists() and not partial_path(tmp_path / "x.jsonl").exists()


def test_indicators_of_item_only_output(tiny_model_dir, tmp_path):
    """The indicators are the paragraphs' even when only items are written."""
    full, items = tmp_path / "full.jsonl", tmp_path / "items.jsonl"
    tag_batch([SEEDS], tmp_path / "t.jsonl", model_dir=tiny_model_dir, jobs=1, indicators=full)
    tag_batch([SEEDS], tmp_path / "i.jsonl", model_dir=tiny_model_dir, jobs=1, granularity=("item",),
              indicators=items)
    assert set(_read_jsonl(tmp_path / "i.jsonl")["granularity"]) == {"item"}
    assert items.read_bytes() == full.read_bytes()


def test_indicators_survive_an_interrupt_and_resume(tiny_model_dir, seed_copy, tmp_path, monkeypatch):
    files = sorted(seed_copy.iterdir())
    full = tmp_path / "full.jsonl"
    tag_batch(files, tmp_path / "full-tags.jsonl", model_dir=tiny_model_dir, jobs=1, indicators=full)
    out, ind = tmp_path / "tags.parquet", tmp_path / "ind.jsonl"
    monkeypatch.setattr(batch, "FILES_PER_TASK", 1)  # commit file by file, so two are finished
    _counting_ingest(monkeypatch, fail_on=3)
    with pytest.raises(KeyboardInterrupt):
        tag_batch(files, out, model_dir=tiny_model_dir, jobs=1, indicators=ind)
    assert not ind.exists() and partial_path(ind).stat().st_size > 0
    with pytest.raises(ValueError, match="other settings"):  # the indicators must be asked for again
        tag_batch(files, out, model_dir=tiny_model_dir, jobs=1, resume=True)
    with pytest.raises(ValueError, match="other settings"):  # ... to the same table
        tag_batch(files, out, model_dir=tiny_model_dir, jobs=1, resume=True, indicators=tmp_path / "other.csv")
    with open(partial_path(ind), "r+b") as fh:  # the second file's indicator rows did not all reach the disk
        fh.truncate(fh.seek(0, 2) - 10)
    calls = _counting_ingest(monkeypatch)
    report = tag_batch(files, out, model_dir=tiny_model_dir, jobs=1, resume=True, indicators=ind)
    assert calls == [f.name for f in files[1:]] and report.n_files_skipped_resumed == 1  # the second is redone
    assert ind.read_bytes() == full.read_bytes() and report.n_indicators == len(full.read_text("utf-8").splitlines())
    assert not partial_path(ind).exists() and not done_path(out).exists()


def test_indicators_cannot_resume_without_the_done_file(tiny_model_dir, seed_copy, tmp_path, monkeypatch):
    out, ind = tmp_path / "tags.jsonl", tmp_path / "ind.csv"
    monkeypatch.setattr(batch, "FILES_PER_TASK", 1)
    _counting_ingest(monkeypatch, fail_on=3)
    with pytest.raises(KeyboardInterrupt):
        tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1, indicators=ind)
    done_path(out).unlink()
    with pytest.raises(ValueError, match="cannot resume"):
        tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1, resume=True, indicators=ind)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_bad_file_never_stops_the_indicators(jobs, tiny_model_dir, seed_copy, tmp_path, monkeypatch):
    """An unreadable file, and a file whose indicators cannot be extracted, are reported and
    skipped whole (neither its units nor its indicators are written, so a resume retries it)."""
    import nlp.indicators.table as table

    if jobs > 1 and batch._pool_context().get_start_method() != "fork":
        pytest.skip("the workers inherit the patched extractor only under fork")
    (seed_copy / "broken.txt").write_bytes(b"\x00\x01\x02 binary \x00" * 50)
    files = sorted(seed_copy.iterdir())
    odd = files[2]
    real = table.document_indicators

    def fails_on_odd(rows, labels, sources=None, rules=None):
        if any(str(r["source"]) == str(odd) for r in rows):
            raise RuntimeError("odd numbers")
        return real(rows, labels, sources, rules)

    monkeypatch.setattr(table, "document_indicators", fails_on_odd)  # inherited by forked workers
    out, ind = tmp_path / "tags.jsonl", tmp_path / "ind.jsonl"
    errors = []
    report = tag_batch(files, out, model_dir=tiny_model_dir, jobs=jobs, indicators=ind, on_error=errors.append)
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert report.n_files_ok == 4 and set(reasons) == {"broken.txt", odd.name}
    assert "failed to extract indicators (RuntimeError: odd numbers)" in reasons[odd.name]
    got, tagged = read_table(ind), _read_jsonl(out)
    assert odd.name not in {Path(s).name for s in tagged["source"]}
    assert set(got["doc_id"]) == set(tagged["doc_id"]) and len(set(got["doc_id"])) == 4


def test_indicators_must_not_overwrite_the_output(tiny_model_dir, seed_copy, tmp_path):
    out = tmp_path / "t.jsonl"
    for ind in (out, partial_path(out), tmp_path / "T" / ".." / "t.jsonl"):
        with pytest.raises(ValueError, match="indicator table"):
            tag_batch([seed_copy], out, model_dir=tiny_model_dir, jobs=1, indicators=ind)
    from nlp.errors import TableFormatError

    with pytest.raises(TableFormatError):
        tag_batch([seed_copy], tmp_path / "t.jsonl", model_dir=tiny_model_dir, jobs=1, indicators=tmp_path / "i.xlsx")


def test_side_ranges_follow_the_partials_order(tmp_path):
    """With a side partial (the indicators), both ranges of a task are reserved under one lock, so
    files stand in the same order in both; .done records both ends, and a rollback cuts both."""
    import multiprocessing as mp

    out, side = tmp_path / "out.jsonl", tmp_path / "ind.jsonl"
    state = _partial.Partial(out, {"fazhi_batch": 1}, side)
    state.start(resume=False)
    counter, side_counter = mp.Value("q", 0), mp.RawValue("q", 0)
    fd, sfd = os.open(partial_path(out), os.O_WRONLY), os.open(partial_path(side), os.O_WRONLY)
    a = _partial.write_reserved([("a.md", b"a1\n", 1, None, b"A1\nA2\n"), ("x.md", b"", 0, "bad", b"")], fd,
                                counter, sfd, side_counter)
    b = _partial.write_reserved([("b.md", b"b1\n", 1, None, b"")], fd, counter, sfd, side_counter)
    c = _partial.write_reserved([("c.md", b"c1\n", 1, None, b"C1\n")], fd, counter, sfd, side_counter)
    os.close(fd)
    os.close(sfd)
    assert a[0][1] == _partial.Written(0, 3, 0, 6, 2) and a[1] == ("x.md", b"", 0, "bad")
    assert b[0][1] == _partial.Written(3, 3, 6, 0, 0) and c[0][1] == _partial.Written(6, 3, 6, 3, 1)
    state.commit("b", b[0][1], 1)
    assert state.pending() == ["b"]
    state.commit("a", a[0][1], 1)
    assert (state.offset, state.side_offset) == (6, 6) and list(state.finished) == ["a", "b"]
    state.rollback()  # c never reported
    assert partial_path(out).read_bytes() == b"a1\nb1\n" and partial_path(side).read_bytes() == b"A1\nA2\n"
    done = [json.loads(line) for line in done_path(out).read_text("utf-8").splitlines()[1:]]
    assert [(r["source"], r["offset"], r["side"]) for r in done] == [("a", 3, 6), ("b", 6, 6)]


def test_tag_command_writes_the_indicators(tiny_model_dir, tmp_path):
    import subprocess
    import sys

    run = [sys.executable, "-m", "nlp.cli", "tag"]
    out, ind = tmp_path / "tags.jsonl", tmp_path / "ind.csv"
    p = subprocess.run(run + [str(SEEDS), "--out", str(out), "--model", str(tiny_model_dir), "--jobs", "1",
                              "--indicators", str(ind)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    n = len(read_table(ind))
    assert n > 100 and f"wrote {n} indicator rows to {ind}" in p.stdout
    units = tmp_path / "units.jsonl"
    units.write_text('{"id": "u1", "text": "全年办理法律援助案件300件"}\n', encoding="utf-8")
    p = subprocess.run(run + [str(units), "--out", str(tmp_path / "u.jsonl"), "--model", str(tiny_model_dir),
                              "--indicators", str(ind)], capture_output=True, text=True)
    assert p.returncode == 2 and "--indicators works on report files" in p.stderr
    p = subprocess.run(run + [str(SEEDS), "--out", str(out), "--model", str(tiny_model_dir), "--indicators",
                              str(tmp_path / "ind.xlsx")], capture_output=True, text=True)
    assert p.returncode == 2 and "unsupported output format" in p.stderr and "Traceback" not in p.stderr
