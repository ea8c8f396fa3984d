"""Figures beyond drawing one: a figure several reports draw alike, drawn once per process
(:func:`show_once`), log axes labelled as matplotlib labels them but in plain text
(:func:`log_scale`, :func:`plain_power`: no math-text parsing), text measured once per process
and resolution (:func:`share_text_metrics`), the tight box a figure is saved with (:func:`tight_bbox`),
and the size its text prints at (:func:`text_sizes`, :func:`print_scale`).

How large figure text prints: a figure's PNG has ``dpi`` pixels per figure inch and shows one pixel per
CSS pixel (96 to the inch) unless it is wider than the page's text column, which scales it down to the
column's width, :data:`PAGE_WIDTH_IN`. A text of ``s`` points prints at ``s × print_scale(width, dpi)``
points: ``s × min(dpi / 96, PAGE_WIDTH_IN / width)``. The rule every figure follows: its smallest text
prints at :data:`MIN_PRINTED_PT` or more. Figures are drawn :data:`FIGURE_WIDTH_IN` wide with no text
smaller than the theme's (:func:`small_pt`, 10.45 pt: ticks and legends), and :func:`fit_width`
narrows one whose tight box is still wider than ``PAGE_WIDTH_IN × smallest / 9`` (7.9 in) before it
is saved. The layout check of printed reports measures the printed size on the PDF
(:func:`analysis.pipeline.layout.small_figure_text`).
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


#: The width of the printed page's text column that a figure may fill [in]: A4's 210 mm less the
#: report template's @page side margins (2 × 12.7 mm) and a cell's insets (36 pt: the width that
#: Chromium prints a full-width figure at, 0.5 in less than the column, measured with pdfimages).
PAGE_WIDTH_IN = (210 - 2 * 12.7) / 25.4 - 0.5
#: The smallest size figure text may print at [pt].
MIN_PRINTED_PT = 9.0
#: CSS pixels per inch: an image shown at its own size has one pixel per CSS pixel.
CSS_PX_PER_IN = 96
#: The width every report figure is drawn at [in] (``figsize``; its tight box adds about 0.2):
#: with the theme's smallest text (:func:`small_pt`, 10.45 pt) it prints at ≥ 9 pt up to a tight
#: box of PAGE_WIDTH_IN × 10.45 / 9 = 7.9 in.
FIGURE_WIDTH_IN = 7.5


def small_pt() -> float:
    """The theme's smallest text size [pt]: its tick labels' and legends' (10.45); a figure's
    annotations and value labels take it too, never less."""
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties

    # a size in points, or a name ("medium") where the theme is not applied (setup)
    return FontProperties(size=plt.rcParams["xtick.labelsize"]).get_size_in_points()


def print_scale(width_in: float, dpi: float) -> float:
    """Printed inches per figure inch of a figure ``width_in`` wide as saved (its tight box) at
    ``dpi`` pixels per inch: ``min(dpi / 96, PAGE_WIDTH_IN / width_in)`` (shown one pixel per CSS
    pixel, or scaled down to the page's text column, :data:`PAGE_WIDTH_IN`)."""
    return min(dpi / CSS_PX_PER_IN, PAGE_WIDTH_IN / width_in)


def text_sizes(fig) -> list[float]:
    """The font sizes [pt, at the figure's own size] of every text ``fig`` draws, smallest first:
    titles, axis labels, tick labels of the ticks in view, legend entries and titles, annotations
    (visible and not empty). Call it once the figure is laid out (e.g. after :func:`tight_bbox`)."""
    from matplotlib.text import Text

    axes = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)]
    ticks = {t for axis in axes for tick in (*axis.majorTicks, *axis.minorTicks) for t in (tick.label1, tick.label2)}
    # the ticks an axis draws: those in view (matplotlib's own choice when it draws the axis)
    drawn = {t for axis in axes for tick in axis._update_ticks() for t in (tick.label1, tick.label2)}
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return sorted(t.get_fontsize() for t in texts if t not in ticks or t in drawn)


#: How much narrower than the widest allowed :func:`fit_width` makes a figure it narrows [in]: a
#: second layout may widen the tight box a little (a tick label more).
FIT_MARGIN_IN = 0.05
#: The layout a figure's subplots follow (``Figure.subplotpars``): what :func:`fit_width` restores.
SUBPLOT_PARAMS = ("left", "right", "bottom", "top", "wspace", "hspace")


def fit_width(fig, *, tries: int = 4):
    """Narrow ``fig`` until its smallest text prints at :data:`MIN_PRINTED_PT` or more
    (:func:`print_scale`): while its tight box is wider than ``PAGE_WIDTH_IN × smallest /
    MIN_PRINTED_PT`` [in], take the excess (and :data:`FIT_MARGIN_IN`) off its width and lay it out
    again (``tight_layout``: the axes give up the width, the text keeps its size). Where the width is
    set by something that does not narrow with the axes (a title wider than them), or the smallest
    text is too small at any width (below 9 × 96 / dpi pt: a figure narrower than the page prints
    one pixel per CSS pixel), the figure is left as it was drawn (the layout check of printed
    reports names it). Returns the tight box to save it with (:func:`tight_bbox`); a figure that
    fits is not touched."""
    bbox = tight_bbox(fig)
    smallest = min(text_sizes(fig), default=MIN_PRINTED_PT)
    if smallest * fig.dpi / CSS_PX_PER_IN < MIN_PRINTED_PT:  # too small however narrow
        return bbox
    drawn = fig.get_size_inches().copy(), {k: getattr(fig.subplotpars, k) for k in SUBPLOT_PARAMS}
    for _ in range(tries):
        if smallest * print_scale(bbox.width, fig.dpi) >= MIN_PRINTED_PT:
            return bbox
        cut = bbox.width - (PAGE_WIDTH_IN * smallest / MIN_PRINTED_PT - FIT_MARGIN_IN)
        fig.set_size_inches(fig.get_figwidth() - cut, fig.get_figheight())
        fig.tight_layout()
        before, bbox = bbox, tight_bbox(fig)
        if before.width - bbox.width < cut / 2:  # what sets the width does not narrow with the axes
            fig.set_size_inches(drawn[0])
            fig.subplots_adjust(**drawn[1])
            return tight_bbox(fig)
    return bbox
