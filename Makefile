# The README's two promises: `make run` sets up and serves the demo; `make test` sets up and checks everything.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip

.PHONY: run setup setup-dev chromium test lint bench screenshots

run: setup
	$(PYTHON) main.py

setup:
	$(PIP) install -q -r requirements.txt

setup-dev:
	$(PIP) install -q -r requirements-dev.txt
	@command -v chromium >/dev/null 2>&1 || $(MAKE) -s chromium || \
	  echo "Chromium is not installed: browser tests will be skipped (outside CI)."

chromium:
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

lint:
	$(PYTHON) -m ruff check .
	hadolint --failure-threshold warning Dockerfile

test: setup-dev lint
	$(PYTHON) -m pytest

bench: setup-dev
	$(PYTHON) bench/run.py

# The README's pictures, taken by the browser test that uploads a file; CI=true: no Chromium is an error, not a skip.
screenshots: setup-dev
	mkdir -p docs/screenshots
	CI=true DATATHON_SCREENSHOTS=docs/screenshots $(PYTHON) -m pytest tests/test_browser.py -k readme_screenshots
