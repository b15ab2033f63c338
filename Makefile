# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian's Chromium for the lists only JavaScript builds (Playwright cannot download its own browser here).
CHROMIUM_STAMP := $(VENV)/.chromium
# Debian's antiword for the text of legacy Word (.doc) attachments.
ANTIWORD_STAMP := $(VENV)/.antiword
# pywb, to replay the crawl's WARC files in the tests, in a venv of its own: its pins (redis 2.x) clash with ours.
PYWB_STAMP := $(VENV)/.pywb

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "govcrawl needs Python 3.11 or newer: run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
		{ echo "installing python3-venv (Debian splits venv out of python3)"; \
		  apt-get update -qq && apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

$(CHROMIUM_STAMP): $(STAMP)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		{ echo "installing Debian's chromium (headless browser for JavaScript-built lists)"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	touch $(CHROMIUM_STAMP)

$(ANTIWORD_STAMP): $(STAMP)
	@command -v antiword >/dev/null 2>&1 || \
		{ echo "installing Debian's antiword (text of legacy Word .doc attachments)"; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq antiword; }
	touch $(ANTIWORD_STAMP)

$(PYWB_STAMP): $(STAMP)
	$(PYTHON) -m venv $(VENV)/pywb
	$(VENV)/pywb/bin/pip install -q 'pywb>=2.8,<3'
	touch $(PYWB_STAMP)

# Serve the bundled offline portals on loopback, crawl seeds/demo.yaml into data/govcrawl.db, print the reports.
demo: setup $(CHROMIUM_STAMP) $(ANTIWORD_STAMP)
	$(BIN)/govcrawl demo --db data/govcrawl.db

test: setup $(CHROMIUM_STAMP) $(ANTIWORD_STAMP) $(PYWB_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) data/govcrawl.db data/govcrawl.log .pytest_cache .ruff_cache
