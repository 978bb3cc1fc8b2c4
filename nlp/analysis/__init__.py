"""Analysis of tagged units: domain shares by year with intervals (``trends``), topic models
(``topics``), plots (``plots``), the HTML report (``report``) and the workflows behind
``fazhi trends / topics / analyze`` (``workflows``)."""
