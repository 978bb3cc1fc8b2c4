"""Analysis of tagged units: domain shares by year with intervals (``trends``), regressions of
a domain's share on year and level with errors clustered by report (``regression``), topic
models (``topics``), static plots for papers (``plots``), interactive figures (``interactive``),
the HTML report (``report``) and the workflows behind ``fazhi trends / topics / analyze``
(``workflows``)."""
