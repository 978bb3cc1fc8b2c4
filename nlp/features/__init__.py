"""Unit texts → feature blocks: hashed word n-gram TF-IDF (``word_ngrams``), character n-gram
TF-IDF (``char_ngrams``), cue counts (``cues``), mean word vectors (``embeddings``), combined
by ``UnitFeatures`` (``units``). Each block owns its serialization (``to_arrays`` /
``from_arrays``). Compiled loops are private (``_kernels``)."""
