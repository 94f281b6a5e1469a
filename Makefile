# Two commands for a newcomer: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck chat bench clean

run: $(STAMP)  ## start the assistant: Telegram when TELEGRAM_BOT_TOKEN is set, else the terminal chat
	$(PY) -m bot

test: $(STAMP)  ## lint, format check, type check and the whole test suite (what CI runs)
	$(PY) -m ruff check bot tests bench
	$(PY) -m ruff format --check bot tests bench
	$(PY) -m mypy bot
	$(PY) -m pytest -n auto -m "not serial"  # the bulk, one worker per core
	$(PY) -m pytest -m serial  # timings, leases and kills (`serial`): one at a time

test-fast: $(STAMP)  ## the inner loop: lint and the tests not marked slow, on SQLite (CI runs `make test`)
	$(PY) -m ruff check bot tests bench
	$(PY) -m pytest -n auto -m "not slow" -k "not postgres" -q

lint: $(STAMP)
	$(PY) -m ruff check bot tests bench

typecheck: $(STAMP)
	$(PY) -m mypy bot

bench: $(STAMP)  ## both benchmarks at a size that finishes in minutes; full sizes in BENCHMARKS.md
	$(PY) bench/bench_match.py --sizes 100 1000
	$(PY) bench/bench_load.py --residents 100 --messages 5 --think 5 --drain-timeout 5

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)
