"""Shared fixtures: the real datasets, and writable copies of data/ to corrupt."""

import asyncio
import csv
import gc
import json
import os
import shutil
import sys
import threading
import warnings
from pathlib import Path

import pytest

from analysis import catalog
from analysis.catalog import DATA_DIR
from analysis.pipeline.scenarios import Scenario, render_batch

# No test leaves a warm render service behind: single renders here (in-process and in the
# command-line processes tests start, which inherit this) render in-process; tests/test_service.py
# turns it on for its own tests, each with a private socket folder, and stops what it starts.
os.environ["COMPUTE_PARITY_SERVICE"] = "off"


# ---------------------------------------------------------------- what a test opens, it closes
class _CountingLoops(asyncio.DefaultEventLoopPolicy):
    """asyncio's default policy, counting the event loops it makes (:func:`closes_what_it_opens`)."""

    def __init__(self):
        super().__init__()
        self.loops_made = 0

    def new_event_loop(self):
        self.loops_made += 1
        return super().new_event_loop()


def loops_made() -> int:
    """How many event loops this process has made so far (:class:`_CountingLoops`)."""
    return asyncio.get_event_loop_policy().loops_made


# once per process: this module may be imported twice (``conftest``, and ``tests.conftest`` by a
# test that imports it so), and a second policy would count where the first one's readers do not look
if not hasattr(asyncio.get_event_loop_policy(), "loops_made"):
    asyncio.set_event_loop_policy(_CountingLoops())


def unclosed() -> list[str]:
    """What collecting garbage now finds left open, as ``Category: message``: the ResourceWarnings
    it raises (an unclosed event loop or socket, a ZeroMQ context, a file, a subprocess still
    running), and any exception a finaliser raises meanwhile. Those are caught here, not left to
    pytest, which would report them in the next test: a leaked loop whose self-pipe sockets are
    finalised before it raises ValueError in its own ``close()`` (the order of finalisers in a
    collected cycle varies from run to run)."""
    raised = []
    hook, sys.unraisablehook = sys.unraisablehook, lambda u: raised.append(f"{u.exc_type.__name__}: {u.exc_value}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gc.collect()
    finally:
        sys.unraisablehook = hook
    left = [f"{w.category.__name__}: {w.message}" for w in caught if issubclass(w.category, ResourceWarning)]
    return left + [f"raised while finalised: {text}" for text in raised]


@pytest.fixture(autouse=True)
def closes_what_it_opens():
    """A test that made an event loop in this process (it ran a kernel: a render, the render
    service, a WarmKernel) fails if collecting garbage after it finds something left open
    (:func:`unclosed`): a leak is the failure of the test that made it, never a warning turned
    error in a later test (a batch's two unclosed loops, collected during a no-warning test of
    tests/test_inference_cost.py, printed 5 ResourceWarnings there). A full collection takes
    about 0.2 s, so only those tests pay it; the session's rendered reports check theirs."""
    made = loops_made()
    yield
    if loops_made() != made:
        left = unclosed()
        assert not left, f"this test left open: {left}"


@pytest.fixture(scope="session")
def chips():
    return catalog.load("chips")


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A fresh copy of data/ that a test may corrupt."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit_cell(path: Path, row_id: str, column: str, value: str) -> None:
    """Set one cell (row chosen by the first column's id) of a CSV in place."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    col = rows[0].index(column)
    for row in rows[1:]:
        if row[0] == row_id:
            row[col] = value
            break
    else:
        raise KeyError(row_id)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def line_of(path: Path, row_id: str) -> int:
    """1-based line number of the row whose first cell is ``row_id``."""
    with path.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if row and row[0] == row_id:
                return line
    raise KeyError(row_id)


# Two parameter sets per notebook: the defaults, and a non-default one.
CASES = [
    Scenario("training-default", "training_run"),
    Scenario(
        "training-overlap",
        "training_run",
        {
            "run": "llama-3.1-405b",
            "chip": "h800-sxm",
            "overlap": 0.0,
            "parallel_config": "llama-3.1-405b-pretraining",
        },
    ),
    Scenario(
        "training-custom",
        "training_run",
        {
            "run": "custom",
            "active_params": 70e9,
            "tokens": 2e12,
            "chip": "a100-sxm-80gb",
            "chip_count": 1024,
            "mfu": 0.4,
            "recompute": True,
            "region": "us-avg-industrial",
        },
    ),
    Scenario("parity-default", "chip_parity"),
    Scenario(
        "parity-decode",
        "chip_parity",
        {
            "reference_chip": "h100-sxm",
            "reference_count": 512,
            "candidates": ["h20", "h200"],
            "workload": "decode",
            "batch_size": 8,
            "model": "llama-2-70b",
            "seed": 3,
            "draws": 2000,
        },
    ),
    Scenario("energy-default", "energy_advantage"),
    Scenario(
        "energy-a100",
        "energy_advantage",
        {
            "reference_chip": "a100-sxm-80gb",
            "candidates": ["mi300x", "h20"],
            "regions": ["us-dc-ppa"],
            "region": "us-dc-ppa",
            "years": 6.0,
        },
    ),
    Scenario("controls-default", "export_controls"),
    Scenario(
        "controls-what-if",
        "export_controls",
        {"tpp_threshold": 2000.0, "io_threshold_gb_s": 600.0, "new_chip_tpp": 4000.0, "new_chip_die_area_mm2": 600.0},
    ),
    Scenario("procurement-default", "procurement"),
    Scenario(
        "procurement-fleet",
        "procurement",
        {
            "chips": ["h100-sxm", "h20"],
            "counts": [100000, 8000],
            "region": "us-avg-industrial",
            "export_rule": "2023-10",
            "grey_market_premium": 0.5,
        },
    ),
    Scenario("inference-default", "inference_cost"),
    Scenario(
        "inference-bf16",
        "inference_cost",
        {"model": "llama-3.1-405b", "chips": ["h100-sxm", "h20"], "batch_size": 8, "precision": "bf16"},
    ),
    Scenario("validation-default", "validation"),
    Scenario("stock-default", "compute_stock"),
    Scenario(
        "stock-levers",
        "compute_stock",
        {"h20_after_april_2025": "banned", "smuggling": "zero", "h200_exports": "cap", "draws": 2000},
    ),
]


@pytest.fixture(scope="session")
def validation_report():
    """The validation report with its defaults (``validation.run()``, some 10 CPU-seconds), made
    once for the tests of tests/test_validation.py and tests/test_sources.py."""
    from analysis.assembly import validation

    return validation.run()


def render_all(cases, out: Path, **batch) -> Path:
    """``cases`` rendered into ``out`` by one batch (``batch``: render_batch's jobs, formats), every one
    rendered and nothing left open, else the test fails; returns ``out``."""
    outcomes = render_batch(cases, out, log=sys.stdout, **batch)
    failed = [f"{o.scenario.name}: {o.message}" for o in outcomes if not o.ok]
    assert not failed, failed
    left = unclosed()
    assert not left, f"the batch left open: {left}"
    return out


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Every case of CASES rendered once (HTML, PDF, JSON) for the whole test session."""
    return render_all(CASES, tmp_path_factory.mktemp("reports"), jobs=2)


#: The cases rendered a second time, one after another in one kernel (``jobs=1``, HTML only), to
#: compare with :func:`rendered` (two workers, whose kernels render other reports in between):
#: same parameters and seed give the same numbers whatever the batch and its workers.
AGAIN = ("parity-default", "parity-decode", "procurement-default", "training-default")


@pytest.fixture(scope="session")
def rendered_again(tmp_path_factory):
    """The cases named in :data:`AGAIN` rendered again (jobs=1, HTML) for the whole test session."""
    again = [c for c in CASES if c.name in AGAIN]
    return render_all(again, tmp_path_factory.mktemp("reports-again"), jobs=1, formats=("html",))


def figures(rendered, case):
    """The key-figure JSON of a rendered case."""
    return json.loads((rendered / case.name / f"{case.notebook}.json").read_text())


# ---------------------------------------------------------------- running in parallel (make test)
# `make test` runs the tests in two pytest-xdist workers (`-n 2`). A worker takes a group of tests
# at a time and runs them one after another: a file's tests are one group (its module-scoped
# fixtures are made once), and the files of a SHARED group are one group together (the session
# fixture they share is made once). The SLOW_FIRST groups are handed out first.

#: Groups of files that share a session fixture: the rendered reports (`rendered`,
#: `rendered_again`) and the validation report (`validation_report`). A test of another file may
#: use them too: its worker then makes them a second time (a minute more for the rendered reports).
SHARED = {
    "rendered": (
        "test_classify.py",
        "test_compare.py",
        "test_hardening.py",
        "test_inference_cost.py",
        "test_reports.py",
        "test_reports_json_agree.py",
        "test_tables.py",
    ),
    "validation": ("test_sources.py", "test_validation.py"),
}
#: Groups handed out first, slowest first (seconds in the serial suite at a load of about 7 on 2
#: cores, 2026-12-06): the property batch of test_outputs_clean.py (270 s), the warm render
#: service (146 s), the pipeline's kernels and signals (126 s), the rendered reports (about 80 s).
#: One of them handed out last would keep a worker busy long after the other has finished.
SLOW_FIRST = ("test_outputs_clean.py", "test_service.py", "test_pipeline.py", "rendered")


def group_of(nodeid: str) -> str:
    """The group of a test (by its node id): the name of its file's :data:`SHARED` group, else its
    file's name."""
    file = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return next((group for group, files in SHARED.items() if file in files), file)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's scheduler by scope (whole groups to a worker), with :func:`group_of` as the scope
    and the groups handed out in the order of the collection (see pytest_collection_modifyitems)."""
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    config.option.loadscopereorder = False  # not the largest groups first: SLOW_FIRST first
    return Groups(config, log)


def pytest_collection_modifyitems(config, items):
    """In an xdist worker (whose collection order the scheduler follows): the :data:`SLOW_FIRST`
    groups first, the rest in file order. A serial run keeps the files' order."""
    if hasattr(config, "workerinput"):
        rank = {group: i for i, group in enumerate(SLOW_FIRST)}
        items.sort(key=lambda item: rank.get(group_of(item.nodeid), len(rank)))


# ---------------------------------------------------------------- tiny notebooks for pipeline tests
# The pipeline's own tests render these instead of the reports: a kernel and Chromium start, but a
# report takes a second and does not depend on the report notebooks.
TINY_MIME = "application/vnd.compute-parity.key-figures+json"
TINY_CELLS = {
    "tiny": ["from IPython.display import Markdown, display\ndisplay(Markdown('# Tiny report'))"],
    # every defect the layout check looks for (analysis/pipeline/layout.py), on purpose
    "broken": [
        "import pandas as pd\nfrom IPython.display import Markdown, display\nfrom analysis.assembly import present\n"
        "display(Markdown('# Broken report'))\n"
        "wide = pd.DataFrame({f'a rather long column label number {i}': ['123,456,789.0'] for i in range(14)},"
        " index=['r'])\n"
        "present.table(wide, {c: (c, '{}') for c in wide.columns}, caption='too wide', name='wide')\n"
        "display(Markdown('| ' + ' | '.join(f'c{i}' for i in range(40)) + ' |\\n|' + '---|' * 40 + '\\n| ' "
        "+ ' | '.join('40.0 %' for i in range(40)) + ' |'))\n"
        "display(Markdown('a band 66,664 – 66,664 – 66,664 and ( export_rule None)'))\n"
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(8, 2))\n"
        "ax.set_title('a title at 6 pt prints at 6 × 6.82 / 8.2 ≈ 5 pt', fontsize=6)\npresent.show(fig)"
    ],
    "sleepy": ["import time\ntime.sleep(seed or 30)"],
    "failing": [
        "import os, tempfile\nraise ValueError('cannot open ' + os.path.join(tempfile.gettempdir(), 'x') "
        "+ ' or ' + os.path.expanduser('~/y') + ' or ' + os.getcwd())"
    ],
    "hostile": [
        'from IPython.display import HTML, display\ndisplay(HTML(\'<p id="p">SAFE</p>'
        '<script>document.getElementById("p").textContent = "SCRIPT RAN"</script>'
        '<img src="x" onerror="document.getElementById(&quot;p&quot;).textContent = &quot;SCRIPT RAN&quot;">\'))'
    ],
}


@pytest.fixture()
def tiny_notebooks(tmp_path_factory, monkeypatch):
    """A folder of tiny notebooks (see TINY_CELLS; each takes ``seed`` and emits it as its key
    figure), made the pipeline's notebook folder for this test. Returns the folder."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from analysis.pipeline import notebooks

    folder = tmp_path_factory.mktemp("notebooks")
    emit = (
        f"from IPython.display import display\n"
        f"display({{{TINY_MIME!r}: {{'seed': seed}}, 'text/plain': 'key figures'}}, raw=True)"
    )
    for name, cells in TINY_CELLS.items():
        book = new_notebook(
            cells=[
                new_code_cell("seed = 0  # random seed", metadata={"tags": ["parameters"]}),
                *(new_code_cell(c) for c in cells),
                new_code_cell(emit),
            ]
        )
        book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(book, str(folder / f"{name}.ipynb"))
    monkeypatch.setattr(notebooks, "NOTEBOOK_DIR", folder)
    return folder


def tiny_cli(notebook_dir, *args):
    """The CLI in a child process (its own session, like a terminal's job) rendering the tiny
    notebooks of ``notebook_dir``."""
    import subprocess

    code = (
        "import sys; from pathlib import Path; import analysis.pipeline.notebooks as r; "
        "r.NOTEBOOK_DIR = Path(sys.argv[1]); from analysis.pipeline.cli import main; "
        "sys.exit(main(sys.argv[2:]))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(notebook_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def within(seconds: float, work):
    """``work()``'s result, run in a thread that must end within ``seconds`` (a hung call fails
    the test instead of holding it)."""
    done = {}

    def run():
        try:
            done["result"] = work()
        except BaseException as err:  # noqa: BLE001 - raised again in the test's thread
            done["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds:g} s"
    if "error" in done:
        raise done["error"]
    return done.get("result")
