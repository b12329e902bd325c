# Two commands on a fresh machine: `make run` and `make test`. Everything installs into .venv/ (idempotent).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
PORT   ?= 7860
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install install-test browser run test test-fast lint format clean train-reader train-polarity

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# CPU torch first (a small wheel); unpinned torch would pull GBs of CUDA packages.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	$(BIN)/python -m compileall -q qa_bot >/dev/null
	@# the question path's networks exported for ONNX Runtime, and the seed article indexed: `make run` then
	@# answers about 5 s after it starts (qa-bot prepare; re-run by itself when the models change)
	$(BIN)/qa-bot prepare
	$(BIN)/qa-bot ingest seeds/ --index indexes/default --quiet
	touch $@

install-test: $(TSTAMP)

# llama-cpp-python builds from source (no wheel on PyPI): only the library, no multimodal or tools (~4 min).
# GGML_NATIVE=OFF: a -march=native build (AMX on these Xeons) segfaults in batched prompt decoding (0.3.36).
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF \
                    -DGGML_NATIVE=OFF

$(TSTAMP): $(STAMP) pyproject.toml
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e ".[test]"
	@$(MAKE) --no-print-directory browser
	touch $@

# The browser tests drive the system's Chromium (Debian package). Installed when missing and running as root;
# otherwise the browser tests are skipped and say why.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	  apt-get install -y -q chromium >/dev/null 2>&1; } || echo "note: could not install chromium; browser tests will be skipped"; \
	else echo "note: chromium is not installed and this is not root; browser tests will be skipped"; fi

# qa_bot's own bytecode written first (compileall writes it even where PYTHONDONTWRITEBYTECODE is set; only what
# changed is compiled): otherwise every start compiles the package's modules again.
run: install
	@$(BIN)/python -m compileall -q qa_bot >/dev/null
	$(BIN)/qa-bot serve --index indexes/default --ingest seeds/ --host 127.0.0.1 --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The unit tests alone (small fakes, no real models, servers or browser): under a minute.
test-fast: install-test
	$(BIN)/python -m pytest -m "not slow and not integration and not browser and not llm" $(PYTEST_ARGS)

# Reproduce the shipped reader: train (resumable from out/train-reader), measure its int8 ranges on SQuAD training
# paragraphs, fit the yes / no / span decision on CoQA's training conversations and the answer types on SQuAD's
# questions, then the abstention threshold on the dev sets (the kind decision and the threshold read as the
# bot reads: int8). Hours on 2 CPU cores; see qa_bot/answering/model/MODEL_CARD.md.
train-reader: install
	$(BIN)/qa-bot train-reader $(TRAIN_ARGS)
	$(BIN)/qa-bot fit-int8
	$(BIN)/qa-bot fit-answer-kind
	$(BIN)/qa-bot fit-answer-types
	$(BIN)/qa-bot calibrate-reader

# The polarity reader (opt-in, not shipped: QA_BOT_POLARITY_DIR=out/polarity): the reader fine-tuned to tell "yes"
# from "no" on CoQA's yes/no training turns, into out/polarity (resumable). About 10 minutes on 2 CPU cores.
train-polarity: install
	$(BIN)/qa-bot train-polarity $(POLARITY_ARGS)

lint: install-test
	$(BIN)/ruff check qa_bot tests scripts
	$(BIN)/ruff format --check qa_bot tests scripts

format: install-test
	$(BIN)/ruff format qa_bot tests scripts
	$(BIN)/ruff check --fix qa_bot tests scripts

clean:
	rm -rf $(VENV) indexes/*/ .pytest_cache
