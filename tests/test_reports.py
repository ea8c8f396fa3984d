"""Every report renders with its defaults and with other parameters; outputs follow the contract;
bad parameters fail with one line before any kernel starts and leave the last report untouched."""
import re
import subprocess

import pytest

from analysis.pipeline import render
from analysis.pipeline.cli import main
from analysis.pipeline.scenarios import Scenario, render_batch
from conftest import CASES, figures

# The report contract (DESIGN.md): key figures each notebook's JSON must carry.
CONTRACT = {
    "training_run": {"training_flop", "gpu_hours", "days", "energy_mwh", "rental_cost_usd", "ownership_cost_usd",
                     "emissions_tco2", "mfu", "by_chip"},
    "chip_parity": {"candidates"},
    "energy_advantage": {"break_even_usd_per_kwh", "electricity_share_of_tco", "tco_usd"},
    "export_controls": {"chips"},
    "inference_cost": {"chips"},
    "procurement": {"options"},
}
TITLES = {"procurement": "Procurement", "training_run": "Training run", "chip_parity": "Chip parity", "energy_advantage": "Energy advantage",
          "export_controls": "Export controls", "inference_cost": "Inference cost"}


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


DEFAULTS = [c for c in CASES if c.name.endswith("-default")]


@pytest.mark.parametrize("case", DEFAULTS, ids=[c.name for c in DEFAULTS])
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
        # training, Llama 3.1 405B layout, no overlap: H20 MFU = 0.4 × 0.974 / 0.847 (scaling efficiencies)
        # = 0.4481; 2,048 × 989.4 × 0.4 / (148 × 0.4481) = 12,220.3 -> 12,221 H20 for 2,048 H100
        assert data["candidates"]["h20"]["chip_count"] == 12221 and "12,221" in text
    elif case.notebook == "export_controls":
        assert data["chips"]["h20"]["tpp"] == 2368 and "2,368" in text
    elif case.notebook == "procurement":
        # $1B / $10,000 per A800 = 100,000 chips (whole 8-chip servers); 100,000 × 312 / 989.4 = 31,534.3 H100-eq
        a800 = data["options"]["a800-sxm-80gb"]
        assert a800["chips"] == 100_000 and abs(a800["h100_equivalents_bf16"] - 31_534.3) < 0.1 and "31,534" in text
        contract = {"chips", "h100_equivalents_bf16", "h100_equivalents_tpp", "it_power_mw", "facility_power_mw",
                    "annual_energy_gwh", "annual_electricity_usd", "training_flop_per_year", "compute_optimal_params"}
        assert contract <= set(a800) and "h100_equivalents_bf16_p10" in a800
    elif case.notebook == "energy_advantage":
        assert "PFLOP-hour" in text
    else:
        cost = data["chips"]["h800-sxm"]["usd_per_million_output_tokens"]
        # H800, DeepSeek-V3 in FP8, batch 640, context 2,000 + 500/2 = 2,250 tokens:
        # 640 tokens hit all 256 experts, so a step reads all 671e9 weight bytes + KV 640 × 2,250 × 70,272 B
        # = 101.19e9 B; 772.19e9 / (3.35e12 × 0.6) = 0.38418 s -> 640 / 0.38418 = 1,665.9 tokens/s per chip;
        # at $2/h: 2 / (1,665.9 × 3600) × 1e6 = $0.3335 per million output tokens
        assert abs(cost - 0.3335) < 1e-3 and "0.333" in text


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
    from analysis.assembly.params import spec_for

    cell = next(c for c in nbformat.read(render.notebook_path(notebook), 4).cells
                if "parameters" in c.metadata.get("tags", []))
    assigned = [line.split(":")[0] for line in cell.source.splitlines() if line and not line.startswith("#")]
    declared = render.declared_parameters(notebook)
    assert list(declared) == assigned  # papermill parsed every line (a '=' in a comment breaks it)
    for name, info in declared.items():
        assert spec_for(name, notebook), name
        assert info["help"] and info["inferred_type_name"] != "None", name


def test_list_prints_type_default_and_help(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "training_run" in out and "mfu" in out and "Optional[float]" in out
    assert "model-FLOPs utilisation" in out


def test_slower_nvlink_lowers_the_mfu_when_communication_is_exposed(rendered):
    data = figures(rendered, next(c for c in CASES if c.name == "training-overlap"))
    # Llama 3.1 405B, disclosed on H100: implied MFU 3.7908e25 / (30.84e6 h × 3600 × 989.4e12) = 0.34510.
    # Per-chip step (TP8, 1,024 tokens per chip, compute at 50 % of peak): compute 5.0300 s; TP all-reduce
    # 1.75 × 1.3529e11 B over 360 GB/s (H100) = 0.6577 s or 160 GB/s (H800) = 1.4797 s; DP 0.2511 s.
    # Efficiency 5.0300 / 5.9388 = 0.84698 (H100) and 5.0300 / 6.7608 = 0.74400 (H800):
    # MFU on H800 = 0.34510 × 0.74400 / 0.84698 = 0.30314
    assert abs(data["mfu"] - 0.30314) < 1e-3
    assert data["by_chip"]["h100-sxm"]["gpu_hours"] < data["by_chip"]["h800-sxm"]["gpu_hours"]


def test_p10_and_p90_bracket_the_base_figures(rendered):
    data = figures(rendered, CASES[0])
    assert data["rental_cost_usd_p10"] <= data["rental_cost_usd"] * 1.05 and data["rental_cost_usd_p90"] >= data["rental_cost_usd"] * 0.95
    parity = figures(rendered, next(c for c in CASES if c.name == "parity-default"))
    for chip, row in parity["candidates"].items():
        if row["tco_usd"] is not None:
            assert row["tco_usd_p10"] < row["tco_usd_p90"], chip


def test_backtests_are_within_two_percent(rendered):
    rows = figures(rendered, CASES[0])["backtest"]
    checked = [r for r in rows if r["error"] is not None]
    assert len(checked) >= 12 and {r["run"] for r in rows} == {
        "deepseek-v3", "llama-3.1-405b", "llama-2-70b", "bloom-176b", "gpt-3-175b", "gpt-4", "deepseek-r1-rl", "llama-1-65b"}
    for r in checked:
        assert abs(r["error"]) < 0.02, r
    # e.g. BLOOM: 1,082,990 GPU-h × 400 W = 433.196 MWh, × 0.057 kg/kWh = 24.69 t (disclosed 24.69)
    bloom = {r["figure"]: r for r in rows if r["run"] == "bloom-176b"}
    assert abs(bloom["energy [MWh]"]["modelled"] - 433.196) < 1e-3


def test_same_parameters_and_seed_give_identical_json(rendered, tmp_path):
    again = [c for c in CASES if c.name in ("parity-decode", "training-default")]
    outcomes = render_batch(again, tmp_path, jobs=1, formats=("html",))
    assert all(o.ok for o in outcomes)
    for case in again:
        first = (rendered / case.name / f"{case.notebook}.json").read_bytes()
        assert (tmp_path / case.name / f"{case.notebook}.json").read_bytes() == first


def test_reference_cluster_power_and_chinchilla(rendered):
    data = figures(rendered, next(c for c in CASES if c.name == "procurement-fleet"))
    ref = data["options"]["reference: 100,000 h100-sxm"]
    # 100,000 × (700 W × 0.75 + 431 W) = 95.6 MW IT; × PUE 1.57 (US average) = 150.09 MW at the meter
    # (SemiAnalysis's 100k-H100 cluster: 150 MW of critical IT)
    assert abs(ref["it_power_mw"] - 95.6) < 1e-6 and abs(ref["facility_power_mw"] - 150.092) < 1e-3
    # one year at MFU 0.4: 100,000 × 989.4e12 × 0.4 × 8,760 × 3,600 = 1.2481e27 FLOP;
    # 90 days: 3.0775e26 FLOP -> N = sqrt(3.0775e26 / 120) = 1.6014e12 parameters
    assert abs(ref["training_flop_per_year"] / 1.2481e27 - 1) < 1e-4
    assert abs(ref["compute_optimal_params"] / 1.6014e12 - 1) < 1e-4
    # the H100 is controlled under 2023-10 and bought on the grey market at +50 %: the counts stay fixed
    assert data["options"]["h100-sxm"]["chips"] == 100_000


def test_chinchilla_optimal_parameters():
    from analysis.assembly.procurement import compute_optimal_params
    # C = 1.2e25 FLOP: N = sqrt(1.2e25 / 120) = sqrt(1e23) = 3.1623e11
    assert abs(compute_optimal_params(1.2e25) / 3.1623e11 - 1) < 1e-4


def test_shares_must_match_the_chips_before_any_kernel(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(render.WarmKernel, "ready", lambda self: (_ for _ in ()).throw(AssertionError("kernel")))
    code = main(["render", "procurement", "-p", "chips", "h20,ascend-910c", "-p", "shares", "0.5,0.6",
                 "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "shares" in err[0] and "sums to 1.1" in err[0]
