# The two commands a newcomer needs (README): `make run` and `make test`.
.PHONY: run test setup bench

setup:
	@bash scripts/setup.sh

run: setup
	.venv/bin/hotline run

test: setup
	.venv/bin/python -m pytest

bench: setup
	.venv/bin/python bench/run_all.py
