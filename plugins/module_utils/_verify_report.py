# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judge measured models against the design's per-size bands and render the verify report.

Input: the smoke checks, the performance results (``_verify_perf.measure_model`` per model),
the bands (data from the inventory: parameter range, first token, tokens/s, users per size)
and, when there is one, the capacity plan of the hosts (what ``capacity_plan`` returned, as
the preflight report's JSON holds it). The plan says why a figure is what it is: a model
split between CPU and GPU runs at CPU speed, a model beyond the parallel slots queues.

One row model (``judge``) feeds Markdown, a self-contained HTML page with inline SVG charts
and JSON; the charts and tables reuse the capacity report's helpers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._report_charts import (
    COLORS,
    MODEL_PALETTE,
    hbar_chart,
    svg_frame,
    svg_markers,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._report_files import write_reports
from ansible_collections.aistack.baremetal.plugins.module_utils._report_tables import CSS, Cell, html_table, md_table

BAND_KEYS = ("params_b", "first_token_s", "tokens_per_s", "users")
FILE_NAMES = {"markdown": "verify.md", "html": "verify.html", "json": "verify.json"}
# A first request slower to load than this did not find its model loaded.
COLD_LOAD_S = 1.0
MET, NOT_MET, NOT_MEASURED = "met", "not met", "not measured"


class VerifyReportError(ValueError):
    """Input that cannot be judged; the message names the parameter path."""


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def _pair(value: Any, path: str) -> tuple[float, float | None]:
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or len(value) != 2:
        raise VerifyReportError(f"{path} must be a list [low, high] (high may be null for no upper bound)")
    low, high = value
    if isinstance(low, bool) or not isinstance(low, (int, float)):
        raise VerifyReportError(f"{path}[0] must be a number, got {low!r}")
    if high is not None and (isinstance(high, bool) or not isinstance(high, (int, float)) or high < low):
        raise VerifyReportError(f"{path}[1] must be null or a number not below {low}, got {high!r}")
    return float(low), (None if high is None else float(high))


def check_bands(bands: Any, name: str = "bands") -> dict[str, dict[str, Any]]:
    """Each band as {label, params_b, first_token_s, tokens_per_s, users} of (low, high) pairs."""
    if not isinstance(bands, Mapping) or not bands:
        raise VerifyReportError(f"{name} must be a non-empty mapping of size name -> band")
    out: dict[str, dict[str, Any]] = {}
    for key, band in bands.items():
        path = f"{name}.{key}"
        if not isinstance(band, Mapping):
            raise VerifyReportError(f"{path} must be a mapping with {', '.join(BAND_KEYS)}")
        unknown = sorted(set(band) - set(BAND_KEYS) - {"label"})
        if unknown:
            raise VerifyReportError(f"{path} has unknown keys {unknown}; allowed: label, {', '.join(BAND_KEYS)}")
        missing = [k for k in BAND_KEYS if k not in band]
        if missing:
            raise VerifyReportError(f"{path} lacks {', '.join(missing)}")
        out[str(key)] = {"label": str(band.get("label") or key)}
        out[str(key)].update({k: _pair(band[k], f"{path}.{k}") for k in BAND_KEYS})
    return out


def parameters_b(text: Any) -> float | None:
    """Billions of parameters from Ollama's ``parameter_size`` ("7.6B", "137M"), None when unknown."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([KMBT])\s*", str(text or ""), re.IGNORECASE)
    if not match:
        return None
    scale = {"K": 1e-6, "M": 1e-3, "B": 1.0, "T": 1e3}[match.group(2).upper()]
    return float(match.group(1)) * scale


def band_of(params_b: float | None, bands: Mapping[str, Mapping[str, Any]]) -> str | None:
    if params_b is None:
        return None
    for name, band in bands.items():
        low, high = band["params_b"]
        if params_b >= low and (high is None or params_b < high):
            return name
    return None


def plan_entry(plans: Sequence[Mapping[str, Any]], instance: str, model: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The capacity plan's row of a model and its instance's settings (empty when not planned)."""
    for plan in plans or []:
        inst = (plan.get("models") or {}).get(instance)
        if not isinstance(inst, Mapping):
            continue
        for row in inst.get("models") or []:
            if row.get("name") == model:
                return dict(row), dict(inst.get("settings") or {})
    return {}, {}


# ---------------------------------------------------------------------------
# Judging: the row model
# ---------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 2, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}{unit}"


def _range(pair: Sequence[Any], unit: str) -> str:
    low, high = pair
    return f"{low:g}+ {unit}".strip() if high is None else f"{low:g}-{high:g} {unit}".strip()


def _why(result: Mapping[str, Any], row: Mapping[str, Any], settings: Mapping[str, Any]) -> list[str]:
    """Why the figures are what they are, from the plan and the measurement."""
    reasons = []
    processor = str(row.get("processor") or "")
    if "CPU/GPU" in processor:
        reasons.append(
            f"split {processor.replace(' CPU/GPU', '')} CPU/GPU ({row.get('gpu_layers')}/{row.get('layers_total')} "
            "layers on the GPU): expect CPU speed"
        )
    elif processor == "100% CPU":
        reasons.append("100% CPU in the plan (no layer on a GPU): expect CPU speed")
    elif not row:
        reasons.append("not in the capacity plan: no placement to explain the figures")
    load = result.get("first_load_duration")
    if isinstance(load, (int, float)) and load > COLD_LOAD_S:
        reasons.append(
            f"the first request loaded the model ({load:.1f} s): it was not loaded (tier {result.get('tier')})"
        )
    conc = result.get("concurrent")
    slots = (conc or {}).get("num_parallel") or settings.get("num_parallel")
    if conc:
        users = conc["requests"]
        if conc["queued"]:
            reasons.append(
                f"{conc['queued']} of {users} concurrent requests waited for a slot"
                + (f" (OLLAMA_NUM_PARALLEL={slots})" if slots else "")
            )
        if slots and conc["ran_at_once"] < min(users, slots) and conc["ok"] == users:
            reasons.append(f"only {conc['ran_at_once']} requests ran at once although OLLAMA_NUM_PARALLEL={slots}")
        if conc["errors"]:
            reasons.append(f"{conc['errors']} of {users} concurrent requests failed: {conc['error_messages'][0]}")
    single = result.get("single") or {}
    if single.get("errors"):
        reasons.append(f"{single['errors']} single requests failed: {single['error_messages'][0]}")
    return reasons


def judge_model(
    result: Mapping[str, Any],
    bands: Mapping[str, Mapping[str, Any]],
    plans: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """One measured model against its band: the checks, the verdict and why."""
    instance = str(result.get("instance") or "")
    row, settings = plan_entry(plans, instance, str(result["model"]))
    params = row["parameters"] / 1e9 if row.get("parameters") else parameters_b(result.get("parameter_size"))
    band_name = band_of(params, bands)
    single = result.get("single") or {}
    conc = result.get("concurrent")
    ttft = (single.get("ttft") or {}).get("p50")
    rate = (single.get("tokens_per_s") or {}).get("p50")
    checks: list[dict[str, Any]] = []
    if band_name is not None:
        band = bands[band_name]
        ft_high = band["first_token_s"][1]
        checks.append(
            {
                "name": "first token",
                "value": ttft,
                "shown": _fmt(ttft, 2, " s"),
                "target": f"<= {ft_high:g} s" if ft_high is not None else "any",
                "met": None if ttft is None else (ft_high is None or ttft <= ft_high),
            }
        )
        rate_low = band["tokens_per_s"][0]
        checks.append(
            {
                "name": "tokens/s",
                "value": rate,
                "shown": _fmt(rate, 1),
                "target": f">= {rate_low:g}",
                "met": None if rate is None else rate >= rate_low,
            }
        )
        if conc:
            p95 = conc["ttft"]["p95"]
            checks.append(
                {
                    "name": "users",
                    "value": p95,
                    "shown": f"{conc['requests']} at once: first token p95 {_fmt(p95, 2, ' s')}, "
                    f"{conc['errors']} errors, {conc['queued']} queued",
                    "target": f"{_range(band['users'], 'users')}, no error, p95 first token "
                    + (f"<= {ft_high:g} s" if ft_high is not None else "any"),
                    "met": conc["errors"] == 0 and p95 is not None and (ft_high is None or p95 <= ft_high),
                }
            )
    states = [c["met"] for c in checks]
    if band_name is None or not checks or all(s is None for s in states):
        verdict = NOT_MEASURED
    elif any(s is False for s in states) or any(s is None for s in states):
        verdict = NOT_MET
    else:
        verdict = MET
    why = _why(result, row, settings)
    if band_name is None:
        why.insert(0, "size unknown (not in the plan, no parameter_size): no band to judge against")
    return {
        "instance": instance,
        "model": str(result["model"]),
        "tier": result.get("tier"),
        "band": band_name,
        "parameters_b": params,
        "processor": row.get("processor") or "-",
        "checks": checks,
        "verdict": verdict,
        "why": why,
        "single": single,
        "concurrent": conc,
        "first_load_duration": result.get("first_load_duration"),
        "notes": list(result.get("notes") or []),
    }


def from_loop(result: Mapping[str, Any]) -> dict[str, Any]:
    """A measurement from an ollama_perf loop result (item ``{instance, model, tier}``); a failed or
    unmeasured one becomes a model with no figures and the failure as its note."""
    item = result.get("item") or {}
    if result.get("measured") and isinstance(result.get("perf"), Mapping):
        out = dict(result["perf"])
    else:
        out = {
            "model": item.get("model"),
            "single": {},
            "concurrent": None,
            "notes": [str(result.get("msg") or "not measured")],
        }
    out.update(instance=item.get("instance"), tier=item.get("tier"))
    out.setdefault("model", item.get("model"))
    return out


def judge(
    results: Sequence[Mapping[str, Any]],
    bands: Any,
    plans: Sequence[Mapping[str, Any]] = (),
    smoke: Sequence[Mapping[str, Any]] = (),
    inventory: str = "",
    bands_name: str = "bands",
) -> dict[str, Any]:
    """The whole report as data: smoke checks, each model judged, each band's verdict."""
    checked = check_bands(bands, bands_name)
    results = [from_loop(r) if isinstance(r, Mapping) and "item" in r else r for r in results]
    for index, result in enumerate(results):
        if not isinstance(result, Mapping) or "model" not in result:
            raise VerifyReportError(f"results[{index}] must be a measurement of a model (ollama_perf's result)")
    for index, item in enumerate(smoke):
        if not isinstance(item, Mapping) or "check" not in item or "ok" not in item:
            raise VerifyReportError(f"smoke[{index}] must be a mapping with check, ok (and target, detail)")
    models = [judge_model(r, checked, plans) for r in results]
    tiers = {}
    for name, band in checked.items():
        members = [m for m in models if m["band"] == name]
        verdicts = {m["verdict"] for m in members}
        if not members or verdicts == {NOT_MEASURED}:
            verdict = NOT_MEASURED
        elif verdicts == {MET}:
            verdict = MET
        else:
            verdict = NOT_MET
        tiers[name] = {"band": band, "verdict": verdict, "models": [m["model"] for m in members]}
    smoke_list = [dict(item) for item in smoke]
    return {
        "inventory": inventory,
        "bands": checked,
        "smoke": smoke_list,
        "smoke_failed": sum(1 for s in smoke_list if not s["ok"]),
        "models": models,
        "tiers": tiers,
        "unbanded": [m["model"] for m in models if m["band"] is None],
        "met": all(s["ok"] for s in smoke_list) and all(m["verdict"] != NOT_MET for m in models),
    }


# ---------------------------------------------------------------------------
# Rows shared by Markdown and HTML
# ---------------------------------------------------------------------------

SMOKE_HEAD = ("check", "target", "result", "detail")
BAND_HEAD = ("size", "parameters", "first token", "tokens/s", "users", "verdict", "models")
MODEL_HEAD = (
    "model",
    "instance",
    "processor",
    "first token p50",
    "tok/s p50",
    "prompt tok/s",
    "load",
    "users",
    "verdict",
)


def _smoke_rows(report: Mapping[str, Any]) -> list[list[Cell]]:
    return [
        [
            (str(s["check"]), False),
            (str(s.get("target") or ""), False),
            ("ok" if s["ok"] else "FAILED", not s["ok"]),
            (str(s.get("detail") or ""), not s["ok"]),
        ]
        for s in report["smoke"]
    ]


def _band_rows(report: Mapping[str, Any]) -> list[list[Cell]]:
    rows = []
    for tier in report["tiers"].values():
        band = tier["band"]
        rows.append(
            [
                (band["label"], False),
                (_range(band["params_b"], "B"), False),
                (_range(band["first_token_s"], "s"), False),
                (_range(band["tokens_per_s"], ""), False),
                (_range(band["users"], ""), False),
                (tier["verdict"], tier["verdict"] == NOT_MET),
                (", ".join(tier["models"]) or "-", False),
            ]
        )
    return rows


def _model_rows(report: Mapping[str, Any]) -> list[list[Cell]]:
    rows = []
    for m in report["models"]:
        checks = {c["name"]: c for c in m["checks"]}

        def cell(name: str, m: Mapping[str, Any] = m, checks: Mapping[str, Any] = checks) -> Cell:
            c = checks.get(name)
            return (f"{c['shown']} ({c['target']})", c["met"] is False) if c else ("-", False)

        single = m["single"] or {}
        rows.append(
            [
                (m["model"], False),
                (m["instance"], False),
                (m["processor"], False),
                cell("first token"),
                cell("tokens/s"),
                (_fmt((single.get("prompt_per_s") or {}).get("p50"), 0), False),
                (_fmt(m["first_load_duration"], 2, " s"), False),
                cell("users"),
                (m["verdict"], m["verdict"] == NOT_MET),
            ]
        )
    return rows


def _summary_line(report: Mapping[str, Any]) -> str:
    smoke = report["smoke"]
    tiers = ", ".join(f"{t['band']['label']} {t['verdict']}" for t in report["tiers"].values())
    return (
        f"Smoke: {len(smoke) - report['smoke_failed']}/{len(smoke)} passed. "
        f"Performance against the design: {tiers}. Overall: {'met' if report['met'] else 'NOT met'}."
    )


def render_markdown(report: Mapping[str, Any]) -> str:
    out = [f"# Verify: {report['inventory'] or 'stack'}", "", f"**{_summary_line(report)}**", ""]
    out += ["## Smoke", ""]
    out += md_table(SMOKE_HEAD, _smoke_rows(report)) if report["smoke"] else ["Not run."]
    out += ["", "## Performance by model size (design bands)", "", *md_table(BAND_HEAD, _band_rows(report)), ""]
    if report["models"]:
        out += ["## Models", "", *md_table(MODEL_HEAD, _model_rows(report)), ""]
        for m in report["models"]:
            reasons = m["why"] + m["notes"]
            if reasons:
                out.append(f"- **{m['model']}** ({m['instance']}, {m['verdict']}): " + "; ".join(reasons) + ".")
        out.append("")
    else:
        out += ["No model measured (performance pass skipped or no hot model).", ""]
    if report["unbanded"]:
        out += [f"Not judged (size unknown): {', '.join(report['unbanded'])}.", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# HTML charts
# ---------------------------------------------------------------------------


def strip_chart(
    title: str,
    rows: Sequence[tuple[str, Sequence[float], str]],
    lines: Sequence[tuple[float, str, str]] = (),
    unit: str = "s",
    width: int = 1100,
) -> str:
    """One dot per request on a time axis, a row per model: the distribution of its latencies."""
    label_w, right_pad, row_h, top = 230, 60, 26, 50
    axis_y = top + len(rows) * row_h
    height = axis_y + 30
    plot_w = width - label_w - right_pad
    scale_max = max([v for _l, values, _c in rows for v in values] + [line[0] for line in lines] + [1e-9]) * 1.05

    def x(value: float) -> float:
        return label_w + plot_w * value / scale_max

    parts = svg_frame(title, width, height, label_w, top, axis_y, scale_max, unit, x, lambda tick: f"{tick:g}")
    for index, (label, values, color) in enumerate(rows):
        y = top + index * row_h + row_h / 2
        parts.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" class="label" text-anchor="end">{escape(label)}</text>')
        for value in values:
            parts.append(
                f'<circle cx="{x(value):.1f}" cy="{y:.1f}" r="5" fill="{color}" fill-opacity="0.6">'
                f"<title>{escape(label)}: {value:.3f} {escape(unit)}</title></circle>"
            )
    parts.extend(svg_markers(lines, x, width - right_pad, top, axis_y))
    parts.append("</svg>")
    return "".join(parts)


def _tier_charts(name: str, tier: Mapping[str, Any], models: Sequence[Mapping[str, Any]]) -> list[str]:
    band = tier["band"]
    members = [m for m in models if m["band"] == name]
    if not members:
        return []
    charts = []
    rate_rows = []
    for index, m in enumerate(members):
        rate = ((m["single"] or {}).get("tokens_per_s") or {}).get("p50") or 0.0
        rate_check = next((c for c in m["checks"] if c["name"] == "tokens/s"), None)
        below = rate_check is not None and rate_check["met"] is False
        color = COLORS["over"] if below else MODEL_PALETTE[index % len(MODEL_PALETTE)]
        rate_rows.append((f"{m['model']} ({m['instance']})", [(float(rate), color, f"{m['model']}: {rate:.1f} tok/s")]))
    low, high = band["tokens_per_s"]
    lines = [(low, f"design min {low:g}", COLORS["vram"])]
    if high is not None:
        lines.append((high, f"design max {high:g}", COLORS["vram"]))
    charts.append(
        hbar_chart(
            f"{band['label']}: tokens/s per model (median) against the design band", rate_rows, lines, unit="tok/s"
        )
    )
    strip_rows = []
    for index, m in enumerate(members):
        color = MODEL_PALETTE[index % len(MODEL_PALETTE)]
        single = (m["single"] or {}).get("ttft_samples") or []
        strip_rows.append((f"{m['model']}: one at a time", single, color))
        conc = m["concurrent"]
        if conc:
            strip_rows.append((f"{m['model']}: {conc['requests']} at once", conc.get("ttft_samples") or [], color))
    ft_low, ft_high = band["first_token_s"]
    ft_lines = [(ft_low, f"design min {ft_low:g} s", COLORS["vram"])]
    if ft_high is not None:
        ft_lines.append((ft_high, f"design max {ft_high:g} s", COLORS["over"]))
    charts.append(strip_chart(f"{band['label']}: time to first token per request (s)", strip_rows, ft_lines))
    return charts


def render_html(report: Mapping[str, Any]) -> str:
    """One self-contained page (inline CSS and SVG, no scripts or external assets)."""
    met = report["met"]
    body = [
        f"<h1>Verify: {escape(report['inventory'] or 'stack')}</h1>",
        f'<p class="summary {"ok" if met else "bad"}">{escape(_summary_line(report))}</p>',
        "<h2>Smoke</h2>",
        html_table(SMOKE_HEAD, _smoke_rows(report)) if report["smoke"] else "<p>Not run.</p>",
        "<h2>Performance by model size (design bands)</h2>",
        html_table(BAND_HEAD, _band_rows(report)),
    ]
    if report["models"]:
        body.append("<h2>Models</h2>")
        body.append(html_table(MODEL_HEAD, _model_rows(report), frozenset({3, 4, 5, 6})))
        items = []
        for m in report["models"]:
            reasons = m["why"] + m["notes"]
            if reasons:
                cls = ' class="bad"' if m["verdict"] == NOT_MET else ""
                items.append(
                    f"<li{cls}><b>{escape(m['model'])}</b> ({escape(m['instance'])}, {escape(m['verdict'])}): "
                    + escape("; ".join(reasons))
                    + ".</li>"
                )
        if items:
            body.append("<ul>" + "".join(items) + "</ul>")
        for name, tier in report["tiers"].items():
            charts = _tier_charts(name, tier, report["models"])
            if charts:
                body.append(f"<h3>{escape(tier['band']['label'])}: {escape(tier['verdict'])}</h3>")
                body += charts
    else:
        body.append("<p>No model measured (performance pass skipped or no hot model).</p>")
    if report["unbanded"]:
        body.append(f"<p>Not judged (size unknown): {escape(', '.join(report['unbanded']))}.</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        f"<title>Verify: {escape(report['inventory'] or 'stack')}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def render_all(report: Mapping[str, Any]) -> dict[str, str]:
    return {"markdown": render_markdown(report), "html": render_html(report), "json": render_json(report)}


def write(
    dest: str, report: Mapping[str, Any], check_mode: bool = False
) -> tuple[bool, dict[str, str], dict[str, str]]:
    """Render and write verify.{md,html,json} under ``dest``; (changed, files, contents)."""
    contents = render_all(report)
    changed, files = write_reports(dest, contents, check_mode, names=FILE_NAMES)
    return changed, files, contents
