# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app ambassador
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_test

.PHONY: run test test-pg test-browser lint bandit check clean \
	translations-extract translations-update translations-compile translations-init

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

# Security lint; false positives carry `# nosec BXXX` and their reason (pyproject.toml).
bandit: $(VENV)/.installed
	$(BIN)/bandit -c pyproject.toml -r ambassador -q

CHECK_DB := $(shell mktemp -u /tmp/ambassador-check-XXXXXX).db

check: $(VENV)/.installed
	DATABASE_URL=sqlite:///$(CHECK_DB) $(FLASK) db upgrade
	DATABASE_URL=sqlite:///$(CHECK_DB) $(FLASK) db check
	rm -f $(CHECK_DB)

# Translations: ambassador/translations/<lang>/LC_MESSAGES/messages.po (see README).
# The app reads the .po files directly; no compiled .mo file is needed or committed.
TRANSLATIONS := ambassador/translations
POT := $(TRANSLATIONS)/messages.pot
PYBABEL := $(BIN)/pybabel

translations-extract: $(VENV)/.installed
	$(PYBABEL) -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--ignore-dirs '.*' --no-location --sort-output \
		--project Ambassador --copyright-holder Ambassador \
		-o $(POT) .

translations-update: translations-extract
	$(PYBABEL) -q update -i $(POT) -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete
	sed -i '/^"POT-Creation-Date: /d' $(TRANSLATIONS)/*/LC_MESSAGES/messages.po
	@echo "Now translate every entry with an empty msgstr in $(TRANSLATIONS)/*/LC_MESSAGES/messages.po"

translations-compile: $(VENV)/.installed
	$(PYBABEL) compile -d $(TRANSLATIONS) --statistics

translations-init: translations-extract
	@test -n "$(LANG_CODE)" || (echo "usage: make translations-init LANG_CODE=de" && exit 2)
	$(PYBABEL) init -i $(POT) -d $(TRANSLATIONS) -l $(LANG_CODE)
	sed -i '/^"POT-Creation-Date: /d' $(TRANSLATIONS)/$(LANG_CODE)/LC_MESSAGES/messages.po

clean:
	rm -rf $(VENV) instance/ambassador.db* instance/mail
