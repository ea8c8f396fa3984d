# compute-parity reports — set-up, reports and tests. Every target sets up what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup system reports test clean

## setup: Debian packages the product needs, then the pinned virtual environment
setup: system $(VENV)/.installed

# Debian's python3 needs python3-venv for `python -m venv`; installed only when missing.
system:
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
	  echo "installing python3-venv (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }

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
