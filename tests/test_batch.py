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
