"""Training the word vectors of the tagger's mean-vector block (``nlp.features.embeddings``) on a
corpus (``tools/train_word_vectors.py``): gensim word2vec, one worker, seeded."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from nlp.text.tokenize import Tokenizer
from nlp.training.corpus_refs import read_corpus_paragraphs


def corpus_sentences(corpus: str | Path, tokenizer: Tokenizer | None = None) -> list[list[str]]:
    """Tokens of every paragraph of every ``.md``/``.txt`` file under ``corpus``."""
    tok = tokenizer or Tokenizer(stopwords=False)
    files = sorted(p for p in Path(corpus).rglob("*") if p.suffix in (".md", ".txt"))
    return [tok(par) for f in files for par in read_corpus_paragraphs(f)]


def train_word_vectors(sentences: Iterable[list[str]], vector_size: int = 100, epochs: int = 3, min_count: int = 5,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(words, vectors)`` from gensim word2vec (CBOW, window 5, one worker for determinism)."""
    from gensim.models import Word2Vec

    model = Word2Vec(list(sentences), vector_size=vector_size, window=5, min_count=min_count, workers=1,
                     epochs=epochs, seed=seed, sg=0)
    words = np.array(model.wv.index_to_key, dtype=str)
    return words, model.wv.vectors.astype(np.float32)
