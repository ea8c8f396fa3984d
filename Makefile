# compute-parity reports — set-up, reports and tests. Every target sets up what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup system reports test clean

## setup: Debian packages the product needs, then the pinned virtual environment
setup: system $(VENV)/.installed

# Debian packages: chromium prints the PDFs, poppler-utils lets the tests read them, python3-venv
# is what Debian's python3 needs for `python -m venv`. apt runs only when one is missing.
APT_PACKAGES := chromium poppler-utils
system:
	@missing="$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@# make `import analysis` work from any folder with this venv (notebooks, JupyterLab)
	echo "$(CURDIR)" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/compute-parity.pth"
	touch $@

## reports: the main output (until the notebooks land: the catalog and export-control tables)
reports: setup
	$(PY) -m analysis chips
	$(PY) -m analysis controls

## test: the whole test suite
test: setup
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache
