"""The vectorised featurizers and cleaning patterns give the same results as the plain forms.

Speed work replaced scikit-learn's word analyzer with hashed n-grams over one segmentation
(``nlp.text.token_batch``, ``nlp.features.word_ngrams``) and rewrote cleaning/structure regexes so ``re``
can skip ahead; these tests pin each one to the reference it replaced.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest

from nlp.text.token_batch import segment_batch, string_hashes
from nlp.text.tokenize import Tokenizer

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [json.loads(line)["text"] for line in (ROOT / "labels" / "seeds.jsonl").read_text("utf-8").splitlines()]
TEXTS += ["a", "", "法 律  援助", "COVID-19 防控\n第二行：人民调解"]


def assert_same_tfidf(fast, ref, fast_matrix, ref_matrix) -> None:
    """Same vocabulary and the same weights, columns matched by feature name."""
    names = list(fast.get_feature_names_out())
    assert sorted(names) == sorted(ref.get_feature_names_out())
    perm = [ref.vocabulary_[t] for t in names]
    np.testing.assert_allclose(fast_matrix.toarray(), ref_matrix[:, perm].toarray(), atol=1e-6)


def test_word_ngrams_match_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlp.features.word_ngrams import WordNgramTfidf

    ref = TfidfVectorizer(tokenizer=Tokenizer(stopwords=False), token_pattern=None, lowercase=False,
                          ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(TEXTS)
    batch = segment_batch(TEXTS)
    fast = WordNgramTfidf((1, 2), min_df=2).fit(batch)
    assert_same_tfidf(fast, ref, fast.transform(batch), ref.transform(TEXTS))


def test_token_hash_does_not_depend_on_position():
    batch = segment_batch(["加强人民调解工作", "我们继续加强人民调解"])
    words = [batch.token_text(i) for i in range(len(batch.hashes))]
    assert words.count("人民调解") == 2
    np.testing.assert_array_equal(batch.hashes, string_hashes(words))
    assert len(set(string_hashes(["人民调解", "人民调节", "调解人民", "人民"]).tolist())) == 4
    # trained models store these hashes as vocabularies: the hash function must never change
    assert string_hashes(["人民调解", "法律援助", "a"]).tolist() == [
        13282033121350307653, 16887378571777149032, 13979923660202635431]


def test_sentences_of_a_batch():
    texts = ["全面推进依法行政工作。全年受理法律援助案件405件；办结400件。", "短句。也短。",
             "只有一个较长的句子没有句号"]
    batch = segment_batch(texts)
    assert batch.sentence_texts == ["全面推进依法行政工作。", "全年受理法律援助案件405件；"]
    assert batch.sentence_owner.tolist() == [0, 0]  # "办结400件。" is under 8 characters; unit 2 has one sentence


def test_sentence_rows_equal_featurizing_the_sentences_alone(tmp_path):
    """Blocks compute once per batch and derive sentence rows (n-grams inside a sentence,
    cue matches by offset, vector sums per sentence); that must equal treating each scored
    sentence as a unit of its own."""
    from nlp.features.cues import CueCounter
    from nlp.features.embeddings import MeanWordVectors, save_word_vectors
    from nlp.features.word_ngrams import WordNgramTfidf

    batch = segment_batch(TEXTS)
    alone = segment_batch(batch.sentence_texts)
    assert len(batch.sentence_texts) > 20
    words = sorted({batch.token_text(i) for i in range(len(batch.hashes))})
    rng = np.random.default_rng(0)
    save_word_vectors(tmp_path / "v.npz", np.array(words), rng.normal(size=(len(words), 8)).astype(np.float32))
    for part in (WordNgramTfidf((1, 2), min_df=1).fit(batch), CueCounter(conventions=True).fit(),
                 MeanWordVectors(str(tmp_path / "v.npz")).fit()):
        via_batch = part.transform(batch, level="sentence").toarray()
        np.testing.assert_allclose(via_batch, part.transform(alone).toarray(), atol=1e-5)
        units = part.transform(batch).toarray()  # and the unit level is unchanged by the memo
        np.testing.assert_allclose(units, part.transform(segment_batch(TEXTS)).toarray(), atol=1e-6)
    cues = CueCounter(conventions=True).fit()
    assert cues.transform(batch, level="sentence").sum() > 0
    np.testing.assert_allclose(cues.transform(batch).toarray(), cues.transform(TEXTS).toarray())


def test_rewritten_cleaning_patterns_match_plain_forms():
    from nlp.ingest import clean

    cjk = clean.CJK_CLASS
    plain = {
        "_HALF_PUNCT_RE": re.compile(r"[;!?()]|(?<!\d)[,:]|[,:](?!\d)"),
        "_CJK_GAP_RE": re.compile(rf"(?<=[{cjk}])[ \t]+(?=[{cjk}])"),
        "_MD_MARKUP_RE": re.compile(r"\*\*|__|^#{1,6}[ \t]+|^>[ \t]?", re.M),
        "_TRAILING_WS_RE": re.compile(r"[ \t]+$|^[ \t]+", re.M),
        "_ZERO_WIDTH_RE": re.compile("[\u200b\u200c\u200d\u2060\ufeff]"),
    }
    samples = [*TEXTS, "中 文  字\t测 a b 中 ", "  lead\ntrail  \n   \n a  b \n", "1,000 a,b 3:1 a: 1: :1 (x);!?",
               "**b** __u__ # h\n## h2\n> q\n#nospace\n>x\n a # b ####### x", "\t\t\n  中  \n"]
    rng = random.Random(3)
    alphabet = "中文 \t\n*_#>;!?(),:1a\u200b\ufeff"
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(300)]
    for name, ref in plain.items():
        at_chars = getattr(clean, name.removesuffix("_RE") + "_AT")  # tried only where its characters stand
        for s in samples:
            want = [m.span() for m in ref.finditer(s)]
            assert [m.span() for m in getattr(clean, name).finditer(s)] == want, (name, s)
            assert [m.span() for m in at_chars.finditer(s)] == want, (name, s)


def test_item_markers_as_before():
    from nlp.ingest.structure import load_structure_rules, split_items

    rules = load_structure_rules()
    text = "一是加强调解。二是做好援助；三是其他。其一，这样。1.不是2.5%的数字。2、第二条"
    spans = split_items(text, rules)
    assert [text[a:b][:2] for a, b in spans] == ["一是", "二是", "三是", "其一", "1.", "2、"]
    assert split_items("没有任何标记的段落。", rules) == [(0, len("没有任何标记的段落。"))]


def test_furniture_candidates_find_every_furniture_line():
    from nlp.ingest.clean import load_rules

    rules = load_rules()
    lines = ["当前位置：首页 > 政务公开", "  发布日期: 2024-03-07 发布机构: 高平市司法局", "打印 关闭", "Document",
             "京ICP备12345号", "正文的一段话，不是网页元素。"]
    text = "\n".join(lines)
    found = {m.group(0).strip() for m in rules.furniture_candidates.finditer(text)}
    for line in lines:
        exact = any(p.search(line.strip()) for p in rules.furniture_lines)
        assert (line.strip() in found) or not exact, line
    assert "正文的一段话，不是网页元素。" not in found


def test_furniture_candidates_equal_one_multiline_regex():
    """Unanchored patterns are found by their literal start (``LineCandidates``): a superset of
    the lines the plain form (one regex, every pattern searched along every line) gives, and
    the same lines once the exact patterns are checked, as ``clean`` does."""
    import yaml

    from nlp.ingest._fast_clean import furniture_candidates, literal_prefixes
    from nlp.ingest.clean import load_rules
    from nlp.resources import read_data_text

    patterns = yaml.safe_load(read_data_text("cleaning.yaml"))["furniture_lines"]
    anchored, floating = [], []
    for pat in patterns:
        pat = pat.replace("\\s", "[^\\S\\n]").removesuffix("$")
        (anchored if pat.startswith("^") else floating).append(f"(?:{pat.removeprefix('^')})")
    plain = re.compile(r"^[^\S\n]*(?:" + "|".join(anchored) + r")[^\n]*|^[^\n]*?(?:" + "|".join(floating)
                       + r")[^\n]*", re.M)
    fast = furniture_candidates(patterns)
    assert fast.literals and fast.floating is None
    seeds = [p.read_text("utf-8", errors="replace") for p in sorted((ROOT / "seeds").iterdir())]
    samples = [*seeds, "主办：某某局 京ICP备12345号-1 公网安备 110\n  当前位置：首页\nICP备\n正文ICP备ICP备\n",
               "ICP备", "\n\n公网安备\n", *TEXTS]
    exact = load_rules().furniture_lines

    def furniture(matches) -> list[tuple[int, int]]:
        return [m.span() for m in matches if any(p.search(m.group(0).strip()) for p in exact)]

    for text in samples:
        assert set(m.span() for m in plain.finditer(text)) <= set(m.span() for m in fast.finditer(text))
        assert furniture(fast.finditer(text)) == furniture(plain.finditer(text))
    assert literal_prefixes(r"ICP备\d*号|公网安备") == ["ICP备", "公网安备"]
    assert literal_prefixes(r"ab*c") == ["a"] and literal_prefixes(r"[a]x") is None


def test_stacked_heads_equal_logistic_regression():
    from nlp.tagger.estimator import DomainTagger
    from nlp.training.labels import load_label_file

    df = load_label_file(ROOT / "labels" / "seeds.jsonl")
    model = DomainTagger(threshold_folds=0, sentence_pooling=False).fit(list(df["text"]), list(df["labels"]))
    xf = model.features_.transform(TEXTS)
    ref = np.column_stack([h.predict_proba(xf)[:, 1] if hasattr(h, "predict_proba") else np.full(xf.shape[0], h)
                           for h in model.estimators_])
    np.testing.assert_allclose(model._proba(model.estimators_, xf), ref, rtol=1e-9, atol=1e-12)


def test_compiled_decision_equals_the_feature_matrices(tmp_path):
    """Prediction computes ``X @ W`` without building X (``nlp.features._kernels``); it must equal the
    matrix path block by block (word n-grams, char n-grams, cues, word vectors, context, topic line), at both
    levels, and give the same pooled probabilities."""
    from nlp.features.embeddings import save_word_vectors
    from nlp.tagger.estimator import DomainTagger
    from nlp.training.labels import load_label_file

    df = load_label_file(ROOT / "labels" / "seeds.jsonl")
    batch = segment_batch(list(df["text"]))
    words = sorted({batch.token_text(i) for i in range(len(batch.hashes))})
    rng = np.random.default_rng(0)
    save_word_vectors(tmp_path / "v.npz", np.array(words), rng.normal(size=(len(words), 8)).astype(np.float32))
    model = DomainTagger(threshold_folds=0, char_ngrams=(2, 3), word_vectors=str(tmp_path / "v.npz")).fit(
        list(df["text"]), list(df["labels"]))
    assert [name for name, _ in model.features_.parts_] == ["word", "char", "cues", "w2v", "ctx", "topic"]
    texts = [*TEXTS, *df["text"][:30]]
    W = rng.normal(size=(len(model.features_.get_feature_names_out()), 3))
    xu, xs, owner = model.features_.transform_with_sentences(texts)
    zu, zs, owner2 = model.features_.decision_with_sentences(texts, W)
    assert xs.shape[0] > 20
    np.testing.assert_array_equal(owner, owner2)
    np.testing.assert_allclose(zu, xu @ W, rtol=1e-5, atol=1e-6)  # float32 features
    np.testing.assert_allclose(zs, xs @ W, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="weights have"):
        model.features_.decision_with_sentences(texts, W[:-1])

    xf, sent = model._features(texts)
    matrices = model._calibrate(model._pooled(model.estimators_, xf, sent))
    np.testing.assert_allclose(model.predict_proba(texts), matrices, rtol=1e-6, atol=1e-7)


def test_group_tagging_equals_file_by_file(tmp_path):
    from nlp.apply.batch import process_file, process_files
    from nlp.tagger.estimator import DomainTagger
    from nlp.tagger.serialize import save_model
    from nlp.training.labels import load_label_file

    df = load_label_file(ROOT / "labels" / "seeds.jsonl")
    model = DomainTagger(threshold_folds=0).fit(list(df["text"]), list(df["labels"]))
    save_model(model, tmp_path / "m", {})
    seeds = sorted((ROOT / "seeds").iterdir())[:3]
    bad = tmp_path / "empty.txt"
    bad.write_text("", "utf-8")
    together = process_files(model, [seeds[0], bad, *seeds[1:]])
    one_by_one = [process_file(model, p) for p in [seeds[0], bad, *seeds[1:]]]
    assert [r[:3] for r in together] == [r[:3] for r in one_by_one]
    assert together[1][3] is not None and together[0][3] is None
    assert all(json.loads(line)["labels"] is not None for line in together[0][1].splitlines())


def test_convention_cues_count_in_their_domain_and_are_saved(tmp_path):
    from nlp.features.cues import CueCounter
    from nlp.tagger.estimator import DomainTagger
    from nlp.tagger.serialize import load_model, save_model
    from nlp.taxonomy import load_taxonomy
    from nlp.training.labels import load_label_file

    codes = load_taxonomy().codes
    text = ["规范行政处罚自由裁量权，推行免罚轻罚清单。"]
    plain = CueCounter().fit().transform(text).toarray()[0]
    conv = CueCounter(conventions=True).fit().transform(text).toarray()[0]
    j = codes.index("enforcement_supervision")
    assert plain[j] == 0 and conv[j] > 0

    df = load_label_file(ROOT / "labels" / "seeds.jsonl")
    model = DomainTagger(threshold_folds=0, convention_cues=True).fit(list(df["text"]), list(df["labels"]))
    save_model(model, tmp_path / "m", {})
    loaded = load_model(tmp_path / "m")
    cues = dict(loaded.features_.parts_)["cues"]
    assert cues.cue_domains_["自由裁量权"] == [j]
    np.testing.assert_allclose(loaded.predict_proba(text), model.predict_proba(text), rtol=1e-6)


def test_stock_phrases_get_their_own_column_and_hide_the_cues_inside(tmp_path):
    """The pledge 严格规范公正文明执法 alone is no domain (labeling rule, round 4): it counts in
    the stock-phrase column, and the taxonomy cue 文明执法 inside it does not count there."""
    from nlp.features.cues import STOCK_PHRASES, CueCounter
    from nlp.taxonomy import load_taxonomy

    codes = load_taxonomy().codes
    cues = CueCounter(conventions=True).fit()
    assert cues.codes_ == [*codes, STOCK_PHRASES]
    pledge, measure = cues.transform(["坚持严格规范公正文明执法。", "推行文明执法，落实执法责任制。"]).toarray()
    j = codes.index("enforcement_supervision")
    assert pledge[j] == 0 and pledge[-1] > 0
    assert measure[j] > 0 and measure[-1] == 0
    bad = tmp_path / "conv.yaml"
    bad.write_text("stock_phrases: [严格执法]\nenforcement_supervision: [严格执法]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="both a stock phrase"):
        CueCounter(conventions=True, conventions_path=str(bad)).fit()


def test_char_ngrams_collapse_whitespace_like_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlp.features.char_ngrams import CharNgramTfidf

    texts = ["法律\n\n援助  中心", "法律\t援助 \u3000中心", "法律 援助\n中心", " 法律援助中心 ",
             "法律\xa0\xa0援助中心"] * 2
    ref = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=1, sublinear_tf=True,
                          lowercase=False).fit(texts)
    fast = CharNgramTfidf((2, 3), min_df=1).fit(texts)
    assert_same_tfidf(fast, ref, fast.transform(texts), ref.transform(texts))


def test_cue_trie_matches_like_a_longest_first_alternation():
    from nlp.features._trie import CueTrie
    from nlp.features.cues import CueCounter
    from nlp.text.token_batch import code_points

    cues = list(CueCounter(conventions=True).fit().cue_domains_) + ["法治", "法治宣传", "法治宣传教育", "a", "ab", "b"]
    flat = re.compile("|".join(map(re.escape, sorted(set(cues), key=len, reverse=True))))
    trie = CueTrie(cues)
    extra = ["法治宣传教育法治宣传法治宣讲法治ab a b abab", "12345热线 12348 行政执法三项制度行政执法", "", "治"]
    for text in [*TEXTS, *extra]:
        pos, word = trie.matches(code_points(text))
        assert [(int(p), cues[w]) for p, w in zip(pos, word, strict=True)] == [
            (m.start(), m.group()) for m in flat.finditer(text)], text
    assert len(CueTrie([]).matches(code_points("任何文字"))[0]) == 0


def test_cue_counts_give_every_domain_of_a_shared_cue():
    from nlp.features.cues import CueCounter

    cc = CueCounter().set_cues(["a", "b", "c"], {"调解": [0, 2], "法律援助": [1], "人民调解": [2]})
    X = cc.transform(["人民调解和调解，法律援助", "无"]).toarray()
    np.testing.assert_allclose(X, np.log1p([[1, 1, 2], [0, 0, 0]]))


def test_a_model_whose_domains_are_all_constant_predicts_them():
    """No head has coefficients (no domain present in the labels): prediction needs no features."""
    from nlp.tagger.estimator import DomainTagger

    model = DomainTagger(threshold_folds=0).fit(TEXTS[:12], [[] for _ in TEXTS[:12]])
    assert not any(hasattr(h, "coef_") for h in model.estimators_)
    np.testing.assert_array_equal(model.predict_proba(TEXTS[:3]), np.zeros((3, len(model.classes_))))
    xf = model.features_.transform(TEXTS[:3])
    np.testing.assert_array_equal(model._proba(model.estimators_, xf), np.zeros((3, len(model.classes_))))


@pytest.mark.parametrize("order", ["runs", "shuffled", "empty"])
def test_tfidf_decision_equals_the_matrix_in_any_order(order):
    """The kernel reads a few row-sorted runs in place and counting-sorts anything else; both
    must give ``tfidf_rows(...) @ W``, with out-of-vocabulary (-1) columns skipped."""
    from nlp.features._kernels import tfidf_decision
    from nlp.features.tfidf import tfidf_rows

    rng = np.random.default_rng(1)
    n_rows, n_cols = 40, 25
    runs = [(np.sort(rng.integers(0, n_rows, 300)), rng.integers(-1, n_cols, 300)) for _ in range(3)]
    rows, cols = np.concatenate([r for r, _ in runs]), np.concatenate([c for _, c in runs])
    if order == "shuffled":  # many descending steps: the counting-sort path
        perm = rng.permutation(len(rows))
        rows, cols = rows[perm], cols[perm]
    elif order == "empty":
        rows, cols = rows[:0], cols[:0]
    idf, W = rng.uniform(1, 3, n_cols), rng.normal(size=(n_cols, 4))
    got = tfidf_decision(rows, cols, n_rows, idf, W, True)
    np.testing.assert_allclose(got, tfidf_rows(rows, cols, n_rows, idf, True) @ W, rtol=1e-6, atol=1e-9)


def test_code_index_finds_every_code_and_nothing_else():
    from nlp.features.tfidf import CodeIndex

    rng = np.random.default_rng(2)
    vocab = np.unique(rng.integers(0, 2**63, 5000, dtype=np.int64)).astype(np.uint64) | np.uint64(2**63)
    packed = np.arange(1, 3000, dtype=np.int64) << 16  # packed character codes: not random bits
    for codes in (vocab, packed):
        index = CodeIndex(codes)
        queries = np.concatenate([codes[::-1], codes[:100] + 1])
        want = np.concatenate([np.arange(len(codes))[::-1], np.full(100, -1)])
        assert len(index) == len(codes)
        np.testing.assert_array_equal(index.lookup(queries), want)
    assert CodeIndex(np.zeros(0, dtype=np.uint64)).lookup(vocab[:3]).tolist() == [-1, -1, -1]


def test_compiled_ngram_columns_equal_hashing_and_looking_up():
    """``WordNgramTfidf`` takes its occurrences from one compiled pass (``ngram_columns``); they
    must be those of hashing the n-grams with NumPy (``ngram_codes``), looking them up and
    keeping, for sentences, the n-grams inside a scored sentence."""
    from nlp.features.word_ngrams import WordNgramTfidf, ngram_codes

    texts = [*TEXTS, "一是加强调解。二是做好援助；三是其他。", "短。", "", "执法 监督\n普法"]
    for ngram_range in ((1, 1), (1, 2), (2, 3)):
        fit = WordNgramTfidf(ngram_range=ngram_range, min_df=1).fit(segment_batch(texts[:4]))
        batch = segment_batch(texts)
        codes, rows, pos, sizes, _ = ngram_codes(batch, ngram_range)
        cols = fit._index().lookup(codes)
        assert (cols >= 0).any() and (cols < 0).any()
        got_rows, got_cols, n = fit._occurrences(batch, "unit")
        np.testing.assert_array_equal(got_rows, rows)
        np.testing.assert_array_equal(got_cols, cols)
        first = batch.sentence[pos]
        srows = batch.sentence_row[first]
        inside = (srows >= 0) & (batch.sentence[pos + sizes - 1] == first)
        got_rows, got_cols, n = fit._occurrences(batch, "sentence")
        assert inside.any() and n == len(batch.sentence_owner)
        np.testing.assert_array_equal(got_rows, srows[inside])
        np.testing.assert_array_equal(got_cols, cols[inside])
