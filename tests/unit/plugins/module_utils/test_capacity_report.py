"""Unit tests for _capacity_report: Markdown key lines, well-formed HTML with SVG charts, JSON round trip."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_budget as bud
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_report as rep
from ansible_collections.aistack.baremetal.plugins.module_utils import _report_charts as charts
from ansible_collections.aistack.baremetal.plugins.module_utils._report_files import write_reports
from ansible_collections.aistack.baremetal.tests.unit.example_inventory import example_plan_inputs

ROOT = Path(__file__).resolve().parents[4]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def plans() -> list[dict[str, Any]]:
    plan = bud.build_plan(**example_plan_inputs())
    return [plan]


def test_markdown_has_the_key_lines(plans: list[dict[str, Any]]) -> None:
    text = rep.render_markdown(plans)
    assert text.startswith("# Capacity plan: ai-server")
    assert "| CPU | 48 cores | 40 cores | **over by 8** |" in text
    assert "| Memory | 112 GiB | 96 GiB | **over by 16** |" in text
    assert "| llama3.3:70b | cold | 4096 x 16 |" in text
    assert "0/81 | 100% CPU |" in text
    assert "- Hot set (qwen2.5-coder:14b, llama3.1:8b, mistral:7b)" in text
    assert "KV 28.0 (1.8 with one slot)" in text
    assert "**ERROR** [budget/cpu]" in text and "  - fix: " in text
    errors = plans[0]["summary"]["errors"]
    warnings = plans[0]["summary"]["warnings"]
    assert f"**{errors} errors, {warnings} warnings.**" in text


def test_html_is_well_formed_and_has_the_charts(plans: list[dict[str, Any]]) -> None:
    page = rep.render_html(plans)
    assert page.startswith("<!DOCTYPE html>")
    root = ET.fromstring(page.split("\n", 1)[1])  # noqa: S314 - our own output; the XML parser proves it well-formed
    svgs = root.findall(f".//{SVG}svg")
    titles = [s.get("aria-label") or "" for s in svgs]
    assert any(t.startswith("CPU: allocations against cores") for t in titles)
    assert any(t.startswith("Memory: allocations against RAM") for t in titles)
    assert any("memory per model" in t for t in titles)
    assert any("hot set loaded together" in t for t in titles)
    # the CPU chart marks the 40-core capacity in red, as the budget is over
    cpu = svgs[titles.index("CPU: allocations against cores")]
    markers = [t.text for t in cpu.iter(f"{SVG}text") if t.get("class") == "marker"]
    assert markers == ["cores 40"]
    assert any(line.get("stroke") == charts.COLORS["over"] for line in cpu.iter(f"{SVG}line"))
    # one bar per model in the per-model chart, stacked per component
    per_model = svgs[next(i for i, t in enumerate(titles) if "memory per model" in t)]
    labels = [t.text for t in per_model.iter(f"{SVG}text") if t.get("class") == "label"]
    assert len(labels) == len(plans[0]["models"]["primary"]["models"])
    # self-contained: no scripts, no external references
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page


def test_bars_are_proportional(plans: list[dict[str, Any]]) -> None:
    svg = charts.hbar_chart("t", [("a", [(10.0, "#000", "a")]), ("b", [(5.0, "#000", "b"), (5.0, "#111", "c")])])
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    widths = [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(widths[1] + widths[2], abs=0.2)
    assert widths[1] == pytest.approx(widths[2], abs=0.1)


def test_json_round_trips(plans: list[dict[str, Any]]) -> None:
    text = rep.render_json(plans)
    assert json.loads(text) == {"plans": json.loads(json.dumps(plans))}


def test_write_reports_is_idempotent_and_honours_check_mode(plans: list[dict[str, Any]], tmp_path: Path) -> None:
    contents = rep.render_all(plans)
    dest = tmp_path / "report"
    changed, files = write_reports(str(dest), contents, check_mode=True, names=rep.FILE_NAMES)
    assert changed and not dest.exists()
    changed, files = write_reports(str(dest), contents, names=rep.FILE_NAMES)
    assert changed
    assert sorted(os.path.basename(p) for p in files.values()) == ["report.html", "report.json", "report.md"]
    assert Path(files["markdown"]).read_text() == contents["markdown"]
    changed, _unused = write_reports(str(dest), contents, names=rep.FILE_NAMES)
    assert not changed
    Path(files["json"]).write_text("{}")
    assert write_reports(str(dest), contents, check_mode=True, names=rep.FILE_NAMES)[0]
    assert Path(files["json"]).read_text() == "{}"


def test_bad_plans_are_rejected() -> None:
    with pytest.raises(rep.ReportError, match="lacks 'budget'"):
        rep.render_markdown([{"host": "x", "hardware": {}, "models": {}, "problems": []}])
    with pytest.raises(rep.ReportError, match="must be a list"):
        rep.render_html("not a list")  # type: ignore[arg-type]


def test_markdown_and_html_render_the_same_rows(plans: list[dict[str, Any]]) -> None:
    section = rep.host_section(plans[0])
    markdown = rep.render_markdown(plans)
    page = rep.render_html(plans)
    for inst in section["instances"]:
        for row in inst["rows"]:
            name = row[0][0]
            assert f"| {name} |" in markdown and f"<td>{name}</td>" in page
        for note, _bad in inst["notes"]:
            assert f"- {note}" in markdown or f"- **{note}**" in markdown
    for row in section["budget_rows"]:
        assert row[0][0] in page and f"| {row[0][0]} |" in markdown


def test_a_plan_without_hardware_shows_its_problems_only() -> None:
    plan = bud.build_plan("unreachable", None, volumes={"ollama": {"size_gb": -1}})
    markdown = rep.render_markdown([plan])
    assert "Hardware unknown, nothing planned (see the problems). **1 errors, 0 warnings.**" in markdown
    assert "## Budget" not in markdown and "## Models" not in markdown
    assert "**ERROR** [inventory] aistack_volumes.ollama.size_gb is -1" in markdown
    page = rep.render_html([plan])
    ET.fromstring(page.split("\n", 1)[1])  # noqa: S314 - our own output
    assert "Hardware unknown" in page


def test_not_estimated_models_are_rows_and_a_note() -> None:
    inputs = example_plan_inputs()
    inputs["models"] = {"primary": [{"name": "gemma3:1b", "tier": "hot"}, {"name": "llama3.1:8b", "tier": "hot"}]}
    plan = bud.build_plan(**inputs)
    markdown = rep.render_markdown([plan])
    assert "| **gemma3:1b (not estimated)** | hot | - |" in markdown
    assert "- **Not estimated (not in the capacity catalog, left out of the figures): gemma3:1b.**" in markdown
    page = rep.render_html([plan])
    assert '<td class="bad">gemma3:1b (not estimated)</td>' in page


def test_every_format_names_the_method_per_model() -> None:
    inputs = example_plan_inputs()
    inputs["models"] = {"primary": [{"name": "gemma3:12b", "tier": "hot"}, {"name": "llama3.1:8b", "tier": "hot"}]}
    plan = bud.build_plan(**inputs, ollama_version="0.32.15")
    markdown = rep.render_markdown([plan])
    assert "| method |" in markdown
    assert "| allocations (catalog) |" in markdown and "| estimator (catalog) |" in markdown
    assert "- Method per model (Ollama 0.32.15): allocations = " in markdown
    page = rep.render_html([plan])
    assert "<td>allocations (catalog)</td>" in page
    methods = {m["name"]: m["method"] for m in plan["models"]["primary"]["models"]}
    assert methods == {"gemma3:12b": "allocations", "llama3.1:8b": "estimator"}
