# The two commands of the README: `make run` and `make test`. Everything else is a helper verb.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The resolved environment (every package pinned, with hashes, for every Python >= 3.11): `make lock` renews it.
LOCK   := requirements-lock.txt
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test venv data reports lint benchmark docs audit lock clean-reports clean

# (Re)create the venv when it is missing, broken, or older than pyproject.toml or the lock file;
# install exactly the locked versions (pip checks their hashes), then the package itself.
$(STAMP): pyproject.toml $(LOCK)
	@if ! $(BIN)/python -c "import sys" >/dev/null 2>&1; then \
		echo "Creating $(VENV) with $(PYTHON)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

## make data: build the processed territory layer (rebuilt only when inputs change)
data: $(STAMP)
	$(BIN)/wecare territory build

## make run: set everything up and produce the reports of every Piedmont province
run: $(STAMP)
	$(BIN)/wecare run --jobs $(JOBS)

## make test: the whole test suite (what CI runs)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check wecare_analysis tests benchmarks

API_MODULES := wecare_analysis.analysis $(addprefix wecare_analysis.analysis.,parameters region needs offer datasets domains) \
	$(addprefix wecare_analysis.,report practices gaps survey territory services access disclosure cache catalog)

## make docs: the API reference (pdoc, from the docstrings) in docs/api/
docs: $(STAMP)
	$(BIN)/pdoc --docformat numpy -o docs/api $(API_MODULES)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py

## make audit: known vulnerabilities of the locked versions (pip-audit, PyPI advisories); fails if any
## package could not be checked
audit: $(STAMP)
	$(BIN)/pip-audit --strict --vulnerability-service pypi --disable-pip --require-hashes -r $(LOCK)

## make lock: resolve pyproject.toml again into $(LOCK) (after changing a dependency; commit both)
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet "uv>=0.4"
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
		--quiet -o $(LOCK)

clean-reports:
	rm -rf reports/*/ reports/.runs reports/.staging-*

clean:
	rm -rf $(VENV) data/processed/*.parquet data/processed/*.json
