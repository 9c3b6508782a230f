VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

LOCK_FLAGS := --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links

.PHONY: run test lock bench clean

# The locks are complete (every package pinned, with hashes), so pip installs them
# without resolving: that works with the pip a fresh venv comes with.
$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	PORT=$(PORT) $(PY) -m channel serve

test: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# Regenerate the locks from pyproject.toml after changing its dependencies.
lock: $(VENV)/.installed
	$(VENV)/bin/pip-compile --quiet $(LOCK_FLAGS) -o requirements.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet $(LOCK_FLAGS) --extra dev -o requirements-dev.txt pyproject.toml

bench: $(VENV)/.installed
	$(PY) bench/readability.py

clean:
	rm -rf $(VENV) instance .pytest_cache
