# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render capacity plans (from _capacity_budget.build_plan) as Markdown, HTML with inline SVG, and JSON.

The tables and charts are drawn by :mod:`._report_tables` and :mod:`._report_charts`,
the files written by :mod:`._report_files`; this file decides what a capacity
plan's report shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._report_charts import (
    COLORS,
    MODEL_PALETTE,
    figure,
    hbar_chart,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._report_tables import (
    CSS,
    Cell,
    html_table,
    md_cell,
    md_table,
)

GIB = 1024**3

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac")
COMPONENTS = (("weights", "weights"), ("kv", "KV cache"), ("graph", "compute graph"), ("overhead", "GPU overhead"))


class ReportError(ValueError):
    """A plan that cannot be rendered."""


def _g(value: float) -> str:
    """Bytes as a short GiB figure."""
    return f"{value / GIB:.1f}"


def _check(plans: Sequence[Mapping[str, Any]]) -> None:
    if not isinstance(plans, Sequence) or isinstance(plans, (str, bytes)):
        raise ReportError("plans must be a list of plans from aistack.baremetal.capacity_plan")
    for index, plan in enumerate(plans):
        if not isinstance(plan, Mapping):
            raise ReportError(f"plans[{index}] is not a mapping")
        for key in ("host", "hardware", "budget", "models", "problems"):
            if key not in plan:
                raise ReportError(f"plans[{index}] lacks '{key}'; pass the 'plan' that capacity_plan returns")


def count(plans: Sequence[Mapping[str, Any]], severity: str) -> int:
    return sum(1 for plan in plans for p in plan["problems"] if p.get("severity") == severity)


def _hardware_line(hw: Mapping[str, Any]) -> str:
    if not hw:
        return "Hardware unknown, nothing planned (see the problems)"
    gpus = ", ".join(f"{g['name']} ({figure(g['memory_mib'] / 1024)} GiB)" for g in hw.get("gpus", [])) or "no GPU"
    disks = ", ".join(f"{d['device']} {figure(d['size_gb'])} GiB" for d in hw.get("disks", [])) or "no disk"
    return f"{hw['cpu_cores']} cores, {figure(hw['memory_gb'])} GiB RAM, {gpus}, {disks}"


# ---------------------------------------------------------------------------
# The row model: what every format shows, computed once
# ---------------------------------------------------------------------------


BUDGET_HEAD = ("resource", "requested", "available", "status")
MODEL_HEAD = (
    "model",
    "tier",
    "ctx x slots",
    "weights",
    "KV",
    "graph",
    "total GiB",
    "VRAM",
    "RAM",
    "GPU layers",
    "processor",
    "method",
)
METHOD_TEXT = {
    "estimator": "estimator = Ollama's pre-load estimate (its formula up to 0.12.10, spare layer and minimum "
    "reserve included)",
    "allocations": "allocations = what Ollama's newer engine allocates (0.11.11 and later, for the architectures "
    "that engine runs)",
}
# Columns right-aligned in HTML.
MODEL_NUMERIC = frozenset(range(2, 10))


def _budget_cells(label: str, budget: Mapping[str, Any]) -> list[Cell]:
    unit = budget["unit"]
    over = budget["over_by"]
    return [
        (label, False),
        (f"{figure(budget['requested'])} {unit}", False),
        (f"{figure(budget['available'])} {unit}", False),
        (f"over by {figure(over)}", True) if over > 0 else ("ok", False),
    ]


def _model_cells(m: Mapping[str, Any]) -> list[Cell]:
    sizes = [(_g(m[k]), False) for k in ("weights", "kv", "graph", "total", "vram_used", "ram_used")]
    return [
        (m["name"] + ("" if m["fits"] else " (never loads)"), not m["fits"]),
        (m["tier"], False),
        (f"{m['num_ctx']} x {m['num_parallel']}", False),
        *sizes,
        (f"{m['gpu_layers']}/{m['layers_total']}", False),
        (m["processor"], False),
        (f"{m.get('method', 'estimator')} ({m.get('facts_from', 'catalog')})", False),
    ]


def _unestimated_cells(m: Mapping[str, Any]) -> list[Cell]:
    return [(f"{m['name']} (not estimated)", True), (m["tier"], False)] + [("-", False)] * (len(MODEL_HEAD) - 2)


def _instance_section(name: str, inst: Mapping[str, Any]) -> dict[str, Any]:
    s = inst["settings"]
    vram = f"{_g(inst['vram_total'])} GiB VRAM" if inst["gpus"] else "CPU only"
    notes: list[Cell] = []
    hot = inst["hot_set"]
    if hot["models"]:
        verdict = "fits" if hot["fits"] else "does not fit"
        notes.append(
            (
                f"Hot set ({', '.join(hot['models'])}): {_g(hot['total'])} GiB = weights {_g(hot['weights'])} + "
                f"KV {_g(hot['kv'])} ({_g(hot['kv_one_slot'])} with one slot) + graph {_g(hot['graph'])} + "
                f"overhead {_g(hot['overhead'])}; {_g(hot['vram_used'])} GiB in VRAM, {_g(hot['ram_used'])} GiB "
                f"in RAM: {verdict}.",
                not hot["fits"],
            )
        )
    else:
        notes.append(("No hot models.", False))
    if inst["warm"]:
        warm = ", ".join(f"{w['name']} ({'fits' if w['fits_with_hot'] else 'evicts'})" for w in inst["warm"])
        notes.append((f"Warm beside the hot set (room {_g(inst['room_after_hot']['ram'])} GiB RAM): {warm}.", False))
    if inst["never_fit"]:
        notes.append((f"Never loads here: {', '.join(inst['never_fit'])}.", True))
    if inst["split_cpu_gpu"]:
        notes.append((f"Split CPU/GPU when loaded alone: {', '.join(inst['split_cpu_gpu'])}.", False))
    unestimated = inst.get("not_estimated") or []
    if unestimated:
        notes.append(
            (
                f"Not estimated (not in the capacity catalog, left out of the figures): "
                f"{', '.join(m['name'] for m in unestimated)}.",
                True,
            )
        )
    methods = sorted({m.get("method", "estimator") for m in inst["models"]})
    if inst["models"]:
        version = s.get("ollama_version")
        notes.append(
            (
                f"Method per model (Ollama {version or 'version not pinned'}): "
                + "; ".join(METHOD_TEXT[m] for m in methods)
                + ". In brackets: where the model's architecture came from.",
                False,
            )
        )
    rec = inst["recommendations"]
    res = rec["resources"]
    limits = ", ".join(f"{k}: {v}" for k, v in res["limits"].items())
    notes.append(
        (
            f"Recommended: OLLAMA_NUM_PARALLEL={rec['OLLAMA_NUM_PARALLEL']}, "
            f"OLLAMA_MAX_LOADED_MODELS={rec['OLLAMA_MAX_LOADED_MODELS']}, pod requests memory "
            f"{res['requests']['memory']}, limits {limits}.",
            False,
        )
    )
    return {
        "name": name,
        "heading": f"Ollama `{name}`: {_g(inst['memory_limit'])} GiB RAM, {vram}",
        "settings": f"OLLAMA_NUM_PARALLEL={s['num_parallel']}, default num_ctx {s['default_num_ctx']}, KV cache "
        f"{s['kv_cache_type']}, max loaded {s['max_loaded_models']}; models on disk "
        f"{_g(inst['download_bytes'])} GiB.",
        "rows": [_model_cells(m) for m in inst["models"]] + [_unestimated_cells(m) for m in unestimated],
        "notes": notes,
        "plan": inst,
    }


def host_section(plan: Mapping[str, Any]) -> dict[str, Any]:
    """One host's report as rows and lines; Markdown and HTML both render this."""
    budget = plan["budget"]
    rows: list[list[Cell]] = []
    kubelet = ""
    if budget:
        rows = [
            _budget_cells("CPU", budget["cpu"]),
            _budget_cells("Memory", budget["memory"]),
            _budget_cells(f"Disk {budget['disk'].get('device') or ''}".strip(), budget["disk"]),
        ]
        standby = budget["standby"]
        if standby["names"]:
            names = ", ".join(standby["names"])
            rows.append(_budget_cells(f"CPU with standby ({names})", standby["cpu"]))
            rows.append(_budget_cells(f"Memory with standby ({names})", standby["memory"]))
        k = budget["kubelet"]
        guide = k.get("kube_reserved_guideline")
        kubelet = (
            f"Kubelet reservations (k3s): kube-reserved cpu {figure(k['kube_reserved']['cpu'])}, memory "
            f"{figure(k['kube_reserved']['memory_gb'])} GiB; "
            f"system-reserved cpu {figure(k['system_reserved']['cpu'])}, "
            f"memory {figure(k['system_reserved']['memory_gb'])} GiB; eviction-hard memory.available "
            f"{k['eviction_hard_memory_gb']} GiB."
            + (
                f" Guideline for kube-reserved on this host: cpu {guide['cpu']}, memory {guide['memory_gb']} GiB."
                if guide
                else ""
            )
        )
    problems = plan["problems"]
    return {
        "host": str(plan["host"]),
        "hardware": _hardware_line(plan["hardware"]),
        "errors": sum(1 for p in problems if p["severity"] == "error"),
        "warnings": sum(1 for p in problems if p["severity"] == "warning"),
        "budget_rows": rows,
        "budget": budget,
        "kubelet": kubelet,
        "instances": [_instance_section(name, inst) for name, inst in plan["models"].items()],
        "problems": problems,
    }


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def render_markdown(plans: Sequence[Mapping[str, Any]]) -> str:
    _check(plans)
    out: list[str] = []
    for section in (host_section(plan) for plan in plans):
        out += [
            f"# Capacity plan: {section['host']}",
            "",
            f"{section['hardware']}. **{section['errors']} errors, {section['warnings']} warnings.**",
            "",
        ]
        if section["budget_rows"]:
            out += ["## Budget", "", *md_table(BUDGET_HEAD, section["budget_rows"], frozenset({1, 2}))]
            out += ["", section["kubelet"], ""]
        if section["instances"]:
            out += ["## Models", ""]
        for inst in section["instances"]:
            out += [f"### {inst['heading']}", "", inst["settings"], ""]
            out += md_table(MODEL_HEAD, inst["rows"], MODEL_NUMERIC)
            out += ["", *(f"- {md_cell(note)}" for note in inst["notes"]), ""]
        out += ["## Problems", ""]
        if not section["problems"]:
            out.append("None.")
        for p in section["problems"]:
            out.append(f"- **{p['severity'].upper()}** [{p['area']}] {p['message']}")
            if p.get("fix"):
                out.append(f"  - fix: {p['fix']}")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# SVG charts
# ---------------------------------------------------------------------------


def _allocation_chart(title: str, budget: Mapping[str, Any], capacity_label: str) -> str:
    rows = []
    segs = []
    for index, item in enumerate(budget["items"]):
        if item["value"] > 0:
            segs.append(
                (float(item["value"]), PALETTE[index % len(PALETTE)], f"{item['name']}: {figure(item['value'])}")
            )
    rows.append(("allocations", segs))
    legend = [
        (f"{i['name']} {figure(i['value'])}", PALETTE[n % len(PALETTE)])
        for n, i in enumerate(budget["items"])
        if i["value"]
    ]
    color = COLORS["over"] if budget["over_by"] > 0 else COLORS["line"]
    lines = [(float(budget["available"]), f"{capacity_label} {figure(budget['available'])}", color)]
    return hbar_chart(title, rows, lines, unit=budget["unit"], legend=legend)


def _model_chart(name: str, inst: Mapping[str, Any]) -> str:
    rows = []
    for m in inst["models"]:
        segs = [
            (m[key] / GIB, COLORS[key], f"{m['name']} {label}: {_g(m[key])} GiB") for key, label in COMPONENTS if m[key]
        ]
        rows.append((f"{m['name']} ({m['tier']})", segs))
    lines = [(inst["memory_limit"] / GIB, f"RAM limit {_g(inst['memory_limit'])}", COLORS["over"])]
    if inst["vram_total"]:
        lines.insert(0, (inst["vram_total"] / GIB, f"VRAM {_g(inst['vram_total'])}", COLORS["vram"]))
    legend = [(label, COLORS[key]) for key, label in COMPONENTS]
    return hbar_chart(f"Ollama {name}: memory per model, loaded alone (GiB)", rows, lines, legend=legend)


def _hot_chart(name: str, inst: Mapping[str, Any]) -> str:
    hot = inst["hot_set"]
    items = hot["items"]
    vram_segs = [
        (i["vram_used"] / GIB, MODEL_PALETTE[n % len(MODEL_PALETTE)], f"{i['name']} VRAM {_g(i['vram_used'])} GiB")
        for n, i in enumerate(items)
    ]
    ram_segs = [
        (i["ram_used"] / GIB, MODEL_PALETTE[n % len(MODEL_PALETTE)], f"{i['name']} RAM {_g(i['ram_used'])} GiB")
        for n, i in enumerate(items)
    ]
    comp_segs = [(hot[key] / GIB, COLORS[key], f"{label}: {_g(hot[key])} GiB") for key, label in COMPONENTS]
    rows = [("hot set: VRAM", vram_segs), ("hot set: RAM", ram_segs), ("hot set by component", comp_segs)]
    lines = [(inst["memory_limit"] / GIB, f"RAM limit {_g(inst['memory_limit'])}", COLORS["over"])]
    if inst["vram_total"]:
        lines.insert(0, (inst["vram_total"] / GIB, f"VRAM {_g(inst['vram_total'])}", COLORS["vram"]))
    legend = [(i["name"], MODEL_PALETTE[n % len(MODEL_PALETTE)]) for n, i in enumerate(items)]
    legend += [(label, COLORS[key]) for key, label in COMPONENTS]
    title = f"Ollama {name}: hot set loaded together at {hot['num_parallel']} parallel slots (GiB)"
    return hbar_chart(title, rows, lines, legend=legend)


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def render_html(plans: Sequence[Mapping[str, Any]]) -> str:
    """One self-contained page (inline CSS and SVG, no scripts or external assets)."""
    _check(plans)
    hosts = ", ".join(str(p["host"]) for p in plans)
    body: list[str] = []
    for section in (host_section(plan) for plan in plans):
        errors = section["errors"]
        body += [
            f"<h1>Capacity plan: {escape(section['host'])}</h1>",
            f'<p class="summary">{escape(section["hardware"])}. '
            f'<span class="{"bad" if errors else "ok"}">{errors} errors</span>, {section["warnings"]} warnings.</p>',
        ]
        budget = section["budget"]
        if section["budget_rows"]:
            body.append("<h2>Budget</h2>")
            body.append(html_table(BUDGET_HEAD, section["budget_rows"], frozenset({1, 2})))
            body.append(_allocation_chart("CPU: allocations against cores", budget["cpu"], "cores"))
            body.append(_allocation_chart("Memory: allocations against RAM (GiB)", budget["memory"], "RAM"))
            if budget["disk"]["items"]:
                body.append(_allocation_chart("Disk: volumes and reservations (GiB)", budget["disk"], "disk"))
            body.append(f"<p>{escape(section['kubelet'])}</p>")
        if section["instances"]:
            body.append("<h2>Models</h2>")
        for inst in section["instances"]:
            body.append(f"<h3>{escape(inst['heading'].replace('`', ''))}</h3>")
            body.append(f"<p>{escape(inst['settings'])}</p>")
            if inst["plan"]["models"]:
                body.append(_model_chart(inst["name"], inst["plan"]))
            if inst["plan"]["hot_set"]["models"]:
                body.append(_hot_chart(inst["name"], inst["plan"]))
            body.append(html_table(MODEL_HEAD, inst["rows"], MODEL_NUMERIC))
            body.append(
                "<ul>"
                + "".join(
                    f'<li class="bad">{escape(t)}</li>' if bad else f"<li>{escape(t)}</li>" for t, bad in inst["notes"]
                )
                + "</ul>"
            )
        body.append("<h2>Problems</h2>")
        if not section["problems"]:
            body.append("<p>None.</p>")
        for p in section["problems"]:
            body.append(
                f'<div class="{escape(p["severity"])}"><b>{escape(p["severity"].upper())}</b> '
                f"[{escape(p['area'])}] {escape(p['message'])}"
                + (f'<div class="fix">fix: {escape(p["fix"])}</div>' if p.get("fix") else "")
                + "</div>"
            )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        f"<title>Capacity plan: {escape(hosts)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render_json(plans: Sequence[Mapping[str, Any]]) -> str:
    _check(plans)
    return json.dumps({"plans": list(plans)}, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------
# Files (written by _report_files.write_reports)
# ---------------------------------------------------------------------------

FILE_NAMES = {"markdown": "report.md", "html": "report.html", "json": "report.json"}


def render_all(plans: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {"markdown": render_markdown(plans), "html": render_html(plans), "json": render_json(plans)}
