# Prescribe: `make run` to serve the app locally, `make test` to run the whole test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
# Debian packages: WeasyPrint's Pango stack, and HarfBuzz subsetting (about 1.8x faster PDFs).
SYSTEM_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

# `make run` serves with gunicorn, the production server (one sync worker per core, on loopback only;
# PRESCRIBE_WORKERS=N for another number). A server reachable by others goes behind nginx: README.
.PHONY: run test check-content system-deps clean-venv bench translations

# Two stamps: `make run` installs the runtime dependencies only (requirements.txt); `make test` adds
# the test and development tools (requirements-dev.txt, which includes requirements.txt).
$(VENV)/.installed-run: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

system-deps:
	@missing=""; for lib in $(SYSTEM_LIBS); do \
	  dpkg-query -W -f='$${Status}' $$lib 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$lib"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system libraries:$$missing"; \
	    (apt-get install -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)) \
	      || echo "Could not install:$$missing (PDFs still work if WeasyPrint finds its libraries)"; \
	  else \
	    echo "Faster PDFs need:$$missing. Install them with: sudo apt-get install$$missing"; \
	  fi; \
	fi

run: system-deps $(VENV)/.installed-run
	@$(FLASK) db upgrade
	@$(FLASK) init-db
	@echo ""
	@echo "  Prescribe is starting at http://127.0.0.1:$(PORT)"
	@$(FLASK) demo-login
	@echo "  Stop it with Ctrl+C."
	@echo ""
	@PRESCRIBE_BIND=127.0.0.1:$(PORT) exec $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# The whole suite on SQLite and on PostgreSQL (a server the tests start from the machine's binaries),
# then the crash and load tests alone, with a summary at the end; scripts/run_tests.py says what runs where.
# It starts with the lint tier (ruff and mypy, configured in pyproject.toml): failing lint fails `make test`.
test: $(VENV)/.installed-dev
	@$(PY) scripts/run_tests.py

check-content: $(VENV)/.installed-run
	@$(FLASK) check-content

# The handout's fixed words in Spanish: extract the English from the code and the print templates,
# merge it into prescribe/translations/es/LC_MESSAGES/messages.po (translate what is new there), and
# compile messages.mo, which is committed (tests/test_spanish_wording.py checks it is up to date).
# The app's pages have their own domain, interface (babel-interface.cfg), so the handout's language
# and the interface's are chosen apart.
translations: $(VENV)/.installed-dev
	@$(VENV)/bin/pybabel extract -F babel.cfg -k _n --no-location --omit-header -o prescribe/translations/messages.pot .
	@$(VENV)/bin/pybabel update -i prescribe/translations/messages.pot -d prescribe/translations -D messages --no-location --omit-header
	@$(VENV)/bin/pybabel compile -d prescribe/translations -D messages
	@$(VENV)/bin/pybabel extract -F babel-interface.cfg -k _l -k lazy_gettext -k N_ --no-location --omit-header -o prescribe/translations/interface.pot .
	@$(VENV)/bin/pybabel update -i prescribe/translations/interface.pot -d prescribe/translations -D interface --no-location --omit-header
	@$(VENV)/bin/pybabel compile -d prescribe/translations -D interface

clean-venv:
	rm -rf $(VENV)

# Benchmark (bench/run.py): one table of medians, also written to bench/results.json; under 5
# minutes. BENCH_ARGS passes options, e.g. BENCH_ARGS="--budget 0" for the full 500-render memory run.
bench: $(VENV)/.installed-run
	@$(PY) -m bench.run $(BENCH_ARGS)
