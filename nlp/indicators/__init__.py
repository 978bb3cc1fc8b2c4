"""The numbers in the reports as panel data: quantities in the text (``numbers``: Chinese
numerals, 万/亿, 余/多; ``extract``: what each measures, by the indicator types of
``nlp/data/indicators.yaml``) → one row per quantity and a panel of reports × indicators
(``table``)."""
