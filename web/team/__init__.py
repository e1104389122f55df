"""The supervisor's team page: team and per-agent figures with R-KPI colouring, charts and CSV
(views, tables); the figures of past days come from the scheduler's rollups (hotline.metrics.refresh)."""
