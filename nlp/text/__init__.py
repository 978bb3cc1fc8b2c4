"""Text and tokens: the segmenter (rjieba or jieba, the domain dictionary, stop words) and token
batches (a batch of texts segmented once, its tokens hashed, its sentences as arrays)."""
