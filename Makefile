# compute-parity reports — set-up, reports and tests. Every target sets up what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup system reports test bench lab clean

## setup: Debian packages the product needs, then the pinned virtual environment
setup: system $(VENV)/.installed

# Debian packages: chromium prints the PDFs, poppler-utils lets the tests read them,
# fonts-noto-cjk prints Chinese text in figures (no empty boxes), fonts-wqy-microhei prints it in
# the PDFs' text (TrueType outlines: Chromium embeds Noto's CFF outlines as Type 3 glyphs, which copy
# out of order and space lines unevenly), python3-venv is what Debian's python3 needs for
# `python -m venv`. apt runs only when one is missing.
APT_PACKAGES := chromium poppler-utils fonts-noto-cjk fonts-wqy-microhei
system:
	@missing="$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@# the package itself, editable: `import analysis` works from any folder with this venv
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

## reports: render every scenario of reports/scenarios.yaml (HTML, PDF, JSON) and reports/index.html
reports: setup
	$(PY) -m analysis render --scenarios reports/scenarios.yaml --jobs 2

## test: the whole test suite, in two processes (tests/conftest.py says which tests run together)
test: setup
	$(PY) -m pytest -q -n 2

## bench: the scenario sweep and Monte Carlo, report regeneration against the naive pipeline, single renders cold vs warm
bench: setup
	$(PY) benchmarks/sweep.py
	$(PY) benchmarks/regenerate.py
	$(PY) benchmarks/single.py

## lab: JupyterLab at the repository root (notebooks/, data/, reports/) with this project's kernel, in its own venv so renders stay fast
LAB_VENV := .venv-lab
$(LAB_VENV)/.installed: requirements-lab.txt $(VENV)/.installed
	$(PYTHON) -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-lab.txt
	$(PY) -m ipykernel install --prefix $(LAB_VENV) --name python3 --display-name "compute-parity (.venv)"
	touch $@
lab: $(LAB_VENV)/.installed
	$(LAB_VENV)/bin/jupyter lab --allow-root --notebook-dir=.

clean:
	rm -rf $(VENV) $(LAB_VENV) .pytest_cache
