# The README's two promises: `make run` sets up and serves the demo; `make test` sets up and checks everything.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip

.PHONY: run setup setup-dev test lint bench screenshots

run: setup
	$(PYTHON) main.py

setup:
	$(PIP) install -q -r requirements.txt

setup-dev:
	$(PIP) install -q -r requirements-dev.txt
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || command -v apt-get >/dev/null 2>&1 && \
	  { command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium; }; } || \
	  echo "Chromium not installed: browser tests will be skipped (install Debian's chromium to run them)."

lint:
	$(PYTHON) -m ruff check .
	hadolint --failure-threshold warning Dockerfile

test: setup-dev lint
	$(PYTHON) -m pytest

bench: setup-dev
	$(PYTHON) bench/run.py

screenshots: setup-dev
	DATATHON_SCREENSHOTS=docs/screenshots $(PYTHON) -m pytest tests/test_browser.py -k readme_screenshots
