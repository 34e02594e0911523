# The two commands of the README:
#   make book   set up .venv (CPU PyTorch, the companion, the book's tools) and build the book into _build/html
#   make test   set up .venv the same way and run the whole test suite
# Both need Python 3.11 (or newer) and network access to the package registries.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# PyTorch's CPU build: PyPI's default Linux wheel carries CUDA libraries of several GB.
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu

.PHONY: book test clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --retries 1 --index-url $(TORCH_INDEX_URL) torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[book,test]'
	touch $(INSTALLED)

book: $(INSTALLED)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "The book is in _build/html/index.html"

test: $(INSTALLED)
	$(BIN)/python -m pytest

clean:
	rm -rf _build .pytest_cache
