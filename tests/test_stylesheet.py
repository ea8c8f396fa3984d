"""The report template's stylesheet: the rules of JupyterLab's that a report can use (issue 24)."""

from __future__ import annotations

import nbformat

from analysis.pipeline import export, fingerprint, stylesheet

LAB = """/* a comment { with a brace } */
:root {
  --jp-used: var(--md-a);
  --jp-unused: red;
  --jp-icon: url(data:image/svg+xml;base64,AAA=);
  --md-a: #111;
  --md-b: #222;
}
.jp-Kept, .jp-Widget { color: var(--jp-used); content: "}"; }
.jp-Widget .jp-Kept { color: blue; }
.jp-Kept:hover { color: green; }
.jp-Kept:not(.jp-Widget) { margin: 0; }
table { border: 0; }
@media print {
  .jp-Widget { display: none; }
  .jp-Kept { animation: spin 1s; }
}
@media screen { .jp-Widget { display: block; } }
@keyframes spin { to { opacity: 0; } }
@keyframes unused { to { opacity: 1; } }
"""


def test_only_rules_whose_classes_a_report_can_carry_are_kept():
    """By hand, with the classes {jp-Kept}: ``.jp-Kept, .jp-Widget`` stays (one selector is all
    kept classes), ``.jp-Widget .jp-Kept`` goes (jp-Widget is not), ``:hover`` and ``:not(…)``
    stay, the element rule stays, ``@media print`` keeps one of its two rules, ``@media screen``
    goes (none kept), ``@keyframes spin`` stays (a kept rule names it), ``unused`` goes; of the
    custom properties ``--jp-used`` stays (read by a kept rule) and ``--md-a`` with it (read by
    ``--jp-used``), ``--md-b`` stays because the theme (``also_read``) reads it, the other two go
    (the icon's ``;`` inside ``url(…)`` does not split its declaration)."""
    css = stylesheet.used(LAB, {"jp-Kept"}, also_read="--jp-theme: var(--md-b);")
    body = css[len(stylesheet.HEADER) :]
    assert body == (
        ":root {\n  --jp-used: var(--md-a);\n  --md-a: #111;\n  --md-b: #222;\n}\n"
        '.jp-Kept, .jp-Widget { color: var(--jp-used); content: "}"; }\n'
        ".jp-Kept:hover { color: green; }\n"
        ".jp-Kept:not(.jp-Widget) { margin: 0; }\n"
        "table { border: 0; }\n"
        "@media print {\n.jp-Kept { animation: spin 1s; }\n}\n"
        "@keyframes spin { to { opacity: 0; } }\n"
    )


def test_the_committed_stylesheet_is_what_the_installed_nbconvert_makes():
    """``templates/report/static/lab-used.css`` is remade from the installed nbconvert's lab
    stylesheet and the templates; after an nbconvert upgrade or a template change this fails
    until ``python -m analysis.pipeline.stylesheet`` is run again. Of 240 kB, under 20 kB stay."""
    made = stylesheet.make()
    assert stylesheet.USED_CSS.read_text(encoding="utf-8") == made, "run: python -m analysis.pipeline.stylesheet"
    lab = (stylesheet.lab_template_dir() / "lab" / "static" / "index.css").read_text(encoding="utf-8")
    assert len(lab) > 200_000 and len(made) < 20_000
    assert stylesheet.USED_CSS in fingerprint._files(fingerprint.SOURCE_DIR)  # a change re-renders reports


def test_a_report_page_carries_the_used_rules_not_jupyterlabs_whole_stylesheet():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title\n\n| a |\n|---|\n| 1 |")])
    page = export.to_html(notebook)
    assert stylesheet.USED_CSS.read_text(encoding="utf-8") in page
    assert "--jp-icon-add" not in page and ".jp-RenderedHTMLCommon table" in page and "<h1" in page
