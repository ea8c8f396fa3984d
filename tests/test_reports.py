"""Every report renders with its defaults and with other parameters; outputs follow the contract;
bad parameters fail with one line before any kernel starts and leave the last report untouched."""
import json
import re
import subprocess
import sys

import pytest

from analysis import render
from analysis.__main__ import main
from analysis.scenarios import Scenario, render_batch

# Two parameter sets per notebook: the defaults, and a non-default one.
CASES = [
    Scenario("training-default", "training_run"),
    Scenario("training-custom", "training_run", {"model": "custom", "active_params": 70e9, "tokens": 2e12,
                                                 "chip": "a100-sxm-80gb", "chip_count": 1024, "mfu": 0.4,
                                                 "recompute": True, "region": "us-avg-industrial"}),
    Scenario("parity-default", "chip_parity"),
    Scenario("parity-decode", "chip_parity", {"reference_chip": "h100-sxm", "reference_count": 512,
                                              "candidates": ["h20", "h200"], "workload": "decode"}),
    Scenario("energy-default", "energy_advantage"),
    Scenario("energy-a100", "energy_advantage", {"reference_chip": "a100-sxm-80gb", "candidates": ["mi300x", "h20"],
                                                 "regions": ["us-dc-ppa"], "region": "us-dc-ppa", "years": 6.0}),
    Scenario("controls-default", "export_controls"),
    Scenario("controls-what-if", "export_controls", {"tpp_threshold": 2000.0, "io_threshold_gb_s": 600.0}),
    Scenario("inference-default", "inference_cost"),
    Scenario("inference-bf16", "inference_cost", {"chips": ["h100-sxm", "h20"], "batch_size": 8, "precision": "bf16"}),
]

# The report contract (DESIGN.md): key figures each notebook's JSON must carry.
CONTRACT = {
    "training_run": {"training_flop", "gpu_hours", "days", "energy_mwh", "rental_cost_usd", "ownership_cost_usd",
                     "emissions_tco2", "mfu", "by_chip"},
    "chip_parity": {"candidates"},
    "energy_advantage": {"break_even_usd_per_kwh", "electricity_share_of_tco", "tco_usd"},
    "export_controls": {"chips"},
    "inference_cost": {"chips"},
}
TITLES = {"training_run": "Training run", "chip_parity": "Chip parity", "energy_advantage": "Energy advantage",
          "export_controls": "Export controls", "inference_cost": "Inference cost"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    outcomes = render_batch(CASES, out, jobs=2, log=sys.stdout)
    failed = [f"{o.scenario.name}: {o.message}" for o in outcomes if not o.ok]
    assert not failed, failed
    return out


def figures(rendered, case):
    return json.loads((rendered / case.name / f"{case.notebook}.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_json_follows_the_contract(rendered, case):
    data = figures(rendered, case)
    assert data["report"] == case.notebook
    assert CONTRACT[case.notebook] <= set(data)
    for name, value in case.parameters.items():  # the parameters used are recorded
        assert data["parameters"][name] == value


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_html_is_self_contained_and_has_no_code(rendered, case):
    page = (rendered / case.name / f"{case.notebook}.html").read_text()
    body = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    for code in ("import analysis", "plots.", "tables.", "emit_key_figures", "params.validate"):
        assert code not in body, code
    assert "<script src=" not in page and "require.min.js" not in page and "mathjax" not in page.lower()
    assert "data:image/png;base64" in page  # figures are embedded


@pytest.mark.parametrize("case", CASES[::2], ids=[c.name for c in CASES[::2]])
def test_pdf_has_title_and_a_key_figure(rendered, case):
    pdf = rendered / case.name / f"{case.notebook}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert TITLES[case.notebook] in text
    assert "import " not in text and "plots." not in text
    data = figures(rendered, case)
    if case.notebook == "training_run":
        # DeepSeek-V3 as disclosed: 2.788 M GPU-hours reproduced, $5.58 M at $2/GPU-h
        assert abs(data["gpu_hours"] - 2.788e6) < 1 and "2.788 M GPU-hours" in text and "$5.58 M" in text
    elif case.notebook == "chip_parity":
        # 2,048 × 989.4 / 148 = 13,691.2 -> 13,692 H20 match 2,048 H100 at equal MFU
        assert data["candidates"]["h20"]["chip_count"] == 13692 and "13,692" in text
    elif case.notebook == "export_controls":
        assert data["chips"]["h20"]["tpp"] == 2368 and "2,368" in text
    elif case.notebook == "energy_advantage":
        assert "PFLOP-hour" in text
    else:
        cost = data["chips"]["h800-sxm"]["usd_per_million_output_tokens"]
        # H800 at $2/h: decode 32 × 3.35e12 × 0.6 / 37e9 = 1,738.4 tokens/s -> 2 / (1,738.4 × 3600) × 1e6 = $0.320
        assert abs(cost - 0.3196) < 1e-3 and "0.320" in text


def test_training_run_on_another_chip_keeps_the_implied_mfu(rendered):
    data = figures(rendered, CASES[0])
    # the H20 row: same 3.2856e24 FLOP at MFU 0.3309 on 148 TFLOP/s
    # = 3.2856e24 / (148e12 × 0.33087 × 3600) = 18.64 M GPU-hours
    assert abs(data["by_chip"]["h20"]["gpu_hours"] / 1e6 - 18.64) < 0.01


BAD = [
    (["render", "nope"], "unknown notebook 'nope'"),
    (["render", "training_run", "-p", "mfuu", "0.4"], "unknown parameter 'mfuu' for training_run; closest: mfu"),
    (["render", "training_run", "-p", "chip_count", "many"], "parameter chip_count: 'many' is not a whole number"),
    (["render", "training_run", "-p", "chip", "h9000"], "parameter chip: 'h9000' is unknown; closest: h200, h20"),
    (["render", "training_run", "-p", "mfu", "1.5"], "parameter mfu: 1.5 is out of range; expected a number in (0, 1]"),
    (["render", "chip_parity", "-p", "reference_count", "-2048"], "parameter reference_count: -2048 is out of range"),
    (["render", "chip_parity", "-p", "candidates", ""], "parameter candidates: [] is not a non-empty list"),
    (["render", "chip_parity", "-p", "workload", "trainng"], "closest: training"),
]


@pytest.mark.parametrize("argv, words", BAD, ids=[" ".join(a[1:]) for a, _ in BAD])
def test_bad_parameters_fail_before_any_kernel_and_keep_the_last_report(rendered, monkeypatch, capsys, argv, words):
    def no_kernel(self):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(render.WarmKernel, "ready", no_kernel)
    target = rendered / "parity-default"
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    code = main(argv + ["--out", str(target)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0], err
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_a_failing_notebook_keeps_the_last_report_and_its_failed_notebook(rendered):
    target = rendered / "training-default"
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    # valid parameters, but the run cannot be built: a custom run without its inputs fails in the kernel
    outcomes = render_batch([Scenario("training-default", "training_run", {"model": "custom"})], rendered, jobs=1)
    assert not outcomes[0].ok and "needs active_params, tokens, chip, chip_count" in outcomes[0].message
    after = {p.name: p.read_bytes() for p in target.iterdir() if p.name != "training_run.failed.ipynb"}
    assert after == before
    assert (target / "training_run.failed.ipynb").exists()


@pytest.mark.parametrize("notebook", render.notebook_names())
def test_every_declared_parameter_is_documented_and_specified(notebook):
    import nbformat
    from analysis.params import SPECS

    cell = next(c for c in nbformat.read(render.notebook_path(notebook), 4).cells
                if "parameters" in c.metadata.get("tags", []))
    assigned = [line.split(":")[0] for line in cell.source.splitlines() if line and not line.startswith("#")]
    declared = render.declared_parameters(notebook)
    assert list(declared) == assigned  # papermill parsed every line (a '=' in a comment breaks it)
    for name, info in declared.items():
        assert name in SPECS, name
        assert info["help"] and info["inferred_type_name"] != "None", name


def test_list_prints_type_default_and_help(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "training_run" in out and "mfu" in out and "Optional[float]" in out
    assert "model-FLOPs utilisation" in out
