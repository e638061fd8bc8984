VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: install system-deps run test lint bench clean

# Debian's Chromium drives the browser tests (never a browser download), wrk the API benchmark. Installed as
# root on a machine without it; otherwise those tests skip and say why.
system-deps:
	@if { ! command -v chromium >/dev/null 2>&1 || ! command -v wrk >/dev/null 2>&1; } && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium wrk >/dev/null; \
	fi

# torch==2.13.0 is the CPU build on this disk; install it before anything that could pull another build.
$(STAMP): pyproject.toml setup.py detector/_bulk.pyx
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/ipwatch demo
	$(VENV)/bin/ipwatch serve --host 127.0.0.1 --port 8000

test: install system-deps
	$(VENV)/bin/python -m pytest

lint: install
	$(VENV)/bin/ruff check .

bench: install system-deps
	$(VENV)/bin/ipwatch bench --json

clean:
	rm -rf $(VENV) var
