# Two commands on a fresh machine: `make run` and `make test`. Only python3 (3.11+) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run serve test lint bench clean

run: $(STAMP)
	$(BIN)/fireside run

serve: $(STAMP)
	$(BIN)/fireside serve

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Load and speed measurements; results and machine in docs/performance.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_dashboard.py --questions 2000 --runs 3
	$(BIN)/python benchmarks/bench_dashboard.py --questions 5000 --runs 3
	$(BIN)/python benchmarks/bench_hub.py --runs 3
	$(BIN)/python benchmarks/bench_client.py --runs 20
	$(BIN)/python benchmarks/bench_topics.py
	$(BIN)/python benchmarks/bench_export.py
	$(BIN)/python benchmarks/bench_web.py --runs 3
	$(BIN)/python benchmarks/bench_web_attendees.py --attendees 1000 --runs 3
	$(BIN)/python benchmarks/bench_pubsub.py --runs 3

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

$(STAMP): pyproject.toml client/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Fireside needs Python 3.11 or newer; set PYTHON=python3.11 (or newer).")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The client first: the moderator side imports its protocol module.
	$(BIN)/python -m pip install --quiet -e ./client -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
