from __future__ import annotations

import pytest

from nlp.text.tokenize import Tokenizer, load_user_dict


@pytest.mark.parametrize("segmenter", ["rjieba", "jieba"])
def test_user_dictionary_takes_effect(segmenter):
    toks = Tokenizer(segmenter, stopwords=False).cut("落实谁执法谁普法责任制，坚持发展枫桥经验，推进综合行政执法")
    assert "谁执法谁普法" in toks and "枫桥经验" in toks and "综合行政执法" in toks


def test_without_user_dictionary_the_terms_split(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    toks = Tokenizer("rjieba", user_dict=str(empty), stopwords=False).cut("落实谁执法谁普法责任制")
    assert "谁执法谁普法" not in toks


def test_stopwords_and_punctuation_dropped():
    toks = Tokenizer()("我们要进一步加强人民调解工作，化解矛盾纠纷。")
    assert "人民调解" in toks and "矛盾纠纷" in toks
    assert "，" not in toks and "进一步" not in toks and "的" not in toks


def test_user_dict_file_parses():
    words = {w for w, _, _ in load_user_dict()}
    assert {"法律援助", "人民调解", "行政复议", "枫桥经验", "谁执法谁普法", "八五普法", "综合行政执法"} <= words
