# The two commands a newcomer needs (README): `make run` and `make test`.
# The test runs print their 25 slowest tests: where the suite's time goes (its aim: ~25 min on 2 cores).
.PHONY: run test setup bench
.PHONY: test-postgres lint

# Two pytest-xdist workers: the real-call tests mostly wait while the rest is CPU work, so the two
# overlap; the tests of the run's one Asterisk and Kannel go to one worker (group `pbx`, set in
# tests/conftest.py), the rest is balanced. On one core: `make test TEST_WORKERS=1`; 0 runs in
# pytest's own process, without xdist.
TEST_WORKERS ?= 2
PYTEST = .venv/bin/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

setup:
	@bash scripts/setup.sh

run: setup
	.venv/bin/hotline run

test: setup
	$(MAKE) --no-print-directory lint
	$(PYTEST) --durations=25
	$(MAKE) --no-print-directory test-postgres

# benchmarks print their figures; the load test and the 1 M-call panel store take longer: run them by hand
bench: setup
	.venv/bin/python bench/listener_throughput.py
	.venv/bin/python bench/ivr_load.py
	.venv/bin/python bench/ivr_real_asterisk.py

# the tests that create a database (db_url fixture, marker `db`) again on a private PostgreSQL; of
# those that drive a real Asterisk, Kannel or Chromium (marker `live`) only the chosen flows
# (marker `postgres_e2e`): the rest prove calls and pages, which the SQLite pass did (README "Tests")
test-postgres: setup
	HOTLINE_TEST_DB=postgres $(PYTEST) -q -m "db and (not live or postgres_e2e)" --durations=25

# ruff and mypy over the whole tree (settings in pyproject.toml); part of `make test`
lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy
