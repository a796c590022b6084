# sandloop: `bash make.sh TARGET` on a fresh machine (it installs make, Docker and friends first).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup image demo test test-fast lint format bench bench-sandbox schemas clean

setup: image

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

image: $(STAMP)
	$(BIN)/sandloop sandbox build

demo: image
	$(BIN)/sandloop sandbox run docs/examples/two_sum.py --tests docs/examples/two_sum_tests.py --entry-point two_sum

test: image
	$(BIN)/pytest

test-fast: image
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: bench-sandbox

bench-sandbox: image
	$(BIN)/sandloop sandbox bench

schemas: $(STAMP)
	$(BIN)/sandloop sandbox schemas

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
