"""fazhi: read, clean, structure, tag and analyse Chinese local governments' rule-of-law reports.

The package follows the data flow, one sub-package per stage; imports only go down this list
(``tests/test_architecture.py`` checks it), except that training, apply and indicators are one
layer (a batch extracts the indicators as it tags; ``indicators()`` tags the reports it reads):

    core        errors, limits, documents, schema, spans, resources, taxonomy, tables, params
    text        segmenter, user dictionary, stop words, token batches
    ingest      files → clean documents → metadata → paragraph and item units
    features    unit texts → feature blocks (word n-grams, cues, word vectors)
    tagger      DomainTagger, its prediction path and its files
    training    labels and references, cross-validation by genre, label review, train
    apply       tagging tables, parallel resumable batches, Dask
    indicators  the numbers the reports state → indicator rows and a panel
    analysis    trends, topics, plots, the HTML report and the workflows behind the CLI
    cli         the ``fazhi`` command
"""
