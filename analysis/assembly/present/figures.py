"""Figures beyond drawing one: a figure several reports draw alike, drawn once per process
(:func:`show_once`), and log axes labelled as matplotlib labels them but in plain text
(:func:`log_scale`, :func:`plain_power`: no math-text parsing).
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
