# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PRODUCTION_ENV := DJANGO_SETTINGS_MODULE=haki.settings.production \
	HAKI_SECRET_KEY=check-only-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	HAKI_MASTER_KEY=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	HAKI_ALLOWED_HOSTS=haki.example.org HAKI_DATABASE_URL=sqlite://:memory:

.PHONY: run test check install bench clean

# pip's -qq shows errors only: a machine whose pip configuration names a local index
# that lacks some package printed a "Location ... is ignored" warning per package.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/haki demo
	@echo
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in with a demo login above."
	PORT=$(PORT) $(BIN)/haki serve

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks (not tests): needs PostgreSQL and Redis; BENCH_ARGS=--quick for a short run.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=haki.settings.test $(BIN)/haki makemigrations --check --dry-run
	$(BIN)/python -m haki.translations check
	$(PRODUCTION_ENV) $(BIN)/haki check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
