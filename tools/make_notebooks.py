"""Write the research notebooks (run once by a maintainer; the .ipynb files are committed).

Keeping their source here keeps them reviewable as code; `make test` executes them (nbmake).
"""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

SETUP = '''from pathlib import Path
import os
ROOT = Path.cwd().resolve()
while not (ROOT / "seeds").is_dir() and ROOT != ROOT.parent:
    ROOT = ROOT.parent
OUT = ROOT / "out" / "notebooks"
OUT.mkdir(parents=True, exist_ok=True)'''


def nb(cells: list[tuple[str, str]]) -> nbf.NotebookNode:
    book = nbf.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
                  for kind, src in cells]
    for i, cell in enumerate(book.cells):  # the same source writes the same file (nbformat's ids are random)
        cell["id"] = f"cell-{i:02d}"
    return book


QUICKSTART = nb([
    ("md", "# fazhi quickstart: the five seed reports\n\nRead, clean and structure the seeds, look at "
           "their metadata, tag every unit with work domains, and see why a unit got its tags."),
    ("code", SETUP),
    ("code", "from nlp.ingest import ingest\nres = ingest(ROOT / 'seeds')\n"
             "res.documents[['doc_id', 'year', 'body', 'region', 'level', 'script', 'warnings']]"),
    ("md", "Units come at two granularities: paragraphs and items (a paragraph split at 一是…二是…)."),
    ("code", "res.units.groupby(['granularity', 'role']).size().unstack(fill_value=0)"),
    ("code", "items = res.units[res.units.granularity == 'item']\n"
             "items[['unit_id', 'role', 'section', 'text']].head(10)"),
    ("md", "## Tagging with the shipped model\n\nThe tagger reads each unit in its report: its heading "
           "path, section role and the report's genre, and an enumerated paragraph with its items. So tag "
           "the whole unit table (paragraphs and items), then look at the paragraphs."),
    ("code", "from nlp.tagger import load_model\nfrom nlp.apply.tagging import tag_frame\n"
             "model = load_model()\ntagged = tag_frame(model, res.units)\n"
             "paragraphs = tagged[tagged.granularity == 'paragraph']\n"
             "paragraphs[['unit_id', 'section', 'labels', 'text']].head(10)"),
    ("code", "from collections import Counter\nCounter(c for ls in paragraphs['labels'] for c in ls).most_common()"),
    ("md", "Why did a unit get its tags? For each domain: the sentence the score came from, the heading "
           "when it raised the score, the cue phrases found, the terms, and each feature block's share:"),
    ("code", "unit = paragraphs[paragraphs['labels'].map(len) > 0].iloc[3].to_dict()\nprint(unit['text'][:120])\n"
             "model.explain(unit)"),
    ("code", "assert len(res.documents) == 5 and paragraphs['labels'].map(len).sum() > 0"),
])

RETRAIN = nb([
    ("md", "# Retraining the tagger on your own labels\n\nLabels are JSONL lines with `text` and `labels` "
           "(domain codes); an optional `group` (the document) keeps a document's units on one side of "
           "every cross-validation split, and optional `genre` (`fazhi_report` or `gov_work_report`), "
           "`section` and `role` give the tagger a unit's context. Here we use the seed labels that ship "
           "with the project, as plain texts."),
    ("code", SETUP),
    ("code", "import json\nrows = [json.loads(l) for l in (ROOT / 'labels' / 'seeds.jsonl').read_text('utf-8').splitlines()]\n"
             "mine = OUT / 'my_labels.jsonl'\n"
             "mine.write_text(''.join(json.dumps({'text': r['text'], 'labels': r['labels'], 'group': r['file']},"
             " ensure_ascii=False) + '\\n' for r in rows), encoding='utf-8')\nlen(rows)"),
    ("md", "Cross-validated metrics (grouped by document), the model beside the keyword-rule baseline:"),
    ("code", "from nlp.training.evaluate import evaluate, side_by_side\nfrom nlp.tagger import KeywordTagger\n"
             "from nlp.training.labels import load_labels\nfrom nlp.tagger import DomainTagger\n"
             "labels = load_labels([mine])\n"
             "metrics = evaluate({'model': DomainTagger(threshold_folds=3), 'keywords': KeywordTagger()}, labels, n_splits=5)\n"
             "side_by_side(metrics)"),
    ("md", "Train on everything and save with a model card (taxonomy version, data hash, metrics):"),
    ("code", "from nlp.training.train import train\nmodel, _ = train([mine], OUT / 'my_model', n_splits=5)\n"
             "print((OUT / 'my_model' / 'MODEL_CARD.md').read_text('utf-8')[:800])"),
    ("code", "from nlp.tagger import load_model\nm = load_model(OUT / 'my_model')\n"
             "m.predict_labels(['全年办理法律援助案件300件，值班律师提供法律帮助'])[0]"),
])

TRENDS = nb([
    ("md", "# Emphasis over the years\n\nDomain shares per year with bootstrap intervals, and topics over "
           "time. On the real corpus (`../shared/corpus/gov-work-reports`) when it is present (a seeded "
           "sample of `FAZHI_CORPUS_SAMPLE` files, default 150, keeps the notebook quick; set it to 0 for "
           "every file), else on the seed reports."),
    ("code", SETUP + "\nimport random\nCORPUS = ROOT.parent / 'shared' / 'corpus' / 'gov-work-reports'\n"
             "n = int(os.environ.get('FAZHI_CORPUS_SAMPLE', '150'))\n"
             "if CORPUS.is_dir():\n    files = sorted(CORPUS.rglob('*.md'))\n"
             "    files = files if n == 0 else random.Random(0).sample(files, min(n, len(files)))\n"
             "else:\n    files = [ROOT / 'seeds']\nlen(files), CORPUS.is_dir()"),
    ("code", "from nlp.ingest import ingest\nfrom nlp.analysis.workflows import tag_units, run_trends, run_topics\n"
             "res = ingest(files)\ntagged = tag_units(res.units)\nlen(res.documents), len(tagged)"),
    ("code", "tr = run_trends(tagged, OUT / 'trends', n_boot=200)\n"
             "core = ['year', 'enforcement_supervision', 'legal_publicity', 'mediation', 'legal_aid', 'n_docs']\n"
             "tr.tables['domain_by_year'][core].round(3).tail(15)"),
    ("code", "from IPython.display import Image\nImage(str(tr.files['plot_core']))"),
    ("code", "tp = run_topics(tagged, OUT / 'topics', k='auto', k_grid=(5, 8, 10), seed=0, passes=3)\n"
             "print(tp.summary['k'], tp.summary['coherence']['c_v'])\n"
             "tp.tables['topics'].groupby('topic')['word'].apply(lambda s: ' '.join(s.head(8)))"),
    ("code", "tp.tables.get('topic_dominant_domain')"),
])

INDICATORS = nb([
    ("md", "# The numbers the reports state, as a panel\n\nEvery quantity a report states becomes a row "
           "(the indicator type from `nlp/data/indicators.yaml`, the value, its unit, a qualifier for changes, "
           "totals and targets, the sentence); the panel is one row per report and one column per indicator. "
           "The seeds, and the corpus when it is present (a seeded sample of `FAZHI_CORPUS_SAMPLE` files, "
           "default 150, 0 for every file)."),
    ("code", SETUP + "\nimport random\nCORPUS = ROOT.parent / 'shared' / 'corpus' / 'gov-work-reports'\n"
             "n = int(os.environ.get('FAZHI_CORPUS_SAMPLE', '150'))\n"
             "corpus = sorted(CORPUS.rglob('*.md')) if CORPUS.is_dir() else []\n"
             "corpus = corpus if n == 0 else random.Random(0).sample(corpus, min(n, len(corpus)))\n"
             "len(corpus)"),
    ("code", "from nlp.indicators.table import indicators, panel, indicator_summary, indicators_by_year\n"
             "rows, errors = indicators(ROOT / 'seeds')\nprint(len(rows), 'quantities,', "
             "(rows.indicator != 'other').sum(), 'of named indicators;', len(errors), 'unreadable files')\n"
             "rows[rows.indicator != 'other'][['region', 'year', 'domain', 'label', 'value', 'unit', 'qualifier', "
             "'text']].head(12)"),
    ("md", "Each row keeps the sentence it comes from and its span in the source file, so any figure can be "
           "checked by reading it. A report that states one indicator with different values gets `conflict`: "
           "read the sentences (a contradiction, or counts of parts)."),
    ("code", "row = rows[rows.indicator == 'legal_aid_cases'].iloc[0]\nprint(row.sentence)\n"
             "rows[rows.conflict][['doc_id', 'label', 'value', 'unit', 'stage', 'sentence']].head()"),
    ("md", "The panel: one row per report (place, level, year), one column per indicator — its stated "
           "level (changes, targets and approximations stay in the rows)."),
    ("code", "wide = panel(rows)\nwide[['region', 'level', 'year', 'legal_aid_cases', 'disputes_mediated', "
             "'mediation_success_rate', 'reconsideration_cases']]"),
    ("md", "## Across places and years: the corpus\n\nThe same on government work reports: which indicators "
           "the reports state most, and their medians by year."),
    ("code", "if corpus:\n    crows, cerrors = indicators(corpus)\n"
             "    crows.to_csv(OUT / 'corpus_indicators.csv', index=False)\n"
             "    panel(crows).to_csv(OUT / 'corpus_indicator_panel.csv', index=False)\n"
             "    print(len(crows), 'quantities of', crows.doc_id.nunique(), 'reports;', len(cerrors), 'unreadable')\n"
             "else:\n    crows = rows\nindicator_summary(crows).sort_values('reports', ascending=False).head(12)"),
    ("code", "indicators_by_year(crows, top=4).tail(12)"),
    ("md", "## Indicators of your own\n\nA YAML file that opens with `extends: packaged` adds its types to the "
           "packaged ones (same fields as `nlp/data/indicators.yaml`: cues, measure words, domain, label); "
           "`fazhi indicators --types FILE` on the command line."),
    ("code", "mine = OUT / 'my_indicators.yaml'\n"
             "mine.write_text('extends: packaged\\ntypes:\\n  practising_lawyers:\\n    domain: public_legal_services\\n'\n"
             "                '    label: 执业律师\\n    cues: [执业律师]\\n    units: [名, 人]\\n', encoding='utf-8')\n"
             "own, _ = indicators(ROOT / 'seeds', types=mine)\n"
             "own[own.indicator == 'practising_lawyers'][['region', 'year', 'value', 'unit', 'sentence']]"),
    ("code", "assert len(rows) > 100 and (rows.indicator != 'other').sum() > 50 and len(wide) == 5\n"
             "assert (own.indicator == 'practising_lawyers').sum() >= 1"),
])


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "notebooks"
    for name, book in (("01_quickstart.ipynb", QUICKSTART), ("02_retrain_tagger.ipynb", RETRAIN),
                       ("03_emphasis_over_years.ipynb", TRENDS), ("04_indicator_panel.ipynb", INDICATORS)):
        nbf.write(book, out / name)
        print(out / name)


if __name__ == "__main__":
    main()
