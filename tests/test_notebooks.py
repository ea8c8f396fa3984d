"""Notebooks stay thin and consistent: each has a jupytext text twin in sync, its parameters
cell declares exactly the report module's parameters with the same defaults, and nothing in a
notebook restates a library constant (fast tier: no kernel)."""
import ast
import importlib
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted(Path(__file__).resolve().parents[1].joinpath("notebooks").glob("*.ipynb"))


def _cells(notebook):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in notebook.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_text_twin_is_in_sync(path):
    twin = path.with_suffix(".py")
    assert twin.exists(), f"{twin.name} missing: run `jupytext --to py:percent {path}`"
    assert _cells(jupytext.read(path)) == _cells(jupytext.read(twin)), \
        f"{path.name} and {twin.name} differ: regenerate the one you did not edit with jupytext"


def _declared(path):
    """name -> default literal of the notebook's parameters cell."""
    cell = next(c for c in jupytext.read(path).cells if "parameters" in c.metadata.get("tags", []))
    return {node.target.id: ast.literal_eval(node.value) for node in ast.parse(cell.source).body
            if isinstance(node, ast.AnnAssign)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_matches_the_report_module(path):
    module = importlib.import_module(f"analysis.assembly.{path.stem}")
    declared = _declared(path)
    specs = module.PARAMETERS
    assert list(declared) == list(specs), "the parameters cell and PARAMETERS name different parameters"
    for name, default in declared.items():
        assert default == specs[name].default, f"{name}: notebook default {default!r} != spec {specs[name].default!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_imports_assembly_only(path):
    source = "\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "code")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"):
            assert node.module.startswith("analysis.assembly"), f"{path.name} imports {node.module}"
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("analysis") and not a.name.startswith("analysis.assembly")
                           for a in node.names), f"{path.name} imports the library outside assembly"
