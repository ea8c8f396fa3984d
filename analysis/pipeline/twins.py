"""The notebooks and their jupytext twins: each notebook's parameters cell is generated from its
report's declaration (:func:`analysis.assembly.params.parameters_cell`), written into the text
twin ``notebooks/NAME.py``, and the ``.ipynb`` is regenerated from the twin (outputs stay empty).

``python -m analysis.pipeline.twins`` does this for every notebook; run it after changing a
report's ``PARAMETERS`` or a specification in ``params.SPECS`` (a test fails until you do).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..assembly import params
from .notebooks import NOTEBOOK_DIR, notebook_names

#: The parameters cell of a percent-format twin: its marker line up to the next cell marker.
CELL = re.compile(r'(# %% tags=\["parameters"\]\n)(.*?)(\n+# %%)', re.S)


def expected_cell(name: str) -> str:
    """The parameters cell notebook ``name`` should have."""
    return params.parameters_cell(params.report_parameters(name) or {})


def sync(name: str) -> bool:
    """Rewrite notebook ``name``'s parameters cell from the declaration, in the twin and the
    ``.ipynb``; True if anything changed."""
    import jupytext

    twin = NOTEBOOK_DIR / f"{name}.py"
    text = twin.read_text(encoding="utf-8")
    new = CELL.sub(lambda m: m.group(1) + expected_cell(name) + "\n\n# %%", text, count=1)
    if new == text and _ipynb_in_sync(twin):
        return False
    twin.write_text(new, encoding="utf-8")
    notebook = jupytext.read(twin)
    ipynb = twin.with_suffix(".ipynb")
    old = jupytext.read(ipynb).cells if ipynb.exists() else []
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if i < len(old) and old[i].cell_type == cell.cell_type and "id" in old[i]:
            cell["id"] = old[i]["id"]  # keep cell ids: a regenerated notebook differs only where its cells do
    jupytext.write(notebook, ipynb)
    return True


def _ipynb_in_sync(twin: Path) -> bool:
    """Whether the ``.ipynb`` has the same cells as its twin."""
    import jupytext

    def cells(nb):
        return [(c.cell_type, c.source.strip()) for c in nb.cells]

    ipynb = twin.with_suffix(".ipynb")
    return ipynb.exists() and cells(jupytext.read(ipynb)) == cells(jupytext.read(twin))


def main() -> int:
    """Sync every notebook; print the ones that changed."""
    for name in notebook_names():
        if sync(name):
            print(f"updated notebooks/{name}.py and notebooks/{name}.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
