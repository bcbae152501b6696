# `make run` and `make test` set everything up on a fresh machine.
# Dependencies are pinned in poetry.lock; they are installed into .venv with pip
# (hash-checked), which works wherever pip reaches a package index.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Poetry in a venv of its own (only `poetry export` is used): its dependencies stay out of
# the app's, and nothing is installed into the system Python (Debian refuses that, PEP 668).
POETRY_VENV := $(VENV)/.poetry
POETRY := $(POETRY_VENV)/bin/poetry
STAMP := $(VENV)/.installed-$(shell cat poetry.lock pyproject.toml | sha1sum | cut -c1-12)
PORT ?= 8000

.PHONY: install system-deps node-deps vendor run serve test test-fast bench soak abuse-sim format migrate lock screenshots clean

install: $(STAMP)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "make install needs Python 3.11+; $(PYTHON) is $$($(PYTHON) --version 2>&1)." \
			"Name another: make install PYTHON=python3.12" >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		echo "$(PYTHON) cannot create a venv (no ensurepip)." \
			"On Debian or Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Poetry in a venv of its own, made only when a recipe needs it.
POETRY_INSTALL = test -x $(POETRY) || { $(PYTHON) -m venv $(POETRY_VENV) && \
	$(POETRY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	"poetry>=2.1,<3" "poetry-plugin-export>=1.9"; }

$(STAMP): poetry.lock pyproject.toml | $(PY)
	$(POETRY_INSTALL)
	$(POETRY) export --with dev --format requirements.txt --output $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(VENV)/requirements.txt
	rm -f $(VENV)/.installed-* && touch $@
	$(PY) scripts/compile_messages.py

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py runserver $(PORT)

system-deps:
	scripts/install-system-deps.sh

# newman for the Postman collection, axe-core and Lighthouse for the pages' audits, and the
# ALTCHA widget (package-lock.json pins them). All from the npm registry alone: none of them
# downloads a browser (Lighthouse drives Debian's Chromium, CHROME_PATH).
node-deps: node_modules/.installed

node_modules/.installed: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The ALTCHA widget the pages serve, copied from the npm package package-lock.json pins.
vendor: node-deps
	cp node_modules/altcha/dist_external/altcha.js node_modules/altcha/dist_external/worker.js \
		node_modules/altcha/dist_external/altcha.css node_modules/altcha/LICENSE.txt \
		referral/web/static/vendor/altcha/

# Production mode on this machine: nginx in front of gunicorn, the SMS worker, PostgreSQL, Redis.
serve: install system-deps
	$(PY) scripts/serve.py

# The whole suite, once, on PostgreSQL and Redis: the in-process tests on the checkout's
# embedded servers (config/embedded.py), the live ones on throwaway servers from the same
# wheels (harness/). This is what CI runs; nothing is skipped.
test: install system-deps node-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest --durations=25

# The inner loop: lint, types and every in-process test (no browser, no live servers).
test-fast: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -m "not live"

# Loads 1,000,000 users into the production stack and measures it; writes docs/benchmarks.md.
bench: install system-deps
	$(PY) bench/run.py

# The production stack under load with injected faults; writes docs/reliability.md.
soak: install system-deps
	$(PY) bench/soak.py

# SMS-pumping botnets against the production stack, with and without the defence; writes docs/abuse.md.
abuse-sim: install system-deps
	$(PY) bench/abuse_sim.py

# Lighthouse on the pages as production serves them (the test in `make test`, which writes
# its report to .run/); when every page meets its targets, the report becomes docs/lighthouse.md.
.PHONY: lighthouse
lighthouse: install system-deps node-deps
	$(PY) -m pytest tests/production/test_lighthouse.py
	cp .run/lighthouse.md docs/lighthouse.md

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

screenshots: install system-deps
	$(PY) scripts/screenshots.py

# Re-resolve poetry.lock after changing dependencies in pyproject.toml.
lock: | $(PY)
	$(POETRY_INSTALL)
	PATH="$(POETRY_VENV)/bin:$$PATH" $(POETRY_VENV)/bin/python scripts/lock.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache staticfiles node_modules
