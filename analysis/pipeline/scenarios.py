"""Scenario files (named parameter sets for the report notebooks) and batch rendering.

A scenario file is YAML::

    scenarios:
      - name: deepseek-v3            # lowercase slug; the output folder reports/<name>/
        notebook: training_run       # a notebook of notebooks/
        title: DeepSeek-V3 as disclosed   # optional, shown on the index page
        parameters: {model: deepseek-v3}  # optional overrides of the notebook's defaults

A batch renders every scenario with ``jobs`` workers, each keeping one warm kernel and one
Chromium; a failing scenario is reported and the others go on.
"""
from __future__ import annotations

import html
import queue
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..assembly.params import ParameterError
from .pdf import Browser
from .render import FORMATS, REPORTS_DIR, RenderError, WarmKernel, notebook_path, render


class ScenarioError(ValueError):
    """A scenario file is malformed; the one-line message says where."""


@dataclass(frozen=True)
class Scenario:
    name: str
    notebook: str
    parameters: dict = field(default_factory=dict)
    title: str = ""


@dataclass
class Outcome:
    scenario: Scenario
    ok: bool
    message: str
    seconds: float


def load_scenarios(path: Path | str) -> list[Scenario]:
    """The scenarios of a YAML file, checked for shape, unique names and known notebooks."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read ({err.strerror})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}:{where} is not valid YAML ({getattr(err, 'problem', err)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list) or not data["scenarios"]:
        raise ScenarioError(f"{path}: expected a top-level 'scenarios:' list with at least one entry")
    scenarios, seen = [], set()
    for i, entry in enumerate(data["scenarios"], start=1):
        if not isinstance(entry, dict):
            raise ScenarioError(f"{path}: scenario {i} is not a mapping with name, notebook, parameters")
        unknown = set(entry) - {"name", "notebook", "parameters", "title"}
        if unknown:
            raise ScenarioError(f"{path}: scenario {i} has unknown key(s) {', '.join(sorted(unknown))}; "
                                "allowed: name, notebook, parameters, title")
        name = str(entry.get("name", ""))
        if not re.fullmatch(r"[a-z0-9][a-z0-9\-]*", name):
            raise ScenarioError(f"{path}: scenario {i} name {name!r} must be a lowercase slug (a-z, 0-9, '-')")
        if name in seen:
            raise ScenarioError(f"{path}: duplicate scenario name {name!r}")
        seen.add(name)
        parameters = entry.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ScenarioError(f"{path}: scenario {name!r} parameters must be a mapping")
        try:
            notebook_path(str(entry.get("notebook", "")))
        except ParameterError as err:
            raise ScenarioError(f"{path}: scenario {name!r}: {err}") from None
        scenarios.append(Scenario(name, entry["notebook"], parameters, str(entry.get("title", ""))))
    return scenarios


def render_batch(scenarios: list[Scenario], out_root: Path | str = REPORTS_DIR, jobs: int = 2,
                 formats: tuple[str, ...] = FORMATS, log=None) -> list[Outcome]:
    """Render every scenario into ``out_root/<name>/`` with ``jobs`` parallel workers, printing
    one progress line per scenario to ``log`` (standard error by default). Returns the outcomes
    in scenario order."""
    out_root = Path(out_root)
    log = log or sys.stderr
    workers: queue.Queue = queue.Queue()
    browsers = [Browser() for _ in range(max(1, jobs))] if "pdf" in formats else []
    kernels = [WarmKernel() for _ in range(max(1, jobs))]
    for i, kernel in enumerate(kernels):
        workers.put((kernel, browsers[i] if browsers else None))

    def run(scenario: Scenario) -> Outcome:
        kernel, browser = workers.get()
        start = time.perf_counter()
        try:
            render(scenario.notebook, scenario.parameters, out_root / scenario.name, formats,
                   kernel=kernel, browser=browser)
            return Outcome(scenario, True, "ok", time.perf_counter() - start)
        except (ParameterError, RenderError) as err:
            return Outcome(scenario, False, str(err), time.perf_counter() - start)
        finally:
            workers.put((kernel, browser))

    outcomes: dict[str, Outcome] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(run, s) for s in scenarios]
        for done, future in enumerate(as_completed(futures), start=1):
            outcome = future.result()
            outcomes[outcome.scenario.name] = outcome
            status = "ok" if outcome.ok else f"FAILED: {outcome.message}"
            print(f"[{done}/{len(scenarios)}] {outcome.scenario.name} ({outcome.scenario.notebook}) "
                  f"{outcome.seconds:.1f} s {status}", file=log, flush=True)
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for resource in kernels + browsers:
            resource.close()
    return [outcomes[s.name] for s in scenarios if s.name in outcomes]


def _shown(value) -> str:
    """A parameter value as the index page shows it (lists comma-separated, big numbers grouped)."""
    if isinstance(value, (list, tuple)):
        return ",".join(_shown(v) for v in value)
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e5:
        return f"{value:,.0f}"
    return str(value)


def write_index(outcomes: list[Outcome], out_root: Path | str = REPORTS_DIR) -> Path:
    """``out_root/index.html``: one row per scenario with links to its reports and parameters."""
    out_root = Path(out_root)
    rows = []
    for o in outcomes:
        s = o.scenario
        params = ", ".join(f"{k}={_shown(v)}" for k, v in s.parameters.items()) or "defaults"
        if o.ok:
            links = " · ".join(f'<a href="{s.name}/{s.notebook}.{ext}">{ext.upper()}</a>'
                               for ext in ("html", "pdf", "json")
                               if (out_root / s.name / f"{s.notebook}.{ext}").exists())
        else:
            links = f'<span class="failed">failed: {html.escape(o.message)}</span>'
        rows.append(f"<tr><td>{html.escape(s.title or s.name)}</td><td><code>{s.notebook}</code></td>"
                    f"<td><code>{html.escape(params)}</code></td><td>{links}</td></tr>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>compute-parity reports</title>
<style>body{{font-family:"DejaVu Sans",Arial,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left;vertical-align:top}}
code{{font-size:.85em}}.failed{{color:#b00}}</style></head><body>
<h1>compute-parity reports</h1>
<p>Each report was rendered from <code>reports/scenarios.yaml</code>; its JSON holds the key figures and the
parameters used. Sources: <code>data/SOURCES.md</code>.</p>
<table><tr><th>scenario</th><th>notebook</th><th>parameters</th><th>report</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
    target = out_root / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target
