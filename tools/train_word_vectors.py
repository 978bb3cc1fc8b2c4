"""Train the word vectors the shipped tagger uses (see nlp/embeddings.py).

    python tools/train_word_vectors.py ../shared/corpus/gov-work-reports out/word_vectors.npz
    fazhi train --word-vectors out/word_vectors.npz --out models/default
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.features.embeddings import save_word_vectors
from nlp.training.word_vectors import corpus_sentences, train_word_vectors


def main(corpus: str, out: str, seed: int = 0) -> None:
    t = time.time()
    sentences = corpus_sentences(corpus)
    words, vectors = train_word_vectors(sentences, seed=seed)
    save_word_vectors(out, words, vectors)
    print(f"{len(sentences)} paragraphs, {len(words)} words x {vectors.shape[1]} dims -> {out} "
          f"({time.time() - t:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
