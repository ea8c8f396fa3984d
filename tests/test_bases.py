"""One basis per question for a chip's capex and power (issue 19, judge call 2): every report records the
same all-in capex and maximum power per chip (one function, inputs.chip_used), and says beside its power and
cost where a chip's power is a system's all-in figure (the Ascend 910C: CloudMatrix 384) while the others'
is TDP × server power ratio."""

import pytest

from analysis.assembly import chip_parity, energy_advantage, procurement, training_run
from analysis.assembly import inputs as shared

FEW = {"draws": 200}


@pytest.fixture(scope="module")
def used():
    return {
        "chip_parity": chip_parity.run(**FEW).inputs.used,
        "energy_advantage": energy_advantage.run(**FEW).inputs.used,
        "training_run": training_run.run(**FEW).inputs.used,
        "procurement": procurement.run(
            chips=["h20", "ascend-910c"], budget_usd=4e9, shares=[0.5, 0.5], **FEW
        ).inputs.used,
    }


def test_every_report_records_one_capex_and_power_per_chip(used):
    # all-in capex per chip: the 910C's system share, $8.2 M / 384 = $21,354 (catalog, rounded), plus the network
    # between supernodes, ÷ (1 − 0.19) = $26,362.96; the
    # H100's server share $270,000 / 8 = $33,750 ÷ (1 − 0.19) = $41,666.67; the A800's chip price $15,000 × 1.64
    # ÷ 0.81 = $30,370.37. Maximum power: the 910C's 559 kW / 384 = 1,455.73 W (system share), the H100's
    # 700 W × 1.82143 = 1,275.00 W (server share)
    expected = {"ascend-910c": 21_354 / 0.81, "h100-sxm": 33_750 / 0.81, "a800-sxm-80gb": 15_000 * 1.64 / 0.81}
    watts = {
        "ascend-910c": (559_000 / 384, "W per chip, system share"),
        "h100-sxm": (700 * 1.82143, "W per chip, server share"),
    }
    for report, u in used.items():
        for chip, value in expected.items():
            if chip in u["chips"]:
                record = u["chips"][chip]["all_in_capex_usd_per_chip"]
                assert (record.value, record.unit) == (
                    pytest.approx(value, rel=1e-9),
                    "USD per chip, all-in, base price",
                ), report
        for chip, (value, unit) in watts.items():
            if chip in u["chips"]:
                record = u["chips"][chip]["max_w_per_chip"]
                assert (record.value, record.unit) == (pytest.approx(value, rel=1e-6), unit), report
    # and every chip two reports share has the same records in both
    for name in ("all_in_capex_usd_per_chip", "max_w_per_chip"):
        seen = {}
        for u in used.values():
            for chip, records in u["chips"].items():
                if name in records:
                    seen.setdefault(chip, set()).add((records[name].value, records[name].unit, records[name].origin))
        assert all(len(v) == 1 for v in seen.values()), name


def test_the_910c_basis_is_said_beside_the_numbers(used):
    # CloudMatrix 384: 559 kW / 384 = 1,455.7 W per 910C, all-in; GB200 NVL72, the one system published on both
    # bases: 1,200 W × 1.8 = 2,160 W by TDP against 145 kW / 72 = 2,013.9 W all-in, 2,160 / 2,013.9 − 1 = 7.3 % above
    for report in ("chip_parity", "energy_advantage", "training_run", "procurement"):
        note = shared.basis_note(used[report])
        assert "Capex is on one basis for every chip" in note, report
        assert "the Ascend 910C's 1,456 W per chip (Huawei CloudMatrix 384: 559 kW / 384)" in note, report
        assert "1,200 W × 1.8 = 2,160 W per chip by TDP, 145 kW / 72 = 2,014 W all-in" in note, report
        assert "the TDP basis is 7.3 % above the all-in one" in note, report
    # a report whose chips are all on the server basis says nothing
    assert shared.basis_note({"chips": {c: used["chip_parity"]["chips"][c] for c in ("h100-sxm", "h20")}}) == ""


def test_each_report_that_sizes_a_cluster_prints_the_note():
    from pathlib import Path

    for notebook in ("chip_parity", "energy_advantage", "procurement", "training_run", "inference_cost"):
        text = (Path(__file__).parents[1] / "notebooks" / f"{notebook}.py").read_text()
        assert "present.say(inputs.basis_note(r.inputs.used))" in text, notebook
