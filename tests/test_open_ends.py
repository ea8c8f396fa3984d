"""The JSON tells a band end without bound from an unknown one: an open end (+∞: "more than one
job can use", where no single job of a chip matches the reference) is the text "inf", an unknown
(NaN) is null. JSON has no infinity; a bare ``Infinity`` is not JSON, so the text it is, which
``float()`` and pandas read as infinity."""

import csv
import io
import json
import math

import numpy as np
import pandas as pd

from analysis.assembly import present
from analysis.pipeline import compare
from analysis.pipeline.export import key_figures_csv

#: A hand-made report's key figures, as a notebook computes them: one chip whose count has a band
#: open above (its P90 is +∞), one whose figures are unknown (NaN), one below without bound (−∞).
FIGURES = {
    "report": "hand_made",
    "candidates": {
        "h20": {"chip_count": 2_800_700.0, "chip_count_p10": 1_368_800.0, "chip_count_p90": math.inf},
        "mi325x": {"chip_count": np.float64(np.nan), "chip_count_p10": math.nan, "chip_count_p90": math.nan},
    },
    "floor_usd": -math.inf,
}


def test_an_open_band_end_is_inf_and_an_unknown_is_null_in_valid_json():
    plain = present._plain(FIGURES)
    text = json.dumps(plain, allow_nan=False)  # valid JSON: no bare NaN or Infinity
    read = json.loads(text)
    assert read["candidates"]["h20"] == {
        "chip_count": 2_800_700.0,
        "chip_count_p10": 1_368_800.0,
        "chip_count_p90": "inf",
    }
    assert read["candidates"]["mi325x"] == {"chip_count": None, "chip_count_p10": None, "chip_count_p90": None}
    assert read["floor_usd"] == "-inf"
    assert float(read["candidates"]["h20"]["chip_count_p90"]) == math.inf  # a reader's float() reads it back
    assert present._plain(np.float64(np.inf)) == "inf"  # numpy's infinity too


def test_the_key_figures_csv_keeps_an_open_end_as_inf_and_an_unknown_empty():
    rows = {r["figure"]: r for r in csv.DictReader(io.StringIO(key_figures_csv(present._plain(FIGURES))))}
    h20, mi325x = rows["candidates › h20 › chip_count"], rows["candidates › mi325x › chip_count"]
    assert (h20["p10"], h20["p50"], h20["p90"]) == ("1368800.0", "2800700.0", "inf")
    assert (mi325x["p10"], mi325x["p50"], mi325x["p90"]) == ("", "", "")
    assert rows["floor_usd"]["p50"] == "-inf"
    frame = pd.read_csv(io.StringIO(key_figures_csv(present._plain(FIGURES))), index_col="figure")
    assert frame.loc["candidates › h20 › chip_count", "p90"] == math.inf  # pandas reads it as infinity
    assert math.isnan(frame.loc["candidates › mi325x › chip_count", "p90"])


def test_a_comparison_shows_an_open_end_and_computes_no_difference_with_it():
    a = present._plain(FIGURES)
    b = present._plain(FIGURES | {"candidates": {"h20": FIGURES["candidates"]["h20"] | {"chip_count_p90": 3e6}}})
    row = next(r for r in compare.figure_rows(a, b) if r["label"] == "h20 › chip_count")
    assert row["a"]["p90"] == "inf" and row["b"]["p90"] == 3e6 and row["differs"]
    # 2,800,700 and 1,368,800 to 3 significant figures: 2.8 M and 1.37 M; the open end as ∞
    assert compare.band(row["a"]) == "2.8\u00a0M (1.37\u00a0M\u2060–\u2060∞)"
    assert (row["diff"], row["ratio"]) == (0.0, 1.0)  # the P50s are equal; the P90s differ (∞ vs 3 M)
