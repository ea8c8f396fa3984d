"""Every public formula cites its source (issue 18): the docstring of each public function defined
in ``analysis/formulas/*.py`` ends with one line ``Source: key1; key2.`` whose keys are each a key
of ``data/SOURCES.md`` or ``definition`` (arithmetic that needs no source, e.g. energy = power ×
hours). ``package-assumption`` is a SOURCES key: a stated modelling assumption of this package."""

import importlib
import inspect
import pkgutil
import re

import pytest

import analysis.formulas
from analysis.catalog import sources

MODULES = sorted(m.name for m in pkgutil.iter_modules(analysis.formulas.__path__) if not m.name.startswith("_"))
SOURCE_LINE = re.compile(r"Source: (?P<keys>[^;.\s]+(?:; [^;.\s]+)*)\.")
DEFINITION = "definition"


@pytest.fixture(scope="module")
def known_keys() -> set[str]:
    return set(sources().index) | {DEFINITION}


def public_functions(module) -> dict:
    """Functions defined in ``module`` itself (not imported into it) whose names do not start with ``_``."""
    return {
        name: obj
        for name, obj in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and obj.__module__ == module.__name__
    }


def source_problem(function, known: set[str]) -> str | None:
    """Why ``function``'s docstring does not cite its sources properly, or None if it does."""
    doc = inspect.getdoc(function)
    if not doc:
        return "no docstring"
    lines = doc.rstrip().splitlines()
    if sum(line.startswith("Source:") for line in lines) != 1:
        return "needs exactly one line starting with 'Source:'"
    match = SOURCE_LINE.fullmatch(lines[-1])
    if match is None:
        return f"last line {lines[-1]!r} is not of the form 'Source: key1; key2.'"
    keys = match["keys"].split("; ")
    unknown = [key for key in keys if key not in known]
    if unknown:
        return f"unknown key(s) {', '.join(unknown)} (neither 'definition' nor a key of data/SOURCES.md)"
    if len(set(keys)) != len(keys):
        return "a key is repeated"
    return None


@pytest.mark.parametrize("name", MODULES)
def test_every_public_formula_cites_its_source(name, known_keys):
    module = importlib.import_module(f"analysis.formulas.{name}")
    functions = public_functions(module)
    assert functions, f"analysis/formulas/{name}.py defines no public function"
    problems = {fn: why for fn, f in functions.items() if (why := source_problem(f, known_keys))}
    assert not problems, "\n".join(f"{name}.{fn}: {why}" for fn, why in sorted(problems.items()))


def test_the_checker_rejects_bad_citations(known_keys):
    def cited(doc):
        def f():
            pass

        f.__doc__ = doc
        return source_problem(f, known_keys)

    assert cited("Energy [kWh].\n\nSource: definition.") is None
    assert cited("TPP.\n\nSource: fr-2023-23055; cset-2023-ac-explainer.") is None
    assert cited("Energy [kWh].") is not None
    assert cited("Energy [kWh].\n\nSource: no-such-key.") is not None
    assert cited("Energy [kWh].\n\nSource: definition") is not None  # no full stop
    assert cited("Energy [kWh].\n\nSource: kaplan-2020, hoffmann-2022.") is not None  # wrong separator
    assert cited("Source: kaplan-2020.\n\nEnergy [kWh].") is not None  # not at the end
    assert cited("Energy.\n\nSource: kaplan-2020; kaplan-2020.") is not None
