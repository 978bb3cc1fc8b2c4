"""Applying a trained tagger at scale: tagging tables (``tagging``), parallel, resumable batches
over many files (``batch``; the partial file's offset protocol and resume sidecar are private in
``_partial``) and Dask (``dask_tag``)."""
