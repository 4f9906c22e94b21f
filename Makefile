# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app ambassador
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_test

.PHONY: run test test-pg test-browser lint check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The server and, beside it, the worker that runs web imports and the periodic jobs;
# Ctrl-C stops both.
run: $(VENV)/.installed
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) worker & worker=$$!; trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed
	$(BIN)/pytest -m "not browser" -q

test-pg: $(VENV)/.installed
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/pytest -m "not browser" -q

test-browser: $(VENV)/.installed
	$(BIN)/pytest -m browser -q

lint: $(VENV)/.installed
	$(BIN)/ruff check .

CHECK_DB := $(shell mktemp -u /tmp/ambassador-check-XXXXXX).db

check: $(VENV)/.installed
	DATABASE_URL=sqlite:///$(CHECK_DB) $(FLASK) db upgrade
	DATABASE_URL=sqlite:///$(CHECK_DB) $(FLASK) db check
	rm -f $(CHECK_DB)

clean:
	rm -rf $(VENV) instance/ambassador.db* instance/mail
