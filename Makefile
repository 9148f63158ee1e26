# The README's commands. Every target is idempotent: the venv is built once per change of the lock file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
PYTEST_ARGS ?=
PROJECTS ?= 60000
REPEAT ?= 1

.PHONY: run test demo lint bench serve clean-data

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode --require-hashes -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/inventory refresh

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/inventory demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --projects $(PROJECTS) --repeat $(REPEAT)

# The production shape on one machine (docs/scaling.md): a Prefect server on loopback, the process pool,
# both deployments, and a worker in the foreground; Ctrl-C stops the worker and the server.
PREFECT_PORT ?= 4200
serve: $(STAMP)
	$(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT) & server=$$!; \
	trap 'kill $$server' EXIT INT TERM; \
	export PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api; \
	for i in $$(seq 1 60); do curl -fsS $$PREFECT_API_URL/health >/dev/null 2>&1 && break; sleep 1; done; \
	$(BIN)/prefect work-pool create inventory-pool --type process --overwrite && \
	PWD=$(CURDIR) $(BIN)/prefect --no-prompt deploy --all && \
	$(BIN)/prefect worker start --pool inventory-pool
