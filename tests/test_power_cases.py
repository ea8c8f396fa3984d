"""System power validation cases from vendors' own documents (issue 19: "≥ 4 system powers ... all
from primary sources").

Inclusion rule, fixed on 2026-12-07 before any new case's error was computed (also in CHANGELOG.md):
every server of 8 or more accelerators, or rack, that the vendor of a chip with a row in
data/chips.csv sells or specifies (its accelerators the catalog row's module), whose maximum system
power is stated in that vendor's own datasheet, user guide or reference architecture (graded primary),
whose power did not set that chip's server power ratio (data/server_power_ratios.csv: DGX H100,
DGX A100, DGX-2, DGX Station) and that is not already a case. A system whose chip has no catalog row
does not qualify (no chip is added for a case). Every system that qualifies is a validation case
exercising the server power ratio, whatever its error.

Looked for: NVIDIA DGX-1 (V100), DGX A800, DGX H800, DGX B300, DGX GB200 NVL72 and GB300 NVL72,
HGX H100/H200/B200/B300 reference designs; Huawei Atlas 800 (model 9000, Ascend 910), Atlas 800T A2
and 800I A2 (910B), Atlas 900 PoD and A2 PoD, Atlas 900 A3 SuperPoD (910C); AMD Instinct MI300X and
MI325X platforms; Intel Gaudi 3 HLS; Google TPU pods; AWS Trn1/Trn2 servers; Cambricon MLU370-X8
servers. Found and added: the rack of four DGX B300 of NVIDIA's DGX SuperPOD B300 reference
architecture (~56 kW). Found and not qualifying: the GB300 NVL72 (NVIDIA's enterprise reference
architecture: "Full rack requiring up to 142 kW"), whose GPU has no catalog row (the b300 row is the
HGX B300 module at 1,100 W). Not found in a vendor's own document that could be read here: the rest.

Looked for again on 2026-12-07 (a second search, for a fourth case on a primary source, in the stored
documentation and web pages): a DGX-2 / DGX-2H user guide with the DGX-2H's power, the DGX B300 User
Guide's power specification, a DGX SuperPOD data-centre design guide for DGX GB200, NVIDIA DPS's device
registry (it ships only the GB200 compute tray, 6,667 W, case gb200-nvl72-power), Huawei's Atlas 800T A2
specification, the DGX-1 (V100) datasheet and NVIDIA's DGX POD data-centre reference design of 2018 (its
stored copy holds only its opening pages). Found: the busbar
edition of the DGX SuperPOD B300 reference architecture ("The rack-level power consumption per rack
exceeds 50 kW" for four DGX B300), a lower bound for the system of case dgx-b300-rack-power, not a new
system; the DGX B200 User Guide (case dgx-b200-power). No further system qualifies: no case is added.

Looked for a third time on 2026-12-07 (session 15, the stored documentation, web pages and public
code): the DGX-1 (V100) in NVIDIA's own words (its archived user guide, its datasheet and the white
paper "NVIDIA DGX-1 With Tesla V100 System Architecture"), the DGX-2 / DGX-2H user guide, the DGX B300
User Guide, the rest of the 2018 DGX POD data-centre reference design, NVIDIA's HGX AI Factory reference
architectures (H100/H200/B200 and B300), Huawei's Atlas 800 (model 9000), Atlas 800T A2 and Atlas 900
PoD specifications (hiascend.com, support.huawei.com), AMD Instinct MI300X platform documents, and the
DGX Station A100 (which the rule excludes: four GPUs). None could be read here: the DGX-1's power is
found only in reproductions by others (a vendor blog's table, a third party's notes citing the white
paper), the HGX reference architectures' stored pages give no node power, and the Huawei and AMD pages
stored are software or card documents. No system qualifies: no case is added.
"""

import pytest

from analysis.assembly import validation_cases as cases
from analysis.catalog import load, sources

CASES = load("validation_cases")
SOURCES = sources()
CHIPS = load("chips")
#: The system power cases added under the rule above (one so far).
ADDED = ["dgx-b300-rack-power"]


@pytest.mark.parametrize("case_id", ADDED)
def test_a_case_added_under_the_rule_meets_it(case_id):
    case = CASES.loc[case_id]
    setup = cases.parse_setup(case["setup"])
    assert (case["quantity"], case["role"], case["exercised_defaults"]) == (
        "system power",
        "validation",
        "server_power_ratio",
    )
    assert SOURCES.at[case["source"].split(";")[0].strip(), "grade"] == "primary"
    # its chip has a catalog row, and the case's system is not one behind that chip's server power ratio (the rule
    # excludes the systems that set a ratio, not every chip that has one)
    assert setup["chip"] in CHIPS.index
    ratios = load("server_power_ratios")
    system = case["name"].split(" power")[0].replace(" rack", "")  # "DGX B300 rack power: …" -> "DGX B300"
    behind = ratios.at[setup["chip"], "systems"] if setup["chip"] in ratios.index else ""
    assert system not in behind
    assert float(setup["chip_count"]) >= 8


def test_the_dgx_b300_rack_reads_its_value_from_nvidias_reference_architecture():
    taken = SOURCES.at["nvidia-superpod-b300-xdr-ra", "what was taken"]
    assert "four DGX B300 fit within a single rack" in taken
    assert "The rack-level power consumption per rack is ~56kW" in taken
    # 4 DGX B300 x 8 GPUs = 32 B300 in the rack; 56 kW measured
    assert cases.parse_setup(CASES.at["dgx-b300-rack-power", "setup"]) == {"chip": "b300", "chip_count": 32}
    assert CASES.at["dgx-b300-rack-power", "measured"] == 56


def test_the_dgx_b300_rack_is_modelled_with_the_general_ratio():
    # the B300 has no ratio of its own, so 1.8 (Epoch AI): 32 x 1,100 W x 1.8 = 63,360 W = 63.36 kW at full load;
    # error (63.36 - 56) / 56 = +13.14 %
    modelled = cases.modelled_case(CASES.loc["dgx-b300-rack-power"])
    assert modelled.value == pytest.approx(32 * 1_100 * 1.8 / 1_000)
    assert modelled.value / 56 - 1 == pytest.approx(0.1314, abs=5e-5)


def test_a_system_whose_chip_has_no_catalog_row_does_not_qualify():
    # GB300 NVL72: 72 Blackwell Ultra GPUs at up to 1,400 W each in the rack; the catalog's b300 row is the
    # HGX B300 module (1,100 W) and there is no GB300 row, so its 142 kW is no case
    assert "gb300" not in CHIPS.index
    assert "HGX B300" in CHIPS.at["b300", "name"]
    assert not CASES["setup"].str.contains("gb300").any()
