"""Notebooks stay thin and consistent: each has a jupytext text twin in sync, its parameters
cell is the one generated from the report's declaration, and nothing in a
notebook restates a library constant (fast tier: no kernel)."""

import ast
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
    assert _cells(jupytext.read(path)) == _cells(jupytext.read(twin)), (
        f"{path.name} and {twin.name} differ: regenerate the one you did not edit with jupytext"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    notebook = jupytext.read(path)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in notebook.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_generated_from_the_declaration(path):
    """The one check of a notebook's parameters against its report's declaration: names, types,
    defaults, meanings and units all come from params.SPECS and the report's PARAMETERS."""
    from analysis.pipeline import twins

    cell = next(c for c in jupytext.read(path).cells if "parameters" in c.metadata.get("tags", []))
    expected = twins.expected_cell(path.stem)
    assert cell.source.strip() == expected.strip(), (
        f"{path.name}'s parameters cell drifted from analysis.assembly.{path.stem}.PARAMETERS: "
        "run `python -m analysis.pipeline.twins`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_imports_assembly_only(path):
    source = "\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "code")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"):
            assert node.module.startswith("analysis.assembly"), f"{path.name} imports {node.module}"
        if isinstance(node, ast.Import):
            assert not any(
                a.name.startswith("analysis") and not a.name.startswith("analysis.assembly") for a in node.names
            ), f"{path.name} imports the library outside assembly"
