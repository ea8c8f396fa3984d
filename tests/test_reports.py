"""Every report renders with its defaults and with other parameters; outputs follow the contract;
the PDF shows the JSON's headline; bad parameters fail with one line before any kernel starts and
leave the last report untouched. The numbers themselves are pinned, worked by hand, in each
report's fast-tier tests (tests/test_<report>.py)."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import CASES, figures

from analysis.assembly import present
from analysis.pipeline import kernel, layout, notebooks
from analysis.pipeline.cli import main
from analysis.pipeline.scenarios import Scenario, render_batch

ROOT = Path(__file__).resolve().parents[1]

# The report contract: key figures each notebook's JSON must carry.
CONTRACT = {
    "training_run": {
        "training_flop",
        "gpu_hours",
        "days",
        "energy_mwh",
        "rental_cost_usd",
        "ownership_cost_usd",
        "emissions_tco2",
        "mfu",
        "by_chip",
        "goodput",
        "gpu_hours_p10",
        "gpu_hours_p90",
    },
    "chip_parity": {"candidates", "reference"},
    "energy_advantage": {"break_even_usd_per_kwh", "electricity_share_of_tco", "tco_usd"},
    "export_controls": {"chips"},
    "inference_cost": {"chips"},
    "procurement": {"options"},
    "validation": {"cases", "mean_abs_error", "max_abs_error"},
    "compute_stock": {
        "china_h100e_8bit",
        "china_h100e_8bit_p10",
        "us_h100e_bf16_p90",
        "china_effective_h100e",
        "china_by_channel_h100e_8bit",
        "binding_constraint",
        "china_largest_run_flop",
        "us_largest_run_flop",
        "gap_months",
        "break_even_multiplier",
    },
}
TITLES = {
    "procurement": "Procurement",
    "training_run": "Training run",
    "chip_parity": "Chip parity",
    "energy_advantage": "Energy advantage",
    "export_controls": "Export controls",
    "inference_cost": "Inference cost",
    "validation": "Validation",
    "compute_stock": "National compute",
}


@pytest.mark.render
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_json_follows_the_contract(rendered, case):
    data = figures(rendered, case)
    assert data["report"] == case.notebook
    assert CONTRACT[case.notebook] <= set(data)
    for name, value in case.parameters.items():  # the parameters used are recorded
        assert data["parameters"][name] == value


#: Inputs every report of a kind must say it used (the JSON's inputs block), by notebook: where the
#: hardware runs, what owning it costs, and the goodput model's inputs, as each report uses them.
SITE = {"usd_per_kwh", "pue"}
OWNED = {"load_factor", "server_power_ratio", "years", "mfu"}
GOODPUT = {"interruptions_per_chip_hour", "restart_hours", "checkpoint_interval_hours"}
USED_INPUTS = {
    "training_run": SITE | OWNED | GOODPUT,
    "chip_parity": SITE | OWNED | GOODPUT,
    "energy_advantage": OWNED | GOODPUT,
    "inference_cost": SITE | OWNED | {"utilisation", "hbm_efficiency"},
    "procurement": SITE | OWNED | GOODPUT,
    "export_controls": set(),
    "validation": {"mfu", "load_factor", "server_power_ratio", "interruptions_per_chip_hour"},
    "compute_stock": {"usd_per_kwh", "pue", "mfu", "load_factor", "lifetime_years", "die_bank"} | GOODPUT,
}


def _records(block, path=()):
    """``(path, record)`` of every record of an inputs block (nested per chip or region)."""
    for name, value in block.items():
        if isinstance(value, dict) and "value" in value and "source" in value:
            yield (*path, name), value
        elif isinstance(value, dict):
            yield from _records(value, (*path, name))


@pytest.mark.render
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_json_says_which_inputs_it_used_with_unit_and_source(rendered, case):
    """The inputs block: every value the report used after defaults, each with a unit and a source
    key defined in data/SOURCES.md; the values a report of its kind always uses are there."""
    from analysis.catalog import sources

    data = figures(rendered, case)
    records = dict(_records(data["inputs"]))
    assert records, "no inputs block"
    known = set(sources().index)
    for path, record in records.items():
        assert record["value"] is not None and record["unit"] is not None, path
        assert set(record["source"].split(";")) <= known, (path, record["source"])
    expected = USED_INPUTS[case.notebook]
    if case.notebook == "chip_parity" and case.parameters.get("workload", "training") != "training":
        expected = expected - GOODPUT
    assert expected <= {path[-1] for path in records}
    for name, value in case.parameters.items():  # a value the reader set is recorded as theirs
        if (name,) in records:
            assert records[(name,)]["value"] == value and records[(name,)]["source"] == "report-parameter"


@pytest.mark.render
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_sources_appendix_lists_only_sources_of_the_json_inputs(rendered, case):
    """Issue 20 item 6: every source the HTML's sources appendix lists is named by a record of the
    JSON's inputs block, numbered 1, 2, … with its full address."""
    page = (rendered / case.name / f"{case.notebook}.html").read_text()
    listed = re.findall(r"<li value=[\"']?(\d+)[\"']?><b>([^<]+)</b>", page)
    named = {
        k.strip() for _, record in _records(figures(rendered, case)["inputs"]) for k in record["source"].split(";")
    }
    assert listed, "no sources appendix"
    assert {key for _, key in listed} <= named
    assert [int(n) for n, _ in listed] == list(range(1, len(listed) + 1))
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', "".join(re.findall(r"<li value=.*?</li>", page, re.S)))
    assert links and all(href == text for href, text in links)  # full addresses, not domains


@pytest.mark.render
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_html_is_self_contained_and_has_no_code(rendered, case):
    page = (rendered / case.name / f"{case.notebook}.html").read_text()
    body = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    for code in ("import analysis", "from analysis", "present.", "report.run", "emit_key_figures"):
        assert code not in body, code
    assert "<script src=" not in page and "require.min.js" not in page and "mathjax" not in page.lower()
    assert "data:image/png;base64" in page  # figures are embedded
    images = re.findall(r"<img\b[^>]*>", body)
    assert images and all(re.search(r'\balt="[^"]{10,}"', img) for img in images), (
        "every figure has alt text of its own (the exporter adds no placeholder)"
    )


DEFAULTS = [c for c in CASES if c.name.endswith("-default")]


#: Where each default report's headline sits in its JSON, and how the report writes it.
HEADLINES = {
    "training_run": lambda d: f"{d['days']:,.1f} days",
    "chip_parity": lambda d: present.count(d["candidates"]["h20"]["chip_count"]),
    "export_controls": lambda d: present.count(d["chips"]["h20"]["tpp"]),
    "procurement": lambda d: present.count(next(iter(d["options"].values()))["chips"]),
    "energy_advantage": lambda d: "PFLOP-hour",
    "inference_cost": lambda d: "per million",
    "validation": lambda d: "mean absolute error",
    "compute_stock": lambda d: present.count(d["china_h100e_8bit"]["2025"]),
}


@pytest.mark.render
@pytest.mark.parametrize("case", DEFAULTS, ids=[c.name for c in DEFAULTS])
def test_pdf_has_title_and_shows_the_json_headline(rendered, case):
    pdf = rendered / case.name / f"{case.notebook}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert TITLES[case.notebook] in text
    assert "import " not in text and "present." not in text and "report.run" not in text
    headline = HEADLINES[case.notebook](figures(rendered, case))
    assert headline in " ".join(text.split()), headline


def _bands(node, path=""):
    """Every (name, p10, value, p90) of a JSON tree where a figure has both band siblings."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (int, float)) and f"{key}_p10" in node and f"{key}_p90" in node:
                yield path + key, node[f"{key}_p10"], value, node[f"{key}_p90"]
            yield from _bands(value, f"{path}{key}.")
    elif isinstance(node, list):
        for item in node:
            yield from _bands(item, path)


@pytest.mark.render
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_banded_figure_lies_inside_its_band(rendered, case):
    for name, low, value, high in _bands(figures(rendered, case)):
        if None not in (low, value, high):
            assert low - 1e-9 * abs(low) <= value <= high + 1e-9 * abs(high), (name, low, value, high)


BAD = [
    (["render", "nope"], "unknown notebook 'nope'"),
    (["render", "training_run", "-p", "mfuu", "0.4"], "unknown parameter 'mfuu' for training_run; closest: mfu"),
    (["render", "training_run", "-p", "chip_count", "many"], "parameter chip_count: 'many' is not a whole number"),
    (["render", "training_run", "-p", "chip", "h9000"], "parameter chip: 'h9000' is unknown; closest: h200, h20"),
    (
        ["render", "training_run", "-p", "mfu", "1.5"],
        "parameter mfu: 1.5 is out of range; expected a number in [0.01, 1]",
    ),
    (["render", "chip_parity", "-p", "reference_count", "-2048"], "parameter reference_count: -2048 is out of range"),
    (["render", "chip_parity", "-p", "candidates", ""], "parameter candidates: [] is not a non-empty list"),
    (["render", "chip_parity", "-p", "workload", "trainng"], "closest: training"),
]


def snapshot(folder):
    """Every file of a report folder (its CSV tables included) by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.render
@pytest.mark.parametrize("argv, words", BAD, ids=[" ".join(a[1:]) for a, _ in BAD])
def test_bad_parameters_fail_before_any_kernel_and_keep_the_last_report(rendered, monkeypatch, capsys, argv, words):
    def no_kernel(self):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(kernel.WarmKernel, "ready", no_kernel)
    target = rendered / "parity-default"
    before = snapshot(target)
    code = main(argv + ["--out", str(target)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0], err
    assert snapshot(target) == before


@pytest.mark.render
def test_a_refused_scenario_keeps_the_last_report(rendered):
    # a custom run without its figures is refused by the pre-kernel check (a failing notebook in a
    # kernel is covered with tiny notebooks in tests/test_pipeline.py)
    target = rendered / "training-default"
    before = snapshot(target)
    outcomes = render_batch([Scenario("training-default", "training_run", {"run": "custom"})], rendered, jobs=1)
    assert not outcomes[0].ok and "needs active_params, tokens, chip, chip_count" in outcomes[0].message
    assert snapshot(target) == before
    assert not (target / "training_run.failed.ipynb").exists()


@pytest.mark.parametrize("notebook", notebooks.notebook_names())
def test_every_declared_parameter_is_documented_and_specified(notebook):
    import nbformat

    from analysis.assembly.params import spec_for

    cell = next(
        c
        for c in nbformat.read(notebooks.notebook_path(notebook), 4).cells
        if "parameters" in c.metadata.get("tags", [])
    )
    assigned = [line.split(":")[0] for line in cell.source.splitlines() if line and not line.startswith("#")]
    declared = notebooks.declared_parameters(notebook)
    assert list(declared) == assigned  # papermill parsed every line (a '=' in a comment breaks it)
    for name, info in declared.items():
        assert spec_for(name, notebook), name
        assert info["help"] and info["inferred_type_name"] != "None", name


def test_list_prints_type_default_and_help(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "training_run" in out and "mfu" in out and "Optional[float]" in out
    assert "model-FLOPs utilisation" in out


@pytest.mark.render
def test_same_parameters_and_seed_give_identical_json(rendered, rendered_again):
    again = [c for c in CASES if c.name in ("parity-decode", "training-default")]
    for case in again:  # everything but the provenance (render time, commit) is identical
        first = (rendered / case.name / f"{case.notebook}.json").read_text()
        second = (rendered_again / case.name / f"{case.notebook}.json").read_text()
        assert without_provenance(second) == without_provenance(first)


def without_provenance(text: str) -> str:
    """A report's JSON text without its ``provenance`` (when and from which commit it was made)."""
    data = json.loads(text)
    data.pop("provenance", None)
    return json.dumps(data, indent=2, sort_keys=True)


def test_shares_must_match_the_chips_before_any_kernel(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(kernel.WarmKernel, "ready", lambda self: (_ for _ in ()).throw(AssertionError("kernel")))
    code = main(
        ["render", "procurement", "-p", "chips", "h20,ascend-910c", "-p", "shares", "0.5,0.6", "--out", str(tmp_path)]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "shares" in err[0] and "sums to 1.1" in err[0]


@pytest.mark.render
@pytest.mark.parametrize("case", DEFAULTS, ids=[c.name for c in DEFAULTS])
def test_every_default_report_ends_with_how_to_cite_it(rendered, case):
    data = figures(rendered, case)
    prov = data["provenance"]
    pdf = rendered / case.name / f"{case.notebook}.pdf"
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "Cite as:" in text and "How to cite this report" in text
    assert "code MIT; data compilation CC BY 4.0" in text
    # the repository address of CITATION.cff, or the sentence that says there is none yet
    assert "no public address yet" in text or "repository-code" in (ROOT / "CITATION.cff").read_text()
    assert f"compute-parity {prov['version']}" in text and prov["rendered_at"][:10] in text
    # the HTML page shows the date and version as visible text, not only in <meta> tags
    page = (rendered / case.name / f"{case.notebook}.html").read_text()
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|head)\b.*?</\1>", " ", page, flags=re.S))
    assert f"compute-parity {prov['version']}" in visible and prov["rendered_at"][:10] in visible


@pytest.mark.render
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_pages_have_no_layout_defect(rendered, case):
    """No clipped table or caption, no number split from its unit, no value broken at a hyphen, no
    heading as a page's last line, no band of one value printed three times, no None
    (analysis/pipeline/layout.py; tests/test_layout.py shows each is caught)."""
    folder = rendered / case.name
    assert layout.defects(folder / f"{case.notebook}.pdf", folder / f"{case.notebook}.html") == []


@pytest.mark.render
def test_chinese_text_prints_as_text_that_copies_in_order(rendered):
    """Chinese source titles (chip_parity's sources: "IT之家", "财新", "最大 30 分") print in a TrueType
    font (WenQuanYi Micro Hei), not as Type 3 glyphs (Chromium's form of a CFF font such as Noto Sans
    CJK), so the PDF's text holds them in their place in the line; no synthesised bold or italic,
    which prints as Type 3 too."""
    pdf = rendered / "parity-default" / "chip_parity.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Type 3" not in fonts and "WenQuanYiMicroHei" in fonts
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "(secondary): IT之家 (22 Jun 2024) citing" in text and "Caixin (财新) report" in text


@pytest.mark.render
@pytest.mark.parametrize("case", DEFAULTS, ids=[c.name for c in DEFAULTS])
def test_key_findings_sit_close_to_their_heading(rendered, case):
    """The "Key findings" heading (a markdown cell of its own) and the list below it (a code cell's
    output) print as one block: the first finding's line ends within two body lines (2 × 12.2 pt) of
    the heading's, where the cells' padding, the output's top margin and the list's top margin put
    it 41.7 pt below (h100-parity: heading's bottom 508.3 pt, first finding's 550.0 pt), a gap
    larger than the one above the heading."""
    pages = layout.pdf_pages(rendered / case.name / f"{case.notebook}.pdf")
    at = [(page, i) for page in pages for i, line in enumerate(page.lines) if line.text == "Key findings"]
    assert at, "every default report has a Key findings heading"
    page, i = at[0]
    heading, first = page.lines[i], page.lines[i + 1]
    assert first.bottom - heading.bottom < 2 * 12.2, (heading, first)
