"""Figures beyond drawing one: a figure several reports draw alike, drawn once per process
(:func:`show_once`), log axes labelled as matplotlib labels them but in plain text
(:func:`log_scale`, :func:`plain_power`: no math-text parsing), text measured once per process
and resolution (:func:`share_text_metrics`), and the tight box a figure is saved with (:func:`tight_bbox`).
"""

from __future__ import annotations

import re

#: What :func:`show_once` displayed, by key, oldest first; at most :data:`SHOWN_KEPT` kept.
_SHOWN: dict = {}
SHOWN_KEPT = 16


def show_once(key, draw) -> None:
    """Display what ``draw()`` displays (a figure through :func:`show` or :func:`finish`), drawn
    once per process and ``key``: a later call with an equal ``key`` displays the same outputs
    again, byte for byte, without drawing (IPython's captured outputs), as a warm kernel's later
    report with the same figure does. ``key`` (hashable) must hold everything the figure depends
    on besides the theme (:func:`setup`): a name for the figure, the data's digest
    (:func:`analysis.catalog.data_digest`) and the plotted numbers (e.g. as bytes)."""
    from IPython.utils.capture import capture_output

    shown = _SHOWN.pop(key, None)
    if shown is None:
        with capture_output() as shown:
            draw()
    if shown.outputs:  # kept only what was captured (a test may display elsewhere)
        _SHOWN[key] = shown
        while len(_SHOWN) > SHOWN_KEPT:
            _SHOWN.pop(next(iter(_SHOWN)))
    shown.show()


#: Superscript digits and minus: a power in plain text (``10³``, ``10⁻²``).
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
#: A label of matplotlib's log formatter in math text: ``$\mathdefault{10^{3}}$``, ``$\mathdefault{2\times10^{-1}}$``.
MATH_POWER = re.compile(r"\$\\mathdefault\{(?:(\d+)\\times)?(\d+)\^\{(-?\d+)\}\}\$")


def plain_power(label: str) -> str:
    r"""A log-axis label of matplotlib's ``LogFormatterSciNotation`` (math text) in plain text with
    superscript digits, which reads the same and draws without the math-text parser:
    ``$\mathdefault{10^{3}}$`` → ``10³``, ``$\mathdefault{2\times10^{-1}}$`` → ``2×10⁻¹``; any other
    label unchanged."""
    match = MATH_POWER.fullmatch(label)
    if not match:
        return label
    factor, base, exponent = match.groups()
    return (f"{factor}×" if factor else "") + base + exponent.translate(SUPERSCRIPT)


def log_scale(ax, axis: str = "y", *, base: float = 10) -> None:
    """Put ``axis`` (``"x"`` or ``"y"``) of ``ax`` on a log scale of ``base``, its ticks labelled
    as matplotlib labels them (``10³``, ``2×10⁴`` where a minor tick is labelled) but in plain text
    (:func:`plain_power`): math-text labels cost ≈ 10 ms a figure to parse and draw."""
    from matplotlib.ticker import LogFormatterSciNotation

    class PlainLogFormatter(LogFormatterSciNotation):
        def __call__(self, x, pos=None):
            return plain_power(super().__call__(x, pos))

    getattr(ax, f"set_{axis}scale")("log", base=base)
    scaled = getattr(ax, f"{axis}axis")
    scaled.set_major_formatter(PlainLogFormatter(base))
    scaled.set_minor_formatter(PlainLogFormatter(base, labelOnlyBase=False))


def share_text_metrics() -> bool:
    """Measure each text once per process and resolution, not once per renderer: matplotlib keeps
    the size of every text it measured (``matplotlib.text._get_text_metrics_function``) per
    renderer, and a figure gets a new Agg renderer for its layout and another for ``savefig``
    with a tight box (a new size), so every label was measured with FreeType two or three times
    per figure, and again in every figure. An Agg renderer's text size depends on the text, its
    font properties and the renderer's dpi only (``RendererAgg.get_text_width_height_descent``),
    so every Agg renderer of one dpi shares the cache of one 1×1 renderer of that dpi: the same
    sizes, the same pixels; 20 default reports' kernels ≈ 8 % less CPU (benchmarks/README.md).
    Other renderers (PDF, SVG) keep theirs. Installed once per process; returns whether it is
    (False where matplotlib has no such cache)."""
    import matplotlib.text as mtext
    from matplotlib.backends.backend_agg import RendererAgg

    per_renderer = getattr(mtext, "_get_text_metrics_function", None)
    if per_renderer is None:
        return False
    if getattr(per_renderer, "shared", False):
        return True
    by_dpi: dict = {}

    def per_dpi(renderer):
        if type(renderer) is not RendererAgg:
            return per_renderer(renderer)
        if renderer.dpi not in by_dpi:
            by_dpi[renderer.dpi] = RendererAgg(1, 1, renderer.dpi)
        return per_renderer(by_dpi[renderer.dpi])

    per_dpi.shared, per_dpi.per_renderer = True, per_renderer
    mtext._get_text_metrics_function = per_dpi
    return True


def tight_bbox(fig):
    """The figure's tight bounding box [inches], padded by ``savefig.pad_inches``: what
    ``savefig(bbox_inches="tight")`` crops to, measured here so that ``savefig`` draws the figure
    once (with "tight", or with the placeholder layout engine ``tight_layout()`` leaves behind, it
    first draws the whole figure without output, to measure it: a third of its time). The PNG is
    the same, byte for byte."""
    import matplotlib.pyplot as plt
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):  # lays nothing out
        fig.set_layout_engine(None)
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
