"""Training and evaluation: label files and references to shared corpora (``labels``,
``corpus_refs``), grouped cross-validation reported by genre (``evaluate``), label-error
candidates (``review``) and the training workflow (``train``)."""
