"""The render pipeline under an adversary (issue 12): scenario files and entries, output folders,
report sets swapped whole, locks instead of PIDs, path-free failures, Chromium faults, dead kernels.
Fast tests replace kernels and browsers with stand-ins; `render` tests use the tiny notebooks."""

import base64
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import tiny_cli

from analysis.catalog import PROJECT_DIR
from analysis.pipeline import errors, fingerprint, kernel, notebooks, pdf, render, scenarios
from analysis.pipeline.cli import main
from analysis.pipeline.pdf import Browser, PdfError
from analysis.pipeline.scenarios import Outcome, Scenario, ScenarioError, load_scenarios, write_index
from analysis.pipeline.workspace import Workspace, remove_stale, swap_in

PRIVATE = [str(PROJECT_DIR), os.path.expanduser("~") + "/", "/tmp/", sys.prefix]


def write(tmp_path, text, name="scenarios.yaml"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


class FakeRun:
    """Stand-ins for kernels, browsers and the render itself: records what started."""

    def __init__(self, monkeypatch):
        self.kernels, self.browsers, self.rendered = 0, 0, []
        run = self

        class Kernel:
            def __init__(self, *args, **kwargs):
                run.kernels += 1

            def close(self):
                pass

        class FakeBrowser(Kernel):
            def __init__(self, parent):
                run.browsers += 1

        def fake_prepare(notebook, parameters, out_dir, formats, **kwargs):
            out_dir = render.check_out_dir(out_dir, notebooks.notebook_names())

            def finish():
                try:  # as render() does: a write error is a RenderError
                    out_dir.mkdir(parents=True, exist_ok=True)
                    for suffix in ("ipynb", "json", *formats):
                        (out_dir / f"{notebook}.{suffix}").write_text("{}")
                except OSError as err:
                    raise errors.RenderError(f"cannot write the report into {out_dir}: {err.strerror}") from None
                run.rendered.append(out_dir.name)

            return finish

        monkeypatch.setattr(scenarios, "WarmKernel", Kernel)
        monkeypatch.setattr(scenarios, "Browser", FakeBrowser)
        monkeypatch.setattr(pdf, "Browser", FakeBrowser)  # a command's shared one (pdf.Printer)
        monkeypatch.setattr(scenarios, "prepare", fake_prepare)


@pytest.fixture()
def fake(monkeypatch):
    return FakeRun(monkeypatch)


def one_error_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert len(err) == 1, err
    return err[0]


# ---------------------------------------------------------------- scenario files (items 1, 7)

LAUGHS = (
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8))
    + "scenarios: [*i]\n"
)

BAD_FILES = [
    (LAUGHS, "values once aliases are expanded"),  # billion laughs, 1 KB
    ("scenarios:\n  - " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 20 levels"),
    (b"scenarios:\n  - name: caf\xe9\n", "line 2 is not UTF-8 text"),
    (b"\x00\x01\x02\x03binary\xff", "is not UTF-8 text"),
    (b"scenarios: \x00\x01\n", "is not valid YAML"),
    ("scenarios: &s\n  - *s\n", "refers to itself"),
    ("scenarios:\n  - name: a\n    notebook: tiny\n    parameters: {seed: " + "9" * 5000 + "}\n", "4300"),
    ("# " + "x" * (1 << 20) + "\n", "larger than 1024 KiB"),
]


@pytest.mark.parametrize(
    "text, words", BAD_FILES, ids=["laughs", "deep", "latin1", "binary", "nul", "recursive", "5000-digits", "too-big"]
)
def test_bad_scenario_files_are_refused_in_one_line(tmp_path, capsys, fake, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError, match=words):
        load_scenarios(path)
    assert main(["render", "--scenarios", str(path), "--out", str(tmp_path / "out")]) == 2
    assert words in one_error_line(capsys)
    assert (fake.kernels, fake.browsers) == (0, 0) and not (tmp_path / "out").exists()


def test_a_bad_scenario_is_a_failed_row_and_the_others_render(tiny_notebooks, tmp_path, capsys, fake):
    path = write(
        tmp_path,
        """scenarios:
  - {name: int-key, notebook: tiny, parameters: {1: 2}}
  - {name: null-key, notebook: tiny, parameters: {null: 2}}
  - {name: huge, notebook: tiny, parameters: {seed: %s}}
  - {name: Bad Name, notebook: tiny}
  - {name: nb, notebook: "<b>tinyy</b>"}
  - {name: good, notebook: tiny, title: "<script>x</script>"}
  - {name: good, notebook: tiny}
  - just text
  - {name: typo, notebook: tiny, parameters: {sed: 1}}
"""
        % ("9" * 400),
    )
    code = main(["render", "--scenarios", str(path), "--to", "html,pdf", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "8 of 9 scenarios failed" in err and "Traceback" not in err
    for words in (
        "parameter name 1 is not text",
        "parameter name None is not text",
        "OverflowError",
        "must be a lowercase slug",
        "unknown notebook '<b>tinyy</b>'; closest: tiny",
        "duplicate scenario name 'good'",
        "is not a mapping",
        "unknown parameter 'sed'",
    ):
        assert words in err, words
    assert fake.rendered == ["good"] and (fake.kernels, fake.browsers) == (1, 1)
    index = (tmp_path / "out" / "index.html").read_text()
    assert index.count('class="failed"') == 8 and "good/tiny.pdf" in index
    assert "<script>x" not in index and "<b>tinyy" not in index and "&lt;b&gt;tinyy" in index


def test_a_batch_whose_scenarios_all_fail_writes_its_index_and_starts_nothing(tiny_notebooks, tmp_path, capsys, fake):
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny, parameters: {seed: -1}}\n")
    assert main(["render", "--scenarios", str(path), "--out", str(tmp_path / "new" / "out")]) == 1
    assert "1 of 1 scenarios failed: a" in one_error_line(capsys)
    assert "parameter seed: -1 is out of range" in (tmp_path / "new" / "out" / "index.html").read_text()
    assert (fake.kernels, fake.browsers) == (0, 0)
    assert sorted(p.name for p in (tmp_path / "new" / "out").iterdir()) == ["index.html", "index.json"]


def test_a_batchs_comparisons_print_with_the_batchs_chromium(tiny_notebooks, tmp_path, capsys, fake, monkeypatch):
    """The comparisons of a batch started a second Chromium after the reports' one had closed
    (about 1.5 CPU-s and a second of waiting at the end of every batch, issue 24): now one
    browser, started for the reports, prints the comparisons too, and a batch with nothing to
    print starts none."""
    from analysis.pipeline import pairs

    lent = []

    def compare_batch(found, outcomes, out, formats, log=None, printer=None, done=None):
        lent.append(printer.browser())  # what the comparisons would print with
        return []

    monkeypatch.setattr(pairs, "compare_batch", compare_batch)
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n  - {name: b, notebook: tiny}\n")
    assert main(["render", "--scenarios", str(path), "--to", "html,pdf", "--out", str(tmp_path / "out")]) == 0
    assert sorted(fake.rendered) == ["a", "b"] and (fake.kernels, fake.browsers) == (2, 1) and len(lent) == 1
    with pdf.Printer() as printer:  # started on first use only, then the same one
        assert fake.browsers == 1 and printer.browser() is printer.browser() and fake.browsers == 2
        folder = printer._work.path
    assert not folder.exists()


def test_jobs_are_capped_at_scenarios_and_cpus(tiny_notebooks, tmp_path, capsys, fake):
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n")
    assert main(["render", "--scenarios", str(path), "--jobs", "15", "--out", str(tmp_path / "out")]) == 0
    assert (fake.kernels, fake.browsers) == (1, 1)
    assert scenarios.workers_for(15, 40) == len(os.sched_getaffinity(0))


# ---------------------------------------------------------------- output folders (items 2, 8)


@pytest.mark.parametrize("folder", ["notebooks", "analysis", "data", "tests", "notebooks/sub", "data/x/y", "."])
def test_out_inside_a_source_folder_is_refused(tiny_notebooks, tmp_path, capsys, fake, folder):
    target = PROJECT_DIR / folder
    existed = target.exists()
    before = sorted(p.name for p in target.iterdir()) if existed else None
    assert main(["render", "tiny", "--out", str(target)]) == 2
    assert "may not be written into the repository" in one_error_line(capsys)
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n")
    assert main(["render", "--scenarios", str(path), "--out", str(target)]) == 2
    assert "may not be written into the repository" in one_error_line(capsys)
    assert (sorted(p.name for p in target.iterdir()) if target.exists() else None) == before
    assert fake.kernels == 0


def test_out_holding_other_files_is_refused(tiny_notebooks, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["render", "tiny", "--out", str(tmp_path)]) == 2
    assert "holds files that are not part of a tiny report (notes.txt" in one_error_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_file_as_batch_out_is_one_clear_line(tmp_path, capsys, fake):
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n")
    blocker = write(tmp_path, "not a folder", "file")
    for out in (blocker, blocker / "reports"):
        assert main(["render", "--scenarios", str(path), "--out", str(out)]) == 2
        assert str(blocker) in one_error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "scenarios.yaml"]


@pytest.fixture()
def small_mount(tmp_path):
    """A 1 MiB tmpfs (needs root and mount rights; skipped elsewhere)."""
    point = tmp_path / "mnt"
    point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=True)


def test_read_only_and_full_batch_out_give_one_line_and_leave_no_temporary_file(
    tiny_notebooks, tmp_path, capsys, fake, small_mount
):
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n")
    (small_mount / "spare").mkdir()  # in a folder: a batch refuses an --out holding stray files
    with open(small_mount / "spare" / "filler", "wb") as f:  # fill the disk
        try:
            f.write(b"x" * (2 << 20))
        except OSError:
            pass
    assert main(["render", "--scenarios", str(path), "--out", str(small_mount)]) == 1
    assert "No space left on device" in one_error_line(capsys)
    assert {p.name for p in small_mount.iterdir()} <= {"spare", "a"}
    (small_mount / "spare" / "filler").unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(small_mount)], check=True)
    assert main(["render", "--scenarios", str(path), "--out", str(small_mount / "reports")]) == 2
    assert "Read-only file system" in one_error_line(capsys)


# ---------------------------------------------------------------- report sets and locks (items 3, 10)


def test_swap_in_replaces_a_folder_whole(tmp_path):
    old, new = tmp_path / "report", tmp_path / "new"
    for folder, names in ((old, ("r.html", "r.pdf", "r.json")), (new, ("r.html", "r.json"))):
        folder.mkdir()
        for name in names:
            (folder / name).write_text(folder.name)
    swap_in(new, old)
    assert {p.name: p.read_text() for p in old.iterdir()} == {"r.html": "new", "r.json": "new"}
    assert {p.name for p in new.iterdir()} == {"r.html", "r.pdf", "r.json"}  # the old set, to remove


def hold_workspace(parent: Path, prefix: str):
    """A child process (as if in another container) that creates and holds a workspace."""
    code = (
        "import sys, time; from analysis.pipeline.workspace import Workspace; "
        "w = Workspace(sys.argv[1], sys.argv[2]); print(w.path, flush=True); time.sleep(600)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(parent), prefix], stdout=subprocess.PIPE, text=True)
    return proc, Path(proc.stdout.readline().strip())


def test_clean_up_keeps_a_folder_whose_render_holds_its_lock(tmp_path):
    proc, live = hold_workspace(tmp_path, ".r.")
    try:
        assert remove_stale(tmp_path, ".r.") == [] and live.is_dir()
        with Workspace(tmp_path, ".r.") as mine:  # another render of the same report starts
            assert live.is_dir() and mine.path.is_dir()
    finally:
        proc.kill()
        proc.wait()
    assert remove_stale(tmp_path, ".r.") == [live] and not live.exists()


def test_clean_up_finishes_cut_short_deletions_and_abandoned_staging_folders(tmp_path):
    dead = tmp_path / ".r.dead-abc"  # a stale folder whose deletion was cut short
    (dead / "chromium-x").mkdir(parents=True)
    old_staging, fresh_staging = tmp_path / ".r.new-old", tmp_path / ".r.new-fresh"
    old_staging.mkdir()
    fresh_staging.mkdir()  # another render may be between creating and locking it
    hour_ago = time.time() - 3600
    os.utime(old_staging, (hour_ago, hour_ago))
    remove_stale(tmp_path, ".r.")
    assert not dead.exists() and not old_staging.exists() and fresh_staging.is_dir()


# ---------------------------------------------------------------- no paths or tracebacks (item 5)


def test_index_messages_hold_no_local_paths(tmp_path):
    message = (
        f"cannot write the report into {PROJECT_DIR}/reports/x: boom; see {os.path.expanduser('~')}/log "
        f"and /tmp/ipykernel_1/2.py and {sys.prefix}/lib"
    )
    page = write_index([Outcome(Scenario("x", "tiny"), False, message, 0.0)], tmp_path).read_text()
    assert not [p for p in PRIVATE if p in page], page
    assert "boom" in page and sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "index.json"]
    assert not [p for p in PRIVATE if p in (tmp_path / "index.json").read_text()]


# ---------------------------------------------------------------- render tier: tiny notebooks


def files(folder: Path) -> dict:
    """The report files of ``folder`` (its fingerprint sidecar aside: tests/test_incremental.py)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != fingerprint.SIDECAR}


@pytest.mark.render
def test_re_rendering_fewer_formats_removes_the_others_and_the_index_links_the_current_set(
    tiny_notebooks, tmp_path, capsys
):
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n")
    out = tmp_path / "out"
    assert main(["render", "--scenarios", str(path), "--to", "html,pdf", "--out", str(out)]) == 0
    assert set(files(out / "a")) == {"tiny.ipynb", "tiny.json", "tiny.key_figures.csv", "tiny.html", "tiny.pdf"}
    assert main(["render", "--scenarios", str(path), "--to", "html", "--out", str(out)]) == 0
    assert set(files(out / "a")) == {"tiny.ipynb", "tiny.json", "tiny.key_figures.csv", "tiny.html"}
    index = (out / "index.html").read_text()
    assert "a/tiny.html" in index and "a/tiny.pdf" not in index
    assert sorted(p.name for p in out.iterdir()) == ["a", "index.html", "index.json"]  # no temporary folder left


@pytest.mark.render
def test_a_failed_notebook_keeps_no_traceback_or_local_path(tiny_notebooks, tmp_path, capsys):
    out = tmp_path / "failing"
    assert main(["render", "failing", "--to", "html", "--out", str(out)]) == 1
    err = one_error_line(capsys)
    assert "ValueError: cannot open" in err
    failed = (out / "failing.failed.ipynb").read_text()
    assert "ValueError" in failed and "cannot open" in failed
    assert not [p for p in PRIVATE + [str(tiny_notebooks)] if p in failed]
    assert not [o for c in json.loads(failed)["cells"] for o in c.get("outputs", []) if o.get("traceback")]


@pytest.mark.render
def test_the_executed_notebook_is_written_once_and_a_failed_one_with_papermill_s_error_cells(
    tiny_notebooks, tmp_path, monkeypatch
):
    import nbformat

    written, writes = [], nbformat.writes  # cells with outputs of each notebook serialized
    monkeypatch.setattr(
        nbformat,
        "writes",
        lambda nb, *a, **k: written.append(sum(bool(c.get("outputs")) for c in nb.cells)) or writes(nb, *a, **k),
    )
    warm = kernel.WarmKernel(tmp_path)
    try:
        kernel.execute("tiny", {"seed": 3}, tmp_path / "tiny.ipynb", warm)
        # once, by execute with tidy provenance (papermill wrote it as well, then execute again)
        assert [n for n in written if n] == [2]
        with pytest.raises(errors.RenderError, match="cannot open"):
            kernel.execute("failing", {}, tmp_path / "failing.ipynb", warm)
        failed = nbformat.read(tmp_path / "failing.ipynb", as_version=4)
        assert "papermill-error-cell-tag" in failed.cells[0].metadata.tags  # papermill's note of the failed cell
    finally:
        warm.close()


class DyingKernel(kernel.WarmKernel):
    """A kernel SIGKILLed one second into the notebook."""

    def ready(self):
        manager = super().ready()
        threading.Timer(1, os.kill, (manager.provisioner.pid, signal.SIGKILL)).start()
        return manager


@pytest.mark.render
def test_a_killed_kernel_is_reported_as_such_within_seconds(tiny_notebooks, tmp_path):
    result = {}

    def run():
        kernel = DyingKernel()
        try:
            render.render("sleepy", {"seed": 60}, out_dir=tmp_path / "r", formats=("html",), kernel=kernel)
        except errors.RenderError as err:
            result["error"] = str(err)
        finally:
            kernel.close()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=180)  # liveness, not speed (a loaded 2-core machine starts a kernel slowly)
    assert not worker.is_alive(), "the render did not fail within 180 s of its kernel's death"
    assert result.get("error", "").startswith("sleepy: the notebook's kernel died while running the notebook")
    assert [p.name for p in tmp_path.iterdir() if p.name != "r"] == []  # no temporary folder left
    assert set(os.listdir(tmp_path / "r") if (tmp_path / "r").exists() else []) <= {"sleepy.failed.ipynb"}


@pytest.mark.render
def test_ctrl_c_lets_the_reports_in_progress_finish(tiny_notebooks, tmp_path):
    path = write(
        tmp_path,
        # each report sleeps 10 s, so on a busy machine the two workers' first reports still run
        # at the same time when the test sees them (with 3 s one could finish before the other began)
        "scenarios:\n" + "".join(f"  - {{name: s{i}, notebook: sleepy, parameters: {{seed: 10}}}}\n" for i in range(4)),
    )
    out = tmp_path / "out"
    proc = tiny_cli(tiny_notebooks, "render", "--scenarios", str(path), "--jobs", "2", "--out", str(out))
    end = time.time() + 120
    # a report's work folder lives from its start to its swap; its notebook file only appears when
    # the notebook has run (papermill writes it at the end), a window too short to count on
    while time.time() < end and len(list(tmp_path.glob("out/.s*.live-*"))) < 2:
        time.sleep(0.1)
    assert time.time() < end, "two reports were never in progress at once"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 130 and "interrupted" in err, err
    assert "FAILED" not in err, err
    done = sorted(p.name for p in out.glob("s*"))
    assert len(done) >= 2, err  # the two in progress finished, PDF included
    for name in done:
        assert set(files(out / name)) == {
            "sleepy.ipynb",
            "sleepy.json",
            "sleepy.key_figures.csv",
            "sleepy.html",
            "sleepy.pdf",
        }


@pytest.mark.render
def test_a_killed_render_leaves_the_last_report_and_its_folder_is_cleaned_next_time(tiny_notebooks, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    for suffix in ("ipynb", "html", "pdf", "json"):
        (out / f"sleepy.{suffix}").write_text(f"good {suffix}")
    before = files(out)
    proc = tiny_cli(tiny_notebooks, "render", "sleepy", "-p", "seed", "60", "--out", str(out))
    try:  # a deadline, not a fixed sleep: on a loaded machine the kernel may take long to start
        wait_for(lambda: sleeping_kernel(proc.pid), 120, "the notebook's cell runs")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    assert files(out) == before
    assert list(tmp_path.glob(".r.live-*"))
    assert main(["render", "sleepy", "-p", "seed", "1", "--to", "html", "--out", str(out)]) == 0
    assert not list(tmp_path.glob(".r.live-*"))
    assert set(files(out)) == {"sleepy.ipynb", "sleepy.json", "sleepy.key_figures.csv", "sleepy.html"}


# ---------------------------------------------------------------- render tier: Chromium (items 6, 9)


@pytest.fixture()
def page(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<!DOCTYPE html><html><body><h1>Hello PDF</h1></body></html>")
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.render
def test_a_dead_browser_is_restarted_for_the_next_report(tmp_path, page):
    browser = Browser(tmp_path)
    try:
        assert os.getpgid(browser.pid) == browser.pid != os.getpgrp()  # its own process group
        assert Path(browser.profile).parent == tmp_path
        os.killpg(browser.pid, signal.SIGKILL)
        time.sleep(0.5)
        browser.print_pdf(page, tmp_path / "a.pdf")
        assert "Hello PDF" in pdf_text(tmp_path / "a.pdf")
    finally:
        browser.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("chromium-")] == []


@pytest.mark.render
def test_a_hung_browser_fails_one_page_by_its_deadline_and_is_restarted(tmp_path, page):
    browser = Browser(tmp_path, deadline=5)
    try:
        os.killpg(browser.pid, signal.SIGSTOP)
        with pytest.raises(PdfError, match="did not answer within 5 s"):
            browser.print_pdf(page, tmp_path / "a.pdf")
        browser.deadline = 120  # a busy machine may start the new browser slowly
        browser.print_pdf(page, tmp_path / "b.pdf")
        assert "Hello PDF" in pdf_text(tmp_path / "b.pdf")
    finally:
        browser.close()


@pytest.mark.render
def test_the_printing_tab_loads_pages_with_the_print_stylesheet(tmp_path):
    """Pages load in print media, not laid out for the screen first and restyled for print (a
    seventh of Chromium's CPU in a batch, the same PDF bytes); every PDF the kept tab prints shows
    the print rules, none the screen's."""
    page = tmp_path / "media.html"
    page.write_text(
        "<!DOCTYPE html><html><head><style>"
        "@media screen { #p { display: none } #s { height: 10px } }"
        "@media print { #s { display: none } #p { height: 3000px } }"
        "</style></head><body><div id='s'>SCREEN ONLY</div><div id='p'>PRINT ONLY</div></body></html>"
    )
    browser = Browser(tmp_path)
    try:
        for name in ("a.pdf", "b.pdf"):  # the second through the kept tab
            browser.print_pdf(page, tmp_path / name)
            text = pdf_text(tmp_path / name)
            assert "PRINT ONLY" in text and "SCREEN ONLY" not in text
        session = browser._tab(time.monotonic() + 60)
        browser._load(page, session, time.monotonic() + 60)
        size = browser._call("Page.getLayoutMetrics", session=session)["cssContentSize"]
        assert size["height"] >= 3000  # laid out by the print rules as it loaded (for the screen: 493 px)
    finally:
        browser.close()


def pdf_without_dates(path: Path) -> bytes:
    return re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)", b"", path.read_bytes())


@pytest.mark.render
def test_the_printing_tab_writes_every_page_into_its_one_document_and_prints_what_a_navigation_did(tmp_path):
    """Pages are written into the printing tab's one document (``Page.setDocumentContent``), not
    navigated to: a navigation per print cost a new document in a new frame, a file
    load and a frame for the screen, ≈ 2 of the ≈ 13 CPU-s of a batch's prints. The PDF is the
    one a navigation to the file printed: the same bytes (dates aside), outline, table and the
    inline image the load event waited for."""
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (300, 120), (200, 30, 30)).save(png, format="PNG")
    image = base64.b64encode(png.getvalue()).decode()
    page = tmp_path / "report.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>T</title></head><body>"
        "<h1>First</h1><table><tr><th>chip</th><th>TFLOPS</th></tr><tr><td>H20</td><td>148</td></tr></table>"
        f"<img src='data:image/png;base64,{image}'><h2>Second</h2><p>Text 中文</p></body></html>",
        encoding="utf-8",
    )
    footer = "<div style='font-size: 8px'>page <span class='pageNumber'></span></div>"
    written, navigated = Browser(tmp_path), Browser(tmp_path)
    navigated._load = lambda html, session, deadline: navigated._navigate(html, session, deadline=deadline)
    try:
        for name in ("a", "b"):  # the second into the kept document
            written.print_pdf(page, tmp_path / f"{name}.pdf", footer)
            navigated.print_pdf(page, tmp_path / f"{name}-navigated.pdf", footer)
            assert pdf_without_dates(tmp_path / f"{name}.pdf") == pdf_without_dates(tmp_path / f"{name}-navigated.pdf")
        assert b"/Subtype /Image" in (tmp_path / "b.pdf").read_bytes()
        frame = written._call("Page.getFrameTree", session=written._session)["frameTree"]["frame"]
        assert (frame["id"], frame["url"]) == (written._frame, "about:blank")  # no navigation: one document
    finally:
        written.close()
        navigated.close()


@pytest.mark.render
def test_chromium_runs_with_its_performance_class_given_so_it_launches_no_on_device_model(tmp_path):
    """A browser living three minutes (the render service's) launched an OnDeviceModelService
    process to estimate the device's performance class; given on the command line, the class is
    known and nothing is launched (checked with ps past 400 s, pdf.CHROMIUM_FLAGS). The switch
    must reach the Chromium binary itself through Debian's wrapper script, which adds and
    rewrites flags: read from the running browser's /proc entry once it has printed a page."""
    page = tmp_path / "p.html"
    page.write_text("<!DOCTYPE html><html><body><p>x</p></body></html>", encoding="utf-8")
    browser = Browser(tmp_path)
    try:
        browser.print_pdf(page, tmp_path / "p.pdf")
        args = Path(f"/proc/{browser.pid}/cmdline").read_bytes().split(b"\0")
    finally:
        browser.close()
    assert args[0].endswith(b"/chromium") and b"--remote-debugging-pipe" in args  # the binary, after the wrapper
    assert b"--optimization-guide-performance-class=2" in args


@pytest.mark.render
def test_markup_in_data_text_runs_no_script(tiny_notebooks, tmp_path):
    out = tmp_path / "hostile"
    written = render.render("hostile", {}, out_dir=out, formats=("html", "pdf"))
    page = written["html"].read_text()
    assert "Content-Security-Policy" in page and "script-src" not in page  # default-src 'none' covers scripts
    text = pdf_text(written["pdf"])
    assert "SAFE" in text and "SCRIPT RAN" not in text


def test_declared_parameters_are_read_again_when_the_notebook_changes(tiny_notebooks):
    """The parameters cell is read once per version of the file (a render asks three times); an
    edited notebook's new default is seen, and a caller changing the answer changes no later one."""
    import nbformat

    name = sorted(p.stem for p in tiny_notebooks.glob("*.ipynb"))[0]
    path = tiny_notebooks / f"{name}.ipynb"
    first = notebooks.declared_parameters(name)
    assert first["seed"]["default"] == "0"
    first["seed"]["default"] = "changed by a caller"
    assert notebooks.declared_parameters(name)["seed"]["default"] == "0"
    book = nbformat.read(str(path), as_version=4)
    book.cells[0].source = "seed = 7  # random seed"
    nbformat.write(book, str(path))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert notebooks.declared_parameters(name)["seed"]["default"] == "7"


@pytest.mark.render
def test_a_report_kernel_keeps_no_input_history_and_starts_clean_for_each_report():
    """A warm kernel's history writer is off (it cost a tenth of a batch's kernel time), and a
    name a report defined is gone when the next report starts."""
    from jupyter_core.utils import run_sync

    warm = kernel.WarmKernel()
    try:
        warm.ready()
        seen = []

        def run(code):
            run_sync(warm.client.execute_interactive)(
                code,
                timeout=60,
                output_hook=lambda m: seen.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None,
            )

        run("left_over = 1; print(get_ipython().history_manager.enabled)")
        warm.ready()
        run("print('left_over' in globals())")
        assert [s.strip() for s in seen] == ["False", "False"]
    finally:
        warm.close()


@pytest.mark.render
def test_a_batch_never_changes_the_process_directory(tiny_notebooks, tmp_path, monkeypatch):
    """papermill's ``cwd`` chdirs the whole process; two batch workers (threads) restored each
    other's directory, so the index recorded the wrong scenario file (issue 22, item 5)."""
    moves = []  # papermill's file handler chdirs to the current directory and back: harmless
    real_chdir = os.chdir
    start = os.getcwd()

    def chdir(path):
        if os.path.realpath(path) != os.path.realpath(start):
            moves.append(path)
        real_chdir(path)

    monkeypatch.setattr(os, "chdir", chdir)
    path = write(tmp_path, "scenarios:\n  - {name: a, notebook: tiny}\n  - {name: b, notebook: tiny}\n")
    outcomes = scenarios.render_batch(scenarios.load_scenarios(path), tmp_path / "out", jobs=2, formats=("html",))
    assert all(o.ok for o in outcomes)
    assert moves == []


@pytest.mark.render
def test_a_scenario_title_and_its_file_reach_the_report(tiny_notebooks, tmp_path):
    """A scenario's title never reached its report (issue 23, item 2): the JSON names the scenario and
    the HTML's citation block shows its title and the scenario file (by file name: outside the repo)."""
    path = write(tmp_path, 'scenarios:\n  - {name: a, notebook: tiny, title: "DeepSeek\'s estimated fleet"}\n')
    outcomes = scenarios.render_batch(scenarios.load_scenarios(path), tmp_path / "out", jobs=1, formats=("html",))
    assert all(o.ok for o in outcomes)
    data = json.loads((tmp_path / "out" / "a" / "tiny.json").read_text())
    assert data["scenario"] == {"name": "a", "title": "DeepSeek's estimated fleet", "file": path.name}
    page = (tmp_path / "out" / "a" / "tiny.html").read_text()
    assert "How to cite this report" in page and "DeepSeek&#39;s estimated fleet" in page and path.name in page


def test_chromium_keeps_its_temporary_files_in_its_profile(tmp_path, monkeypatch):
    """Chromium's own temporary files (org.chromium.Chromium.XXXXXX) went to the system's
    temporary folder and stayed there, one per PDF render (issue 22, item 12): it is started with
    TMPDIR inside its profile, which the render's work folder removes."""

    seen = {}

    def spawn(path, argv, env, **kwargs):
        seen.update(argv=argv, env=env)
        raise OSError("not started in this test")

    monkeypatch.setattr(pdf.os, "posix_spawn", spawn)
    short = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's folders are too long (see the next test)
    try:
        with pytest.raises(OSError):
            pdf.Browser(short)
        profile = next(a.split("=", 1)[1] for a in seen["argv"] if a.startswith("--user-data-dir="))
        assert seen["env"]["TMPDIR"] == profile and Path(profile).parent == short
        assert list(short.iterdir()) == []  # no browser: its profile is removed
    finally:
        shutil.rmtree(short)


def test_chromium_with_a_long_profile_path_gets_a_short_temporary_folder(tmp_path, monkeypatch):
    """Chromium's process-singleton socket lives in $TMPDIR/org.chromium.Chromium.XXXXXX/; with
    TMPDIR in a long profile path (a render's work folder under a long --out, pytest's folders)
    that path passed a Unix socket's 107 characters and Chromium died at start ("Socket path too
    long"), so every PDF failed. A long profile gets a short locked folder in the temporary
    folder, removed with the browser."""

    seen = {}

    def spawn(path, argv, env, **kwargs):
        seen.update(env=env, existed=Path(env["TMPDIR"]).is_dir())
        raise OSError("not started in this test")

    monkeypatch.setattr(pdf.os, "posix_spawn", spawn)
    deep = tmp_path / ("x" * 60)
    deep.mkdir()
    with pytest.raises(OSError):
        pdf.Browser(deep)
    tmp = seen["env"]["TMPDIR"]
    assert len(tmp) + len("/org.chromium.Chromium.XXXXXX/SingletonSocket") <= 107 and seen["existed"]
    assert Path(tmp).name.startswith("compute-parity-chromium.live-") and not Path(tmp).exists()


# ---------------------------------------------------------------- issue 22: hung kernels, mounts, signals, leftovers


def kernels_of(pid: int) -> list[int]:
    """The report kernels (ipykernel processes) started by process ``pid``."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid) and b"ipykernel" in cmdline:
            found.append(int(status.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie has)."""
    try:
        return "\tZ" not in Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].splitlines()[0]
    except (OSError, IndexError):
        return False


def sleeping_kernel(pid: int) -> int | None:
    """The kernel of process ``pid`` that is running the sleepy notebook's cell (its main thread
    in ``time.sleep``), if any."""
    for kpid in kernels_of(pid):
        try:
            if "nanosleep" in Path(f"/proc/{kpid}/wchan").read_text():
                return kpid
        except OSError:
            continue
    return None


def wait_for(predicate, seconds: float, what: str) -> None:
    """Poll ``predicate`` until it holds; fail naming ``what`` after ``seconds``."""
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, f"{what} within {seconds:g} s"
        time.sleep(0.1)


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """A temporary folder of the CLI processes a test starts (TMPDIR), empty at the start."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def test_a_bad_deadline_is_one_line_before_any_kernel(tiny_notebooks, tmp_path, capsys, monkeypatch, fake):
    for value in ("0", "-5", "nan", "soon"):
        assert main(["render", "tiny", "--deadline", value, "--out", str(tmp_path / "out")]) == 2
        line = one_error_line(capsys)
        assert f"--deadline '{value}'" in line and "seconds above 0" in line, line
    monkeypatch.setenv("COMPUTE_PARITY_DEADLINE", "inf")
    assert main(["render", "tiny", "--out", str(tmp_path / "out")]) == 2
    assert "$COMPUTE_PARITY_DEADLINE 'inf'" in one_error_line(capsys)
    assert fake.kernels == 0 and not (tmp_path / "out").exists()


@pytest.mark.render
def test_a_hung_kernel_fails_its_report_at_the_deadline_and_the_batch_goes_on(tiny_notebooks, tmp_path):
    """A kernel stopped with SIGSTOP hung the render forever (issue 22, item 6): at the kernel
    deadline the report fails in one line, its kernel is killed, and the next scenario renders
    in a new kernel."""
    path = write(
        tmp_path,
        "scenarios:\n  - {name: s1, notebook: sleepy, parameters: {seed: 600}}\n  - {name: s2, notebook: tiny}\n",
    )
    out = tmp_path / "out"
    proc = tiny_cli(
        tiny_notebooks, "render", "--scenarios", str(path), "--jobs", "1", "--deadline", "20", "--to", "html",
        "--out", str(out),
    )  # fmt: skip
    stopped = []
    try:
        wait_for(lambda: sleeping_kernel(proc.pid) or proc.poll() is not None, 120, "s1's cell runs")
        stopped = [sleeping_kernel(proc.pid)]
        assert stopped != [None], proc.communicate(timeout=30)
        os.kill(stopped[0], signal.SIGSTOP)
        _, err = proc.communicate(timeout=180)  # liveness: the old pipeline waited forever here
    finally:
        proc.kill()
        for pid in stopped:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 1, err
    assert "s1 (sleepy)" in err and (
        "FAILED: sleepy: the notebook did not finish within the kernel deadline of 20 s" in err
    ), err
    assert "s2 (tiny)" in err and "1 of 2 scenarios failed: s1" in err and "Traceback" not in err, err
    assert set(files(out / "s2")) == {"tiny.ipynb", "tiny.json", "tiny.key_figures.csv", "tiny.html"}
    assert not running(stopped[0])  # killed, not left stopped


@pytest.fixture()
def mount(tmp_path):
    """Makes tmpfs mount points (needs root and mount rights; skipped elsewhere); unmounts them."""
    made = []

    def make(name: str, size: str = "64m") -> Path:
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True)
        if done.returncode:
            pytest.skip("cannot mount a tmpfs here")
        made.append(point)
        return point

    yield make
    for point in made:
        subprocess.run(["umount", "-l", str(point)], check=True)


def test_a_report_set_is_copied_into_a_mount_point(tmp_path, mount):
    """A mount point cannot be renamed (EBUSY) nor renamed into from another file system (EXDEV):
    the new set is copied into a work folder inside it and renamed in, file by file (issue 22,
    item 7); the old set's other files go, nothing else is left."""
    target = mount("mnt")
    (target / "r.tables").mkdir()
    for name, text in (("r.html", "old"), ("r.pdf", "old"), ("r.json", "old"), ("r.tables/a.csv", "old")):
        (target / name).write_text(text)
    new = tmp_path / "work" / "report"
    (new / "r.tables").mkdir(parents=True)
    for name in ("r.html", "r.json", "r.tables/b.csv"):
        (new / name).write_text("new")
    swap_in(new, target)
    assert {str(p.relative_to(target)): p.read_text() for p in target.rglob("*") if p.is_file()} == {
        "r.html": "new",
        "r.json": "new",
        "r.tables/b.csv": "new",
    }
    assert sorted(p.name for p in target.iterdir()) == ["r.html", "r.json", "r.tables"]  # no work folder left


@pytest.mark.render
def test_a_single_render_into_a_mount_point_writes_its_report(tiny_notebooks, tmp_path, capsys, mount):
    """A single render into a tmpfs or a Docker volume failed after running the whole notebook
    (rename: EBUSY/EXDEV, issue 22 item 7); now it writes the set, replaces it, and a failed run
    keeps its notebook there too."""
    out = mount("out")
    assert main(["render", "tiny", "--to", "html,pdf", "--out", str(out)]) == 0, capsys.readouterr().err
    assert set(files(out)) == {"tiny.ipynb", "tiny.json", "tiny.key_figures.csv", "tiny.html", "tiny.pdf"}
    assert main(["render", "tiny", "-p", "seed", "3", "--to", "html", "--out", str(out)]) == 0
    assert set(files(out)) == {
        "tiny.ipynb",
        "tiny.json",
        "tiny.key_figures.csv",
        "tiny.html",
    }  # the PDF of the first run is gone
    assert json.loads((out / "tiny.json").read_text())["seed"] == 3
    failing = mount("failing")
    assert main(["render", "failing", "--to", "html", "--out", str(failing)]) == 1
    assert "ValueError: cannot open" in one_error_line(capsys)
    assert set(files(failing)) == {"failing.failed.ipynb"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # work folders removed


def test_an_abandoned_batch_folder_without_its_lock_is_removed(tmp_path, monkeypatch):
    """A second Ctrl-C cut the removal of a batch's folder short after its lock file was gone:
    ``compute-parity-batch.live-*`` stayed and no later batch removed it (issue 22, item 11).
    Now a work folder is renamed dead before it is removed, and a live one without its lock file
    counts as abandoned."""
    from analysis.pipeline import workspace

    prefix = "compute-parity-batch."
    left = tmp_path / f"{prefix}live-abc"  # as an older version's cut-short removal left it
    (left / "chromium-x").mkdir(parents=True)
    work = Workspace(tmp_path, prefix)
    (work.path / "chromium-y").mkdir()

    def interrupted(path, ignore_errors=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(workspace.shutil, "rmtree", interrupted)
    with pytest.raises(KeyboardInterrupt):
        work.close()  # a second Ctrl-C in the middle of the removal
    monkeypatch.undo()
    assert not left.exists()  # the batch that started after the first one removed it
    with Workspace(tmp_path, prefix):  # the next batch
        pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.render
@pytest.mark.parametrize(
    "signum, code, words", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")]
)
def test_a_stopped_single_render_says_one_line_and_leaves_nothing(
    tiny_notebooks, tmp_path, private_tmp, signum, code, words
):
    """Ctrl-C printed asyncio's "Task exception was never retrieved … DeadKernelError" traceback
    with venv paths; SIGTERM was not handled (exit -15, the work folder and the kernel's
    connection file left behind) (issue 22, item 11)."""
    out = tmp_path / "r"
    proc = tiny_cli(tiny_notebooks, "render", "sleepy", "-p", "seed", "60", "--to", "html", "--out", str(out))
    try:
        wait_for(lambda: sleeping_kernel(proc.pid), 120, "the notebook's cell runs")
        os.killpg(proc.pid, signum)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert [line.split(":")[0] for line in err.splitlines()] == ["rendering sleepy into " + str(out) + " ...", words]
    assert "Traceback" not in err and "Task exception" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"] and list(private_tmp.iterdir()) == []


@pytest.mark.render
def test_a_second_ctrl_c_does_not_cut_the_clean_up_short(tiny_notebooks, tmp_path, private_tmp):
    """A double Ctrl-C left the batch's folder (``compute-parity-batch.live-*``) in the temporary
    folder (issue 22, item 11): a second SIGINT or SIGTERM is ignored with one line, the reports in
    progress finish and every work folder is removed."""
    path = write(
        tmp_path,
        "scenarios:\n" + "".join(f"  - {{name: s{i}, notebook: sleepy, parameters: {{seed: 6}}}}\n" for i in range(3)),
    )
    out = tmp_path / "out"
    args = ("render", "--scenarios", str(path), "--jobs", "1", "--to", "html", "--out", str(out))
    proc = tiny_cli(tiny_notebooks, *args)
    try:
        wait_for(lambda: sleeping_kernel(proc.pid), 120, "the first report's cell runs")
        for signum in (signal.SIGINT, signal.SIGINT, signal.SIGTERM):
            os.killpg(proc.pid, signum)
            time.sleep(0.3)
        _, err = proc.communicate(timeout=90)
    finally:
        proc.kill()
    assert proc.returncode == 130 and err.count("already stopping") == 2, err
    assert "Traceback" not in err and "FAILED" not in err, err
    assert sorted(p.name for p in out.iterdir()) == ["s0"]  # no work folder (an interrupted batch writes no index)
    assert set(files(out / "s0")) == {"sleepy.ipynb", "sleepy.json", "sleepy.key_figures.csv", "sleepy.html"}
    assert list(private_tmp.iterdir()) == []  # nor the batch's folder


@pytest.mark.render
def test_a_killed_render_leaves_no_kernel_connection_file_or_kernel(tiny_notebooks, tmp_path, private_tmp):
    """A render killed with SIGKILL left its kernel's connection file (``tmpXXXXXXXX.json``) in the
    temporary folder for good (issue 22, item 12): it now lives in the render's work folder, which
    the next render removes; the orphaned kernel exits by itself."""
    out = tmp_path / "r"
    proc = tiny_cli(tiny_notebooks, "render", "sleepy", "-p", "seed", "60", "--to", "html", "--out", str(out))
    try:
        wait_for(lambda: sleeping_kernel(proc.pid), 120, "the notebook's cell runs")
        orphans = kernels_of(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert list(private_tmp.iterdir()) == []
    assert list(tmp_path.glob(".r.live-*/kernel-*.json"))
    try:
        wait_for(lambda: not any(running(pid) for pid in orphans), 90, "the orphaned kernel exits")
    finally:
        for pid in orphans:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
    assert main(["render", "sleepy", "-p", "seed", "1", "--to", "html", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "tmp"]


def test_the_html_export_leaves_its_notebook_alone_and_still_validates_the_result():
    """The export preprocesses one copy of the notebook (nbconvert made three) and validates it
    once: the notebook given is unchanged, a cell tagged ``remove_cell`` is gone from the page, and
    a notebook left invalid fails (nbconvert's check, kept)."""
    import copy

    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from analysis.pipeline.export import to_html

    shown = new_code_cell("x", outputs=[new_output("stream", name="stdout", text="KEPT OUTPUT\n")])
    hidden = new_code_cell("y", outputs=[new_output("stream", name="stdout", text="REMOVED OUTPUT\n")])
    hidden.metadata["tags"] = ["remove_cell"]
    book = new_notebook(cells=[new_markdown_cell("# A title"), shown, hidden], metadata={"title": "T"})
    before = copy.deepcopy(book)
    page = to_html(book)
    assert "KEPT OUTPUT" in page and "REMOVED OUTPUT" not in page
    assert book == before
    book.cells[1].outputs[0]["output_type"] = "not an output type"
    with pytest.raises(nbformat.ValidationError):
        to_html(book)


def test_executed_cells_are_numbered_from_one_in_order_whatever_the_kernel_ran_before():
    import nbformat

    from analysis.pipeline.kernel import number_cells

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("a = 1", execution_count=23),
        nbformat.v4.new_code_cell("never run"),  # not executed: stays None
        nbformat.v4.new_code_cell(
            "a",
            execution_count=24,
            outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=24)],
        ),
    ]
    number_cells(notebook)
    # a warm kernel's 23 and 24 (the reports before counted 1-22) become 1 and 2, as in a fresh kernel
    assert [c.get("execution_count") for c in notebook.cells] == [None, 1, None, 2]
    assert notebook.cells[3].outputs[0]["execution_count"] == 2
