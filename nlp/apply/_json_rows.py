"""Tagged rows as JSON lines, spliced from pre-encoded parts (speed code of ``nlp.apply.batch``).

A row is its unit columns (already in the unit table's column order, ``nlp.schema.unit_rows``)
serialized by orjson, with the labels and scores of its text appended; each distinct text's
tail is serialized once. The bytes equal ``orjson.dumps`` of the full row dict (tested).
"""

from __future__ import annotations

import numpy as np

from nlp.tables import json_default


def tagged_jsonl_many(model, row_lists: list[list[dict]], keep: set[str] | None = None,
                      labels_out: list[list] | None = None) -> list[bytes]:
    """The units of several files tagged in one model call; JSON lines per file.

    One call per group of files, not per file: the featurizer and the model work on arrays,
    and a call has a fixed cost that a single short report does not amortize. Each distinct
    text is scored once (a paragraph without enumeration is also its own single item, so
    about half of the units repeat a text: ``nlp.apply.tagging.score_distinct``). The lines stay UTF-8
    bytes all the way to the output file: decoding them for a worker's reply only to encode
    them again in the parent cost the parent a core-second per 30 MB of reports.

    ``keep``: the granularities written (None: every row); the others are scored only, for a
    model that reads units in their document. ``labels_out``: when given, gets one list per file
    of its rows' labels (every row, written or not), for what else the caller does with them
    (the indicators' domains, ``nlp.apply.batch``).
    """
    import orjson

    from nlp.apply.tagging import needs_pooling, pools_documents, score_distinct, score_rows

    codes = [str(c) for c in model.classes_]
    # a file whose units are read in their document (in-genre, with a pooling model): its rows'
    # scores depend on each other, so each row gets its own tail; the others share one per text
    pooled = [pools_documents(model) and needs_pooling(model, rows) for rows in row_lists]
    out: list[bytes | None] = [None] * len(row_lists)
    labels_of: list = [None] * len(row_lists)
    for i, rows in enumerate(row_lists):
        if pooled[i]:
            labels, proba = score_rows(model, rows)
            labels_of[i] = labels
            lines = [orjson.dumps(r, default=json_default)[:-1] + b',"labels":' + orjson.dumps(lab) + b',"scores":'
                     + sc + b"}" for r, lab, sc in zip(rows, labels, scores_json(codes, proba), strict=True)
                     if keep is None or r["granularity"] in keep]
            out[i] = b"\n".join(lines) + b"\n" if lines else b""
    rest = [i for i, p in enumerate(pooled) if not p]
    if rest:
        keys: list = []
        index, labels, proba = score_distinct(model, (r for i in rest for r in row_lists[i]), keys)
        # each distinct unit's labels and scores are serialized once; a row is its unit columns
        # (``Ingested.unit_rows``: already in ``UNIT_COLUMNS`` order) with that tail appended
        tails = [b',"labels":' + orjson.dumps(lab) + b',"scores":' + sc + b"}"
                 for lab, sc in zip(labels, scores_json(codes, proba), strict=True)]
        at = 0
        for i in rest:
            rows = row_lists[i]
            lines = [orjson.dumps(r, default=json_default)[:-1] + tails[index[k]]
                     for r, k in zip(rows, keys[at : at + len(rows)], strict=True)
                     if keep is None or r["granularity"] in keep]
            if labels_out is not None:
                labels_of[i] = [labels[index[k]] for k in keys[at : at + len(rows)]]
            at += len(rows)
            out[i] = b"\n".join(lines) + b"\n" if lines else b""
    if labels_out is not None:
        labels_out.extend(labels_of)
    return out


def scores_json(codes: list[str], proba: np.ndarray) -> list[bytes]:
    """Each row of ``proba`` as the JSON object code → probability, as ``orjson.dumps`` of that dict
    writes it.

    Why: a dict and a ``dumps`` call per text were a few percent of batch tagging; here the
    numbers are formatted in one ``orjson`` call over the matrix and each object is one
    ``bytes %`` of the row's numbers into a template of the pre-encoded keys (twice as fast as
    joining key and number pairs).
    """
    import orjson

    if proba.shape[0] == 0 or proba.shape[1] == 0:
        return [b"{}"] * proba.shape[0]
    template = b"{" + b",".join(orjson.dumps(c).replace(b"%", b"%%") + b":%b" for c in codes) + b"}"
    rows = orjson.dumps(np.ascontiguousarray(proba, dtype=np.float64), option=orjson.OPT_SERIALIZE_NUMPY)
    return [template % tuple(row.split(b",")) for row in rows[2:-2].split(b"],[")]
