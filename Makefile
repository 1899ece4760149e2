# claimcheck — the two commands a new user needs:
#   make demo   set up .venv (torch 2.13.0 CPU first) and check the NATO example article
#   make test   set up .venv and run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.claimcheck-installed
EXAMPLE := examples/nato-summit-2024

.PHONY: setup demo test lint model calibrate bench-smoke leaderboard check-browser clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/claimcheck check $(EXAMPLE)/article.txt --refs $(EXAMPLE)/references \
		--json out/nato-report.json

test: setup
	$(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks

# Retrain the default NLI model (about 72 min on 2 idle cores), then fit its verdict thresholds.
model: setup
	$(VENV)/bin/claimcheck train nli --config configs/train/nli-minilm-v1.yaml
	$(PY) -m claimcheck.train.calibrate --model src/claimcheck/models/nli-minilm-v1

calibrate: setup
	$(PY) -m claimcheck.train.calibrate --model src/claimcheck/models/nli-minilm-v1

# Every committed benchmark config on its dev split (see benchmarks/README.md), then the leaderboard.
leaderboard: setup
	$(PY) benchmarks/leaderboard.py

# Headless Chromium screenshot of the demo's HTML review page (installs chromium if missing).
check-browser: setup
	bash scripts/check-browser.sh

clean:
	rm -rf out .pytest_cache
