"""The seaborn theme and the few presentation helpers the report notebooks share: tables with
units and n/a for unknowns, headers, findings and source lists."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from ..catalog import keys_in, load, sources

#: The output type a notebook's key figures travel in; the pipeline writes it to NAME.json.
KEY_FIGURES_MIME = "application/vnd.compute-parity.key-figures+json"

#: One colour per chip family, so a chip looks the same in every figure.
VENDOR_PALETTE = {"NVIDIA": "#76b900", "Huawei": "#c7000b", "AMD": "#ed1c24",
                  "Google": "#4285f4", "Cambricon": "#7b3f98"}


def setup() -> None:
    """Theme for every report: white grid, readable fonts, PNG figures at print resolution."""
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
    plt.rcParams.update({"figure.figsize": (8.0, 4.2), "figure.dpi": 110,
                         "savefig.bbox": "tight", "axes.titleweight": "bold"})
    set_matplotlib_formats("png")
    pd.set_option("display.max_columns", 30)


def header(title: str, parameters: dict, resolved: dict | None = None) -> None:
    """The report title and the parameters it was rendered with; ``resolved`` gives the value
    used where a parameter was left at None (a default taken from the data)."""
    resolved = resolved or {}
    rows = "\n".join(f"| `{k}` | {_text(v, resolved.get(k))} |" for k, v in parameters.items())
    say(f"# {title}\n\n| parameter | value |\n| --- | --- |\n{rows}")


def _text(value, resolved=None) -> str:
    """A parameter value as table text."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if value is None:
        return "None (default)" if resolved is None else f"None → {_text(resolved)}"
    if isinstance(value, float) and value != value:
        return "n/a (not sourced)"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1e5 else f"{value:,.6g}"
    return str(value)


def num(value, spec: str = "{:,.2f}", missing: str = "n/a") -> str:
    """``value`` formatted with ``spec``, or ``missing`` when it is unknown (None or NaN)."""
    return missing if value is None or value != value else spec.format(value)


def say(text: str) -> None:
    """Display Markdown text (findings, computed explanations). ``$`` is always a currency sign
    here (reports load no math renderer), so it is escaped."""
    display(Markdown(text.replace("$", r"\$")))


def table(frame: pd.DataFrame, formats: dict[str, str], caption: str | None = None) -> None:
    """Show the ``formats`` columns of ``frame`` (renamed to their labels, units included) with
    the given format strings; unknown values read ``n/a``. ``formats`` maps column ->
    ``"label|{format}"``."""
    columns = {c: spec.split("|")[0] for c, spec in formats.items()}
    shown = frame[list(formats)].rename(columns=columns)
    shown.index.name = None
    styler = shown.style.format({columns[c]: spec.split("|")[1] for c, spec in formats.items()},
                                na_rep="n/a")
    if caption:
        styler = styler.set_caption(caption)
    display(styler)


def chip_colors(chip_ids) -> dict[str, str]:
    """A colour per chip from its vendor (fallback grey)."""
    vendors = load("chips")["vendor"]
    return {c: VENDOR_PALETTE.get(vendors.get(c, ""), "#888888") for c in chip_ids}


def chip_bars(ax, values: pd.Series, missing: str = "n/a") -> None:
    """Horizontal bars of ``values`` by chip id in vendor colours; an unknown value is drawn as
    the word ``missing`` at zero instead of a bar."""
    colors = chip_colors(values.index)
    ax.barh(values.index, values.fillna(0), color=[colors[c] for c in values.index])
    for y, value in enumerate(values):
        if value != value:
            ax.text(0, y, f" {missing}", va="center", fontsize=8, color="#555")


def finish(ax, title: str, xlabel: str, ylabel: str) -> None:
    """Title and axis labels (with units), then show and close the figure."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    plt.tight_layout()
    plt.show()
    plt.close("all")


def source_list(chip_ids=(), regions=(), runs=(), extra_keys=()) -> None:
    """The sources behind the chips, regions and runs a report used, plus model defaults."""
    keys = []
    for name, ids in (("chips", chip_ids), ("regions", regions), ("training_runs", runs)):
        if len(ids):
            keys += keys_in(load(name).loc[list(ids)])
    keys = list(dict.fromkeys(keys + list(extra_keys)))
    found = sources().reindex(keys).dropna(how="all")
    lines = [f"- `{key}`: {row['source']} — {row['url']}" for key, row in found.iterrows()]
    say("<div class='sources'>\n\n" + "\n".join(lines) + "\n\n</div>\n\nWhat was taken from "
        "each source, and the notes on disputed figures, are in `data/SOURCES.md` and the "
        "`note` column of each CSV.")


def _plain(value):
    """A JSON-ready copy: numpy scalars as Python numbers, NaN and inf as None, keys as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit_key_figures(parameters: dict, **figures) -> None:
    """Called by a notebook's last cell: publish its parameters and key figures as an output
    that the render pipeline writes to ``NAME.json`` (invisible in HTML and PDF)."""
    from IPython.display import display

    display({KEY_FIGURES_MIME: _plain({"parameters": parameters, **figures})}, raw=True)
