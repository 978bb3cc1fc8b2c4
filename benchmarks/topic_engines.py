"""Topic-model settings compared on the same paragraphs, by coherence measured the same way.

Fits TopicModel with fixed k on the provincial-report paragraphs of the shared corpus (or any
tagged table given) under each setting and prints fit time, c_v, NPMI (gensim CoherenceModel,
default windows, top 20 words, ``processes=1``) and topic diversity (share of distinct words
among the topics' top 25, Dieng et al. 2020). Coherence is computed on the *plain* tokens of the
general tokenizer for every setting, so a setting that drops words is not rewarded for it.

    python benchmarks/topic_engines.py out/corpus/tagged.parquet --level province --k 15
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def diversity(model, topn: int = 25) -> float:
    words = model.top_words(topn)
    return words["word"].nunique() / len(words)


def coherence(model, texts: list[list[str]], measure: str) -> float:
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    topics = [list(g.sort_values("rank")["word"]) for _, g in model.top_words(20).groupby("topic")]
    dictionary = Dictionary(texts)
    topics = [[w for w in t if w in dictionary.token2id] for t in topics]
    cm = CoherenceModel(topics=topics, texts=texts, dictionary=dictionary, coherence=measure, processes=1)
    return float(cm.get_coherence())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table")
    ap.add_argument("--level", default="province")
    ap.add_argument("--k", type=int, default=15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sample", type=int, default=20000, help="texts for coherence (seeded sample)")
    ap.add_argument("--only", nargs="*", help="run the settings whose name contains one of these")
    args = ap.parse_args()

    from nlp.analysis.topics import TopicModel, TopicTokenizer
    from nlp.analysis.workflows import content_units
    from nlp.text.tokenize import Tokenizer

    units = content_units(pd.read_parquet(args.table))
    if args.level:
        units = units[units["level"] == args.level]
    texts = list(units["text"])
    rng = np.random.default_rng(args.seed)
    idx = np.sort(rng.choice(len(texts), min(args.sample, len(texts)), replace=False))
    plain = Tokenizer()
    eval_texts = [plain(texts[i]) for i in idx]
    print(f"{len(texts)} paragraphs, k={args.k}, coherence on {len(idx)} texts (plain tokens)")
    settings = {
        "counts, general stop words": dict(tokenizer=Tokenizer(), term_weight="one"),
        "counts, + genre boilerplate": dict(tokenizer=TopicTokenizer(places=False), term_weight="one"),
        "idf weights, general stop words": dict(tokenizer=Tokenizer(), term_weight="idf"),
        "idf weights, + genre boilerplate": dict(tokenizer=TopicTokenizer(places=False), term_weight="idf"),
        "idf weights, + genre boilerplate, place names dropped (the default)": dict(tokenizer=TopicTokenizer(),
                                                                                  term_weight="idf"),
        "idf weights, + boilerplate, no single characters": dict(tokenizer=TopicTokenizer(places=False, min_len=2),
                                                                 term_weight="idf"),
    }
    if args.only:
        settings = {name: kw for name, kw in settings.items() if any(o in name for o in args.only)}
    print("| setting | fit s | c_v | NPMI | diversity (top 25) |\n|---|---|---|---|---|")
    for name, kw in settings.items():
        t = time.perf_counter()
        model = TopicModel(k=args.k, seed=args.seed, **kw).fit(texts)
        secs = time.perf_counter() - t
        # the model's own coherence (on its own tokens) is in model.coherence_; here all on plain tokens
        print(f"| {name} | {secs:.0f} | {coherence(model, eval_texts, 'c_v'):.3f} | "
              f"{coherence(model, eval_texts, 'c_npmi'):.3f} | {diversity(model):.2f} |", flush=True)


if __name__ == "__main__":
    main()
