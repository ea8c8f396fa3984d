"""A plain table's HTML without pandas' Styler template (:func:`styled_markup`): the same text as
``Styler.to_html()`` with the cell ids and classes the report drops anyway (:func:`.output.lean_html`),
in about a fifth of its CPU. Styler's ``to_html`` builds a context of ids, classes and styles per cell
and renders it through Jinja: ≈ 1.8 ms per table, ≈ 0.5 CPU-s over the 286 tables of the 20 default
reports (benchmarks/README.md)."""

from __future__ import annotations

import pandas as pd


def styled_markup(styler) -> str | None:
    """``styler.to_html()`` with no ``id`` or ``class`` on the table and its cells, for a styler
    that only formats (``format``, ``format_index``, ``set_caption``, the index hidden or not) a
    frame with one level of labels on each axis and no axis names: the cells' text from the
    styler's own formatters, called on the values it passes them (``tolist`` of the labels,
    ``itertuples`` of the rows), in the markup of pandas' ``html_table.tpl``. None for any other
    styler (styles, classes, hidden rows or columns, several levels, names, a trimmed or a tuple
    caption): its caller renders it with ``to_html``."""
    if not _plain(styler):
        return None
    data = styler.data
    show_index = not styler.hide_index_[0]
    head = ["<th>&nbsp;</th>"] if show_index else []
    columns = styler._display_funcs_columns
    head += [f"<th>{columns[(0, c)](label)}</th>" for c, label in enumerate(data.columns.tolist())]
    labels, rows = data.index.tolist(), []
    for r, row in enumerate(data.itertuples()):
        cells = [f"<th>{styler._display_funcs_index[(r, 0)](labels[r])}</th>"] if show_index else []
        cells += [f"<td>{styler._display_funcs[(r, c)](value)}</td>" for c, value in enumerate(row[1:])]
        rows.append(_row(cells))
    caption = f"  <caption>{styler.caption}</caption>\n" if styler.caption else ""
    return f"<table>\n{caption}  <thead>\n{_row(head)}  </thead>\n  <tbody>\n{''.join(rows)}  </tbody>\n</table>\n"


def _row(cells: list[str]) -> str:
    """One ``<tr>`` as the template writes it: the row and each cell on a line of its own."""
    return "    <tr>\n" + "".join(f"      {cell}\n" for cell in cells) + "    </tr>\n"


def _plain(styler) -> bool:
    """Whether ``styler`` is one :func:`styled_markup` writes as Styler would: formats only, one
    unnamed level of labels per axis, nothing hidden but the whole index, no trimming."""
    data = styler.data
    styled = (
        styler._todo
        or styler.ctx
        or styler.ctx_index
        or styler.ctx_columns
        or styler.cell_context
        or styler.table_styles
        or styler.table_attributes
        or styler.hidden_rows
        or styler.hidden_columns
        or any(styler.hide_columns_)
    )
    shape = data.index.nlevels == 1 and data.columns.nlevels == 1 and data.index.name is None
    shape = shape and data.columns.name is None and (styler.caption is None or isinstance(styler.caption, str))
    untrimmed = pd.get_option("styler.render.max_rows") is None and pd.get_option("styler.render.max_columns") is None
    untrimmed = untrimmed and data.size <= pd.get_option("styler.render.max_elements")
    return not styled and shape and untrimmed
