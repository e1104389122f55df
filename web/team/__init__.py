"""The supervisor's team page: team and per-agent figures with R-KPI colouring, charts and CSV
(views, tables), kept warm in the background of ``hotline web serve`` (warm)."""
