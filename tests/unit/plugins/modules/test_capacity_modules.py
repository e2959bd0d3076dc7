"""Unit tests for the capacity_plan and capacity_report modules (arguments via patch_module_args)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import capacity_plan, capacity_report, preflight_check
from ansible_collections.aistack.baremetal.tests.unit.example_inventory import example_plan_inputs

ROOT = Path(__file__).resolve().parents[4]


def run(module: Any, args: dict[str, Any], capsys: pytest.CaptureFixture[str], check: bool = False) -> dict[str, Any]:
    if check:
        args = {**args, "_ansible_check_mode": True}
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_plan_returns_the_plan_and_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capacity_plan, example_plan_inputs(), capsys)
    assert result["changed"] is False
    plan = result["plan"]
    assert plan["budget"]["cpu"]["over_by"] == 8
    assert plan["budget"]["memory"]["over_by"] == 16
    assert plan["summary"]["errors"] >= 2


def test_plan_in_check_mode_gives_the_same_plan(capsys: pytest.CaptureFixture[str]) -> None:
    normal = run(capacity_plan, example_plan_inputs(), capsys)
    checked = run(capacity_plan, example_plan_inputs(), capsys, check=True)
    assert checked["plan"] == normal["plan"]


def test_plan_lists_an_unknown_model_as_not_estimated(capsys: pytest.CaptureFixture[str]) -> None:
    args = {**example_plan_inputs(), "models": {"primary": [{"name": "mystery:13b", "tier": "hot"}]}}
    result = run(capacity_plan, args, capsys)
    assert not result.get("failed")
    assert result["plan"]["models"]["primary"]["not_estimated"][0]["name"] == "mystery:13b"
    warning = next(p for p in result["plan"]["problems"] if "mystery:13b" in p["message"])
    assert warning["severity"] == "warning" and "aistack_model_catalog_extra" in warning["fix"]


def test_plan_reports_absurd_hardware_as_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    args = {**example_plan_inputs(), "hardware": {"cpu_cores": 10000, "memory_gb": 96}}
    result = run(capacity_plan, args, capsys)
    assert not result.get("failed") and result["plan"]["hardware"] == {}
    assert any(p["message"].startswith("hardware.cpu_cores is 10000") for p in result["plan"]["problems"])


def test_report_writes_files_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = run(capacity_plan, example_plan_inputs(), capsys)["plan"]
    dest = tmp_path / "out"
    checked = run(capacity_report, {"plans": [plan], "dest": str(dest)}, capsys, check=True)
    assert checked["changed"] and not dest.exists()
    assert checked["markdown"].startswith("# Capacity plan: ai-server")
    first = run(capacity_report, {"plans": [plan], "dest": str(dest)}, capsys)
    assert first["changed"]
    assert first["error_count"] == plan["summary"]["errors"]
    assert "errors" not in first
    assert first["warning_count"] == plan["summary"]["warnings"]
    assert Path(first["files"]["html"]).read_text().startswith("<!DOCTYPE html>")
    second = run(capacity_report, {"plans": [plan], "dest": str(dest)}, capsys)
    assert not second["changed"]


def test_report_without_dest_only_returns_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    plan = run(capacity_plan, example_plan_inputs(), capsys)["plan"]
    result = run(capacity_report, {"plans": [plan]}, capsys)
    assert result["files"] == {} and not result["changed"]
    assert "## Problems" in result["markdown"]


def test_report_fails_on_a_foreign_dict(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capacity_report, {"plans": [{"host": "x"}]}, capsys)
    assert result["failed"] and "cannot render" in result["msg"]


@pytest.mark.parametrize("module", [capacity_plan, capacity_report, preflight_check])
def test_documentation_parses_and_matches_the_argument_spec(module: Any) -> None:
    docs = yaml.safe_load(module.DOCUMENTATION)
    yaml.safe_load(module.EXAMPLES)
    returns = yaml.safe_load(module.RETURN)

    def descriptions(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "description":
                    for line in value if isinstance(value, list) else [value]:
                        assert isinstance(line, str), line  # an unquoted "key: value" would become a dict
                descriptions(value)
        elif isinstance(node, list):
            for value in node:
                descriptions(value)

    descriptions(docs)
    descriptions(returns)
    assert set(docs["attributes"]) >= {"check_mode", "diff_mode"}
    captured: dict[str, Any] = {}

    class Stop(Exception):
        pass

    def fake(**kwargs: Any) -> None:
        captured.update(kwargs["argument_spec"])
        raise Stop

    with mock.patch.object(module, "AnsibleModule", side_effect=fake), pytest.raises(Stop):
        module.main()
    assert set(captured) == set(docs["options"])
    for name, spec in captured.items():
        for field in ("type", "elements", "default"):
            assert spec.get(field) == docs["options"][name].get(field), (name, field)
        assert spec.get("required", False) == docs["options"][name].get("required", False), name


def _preflight_args(**changes: Any) -> dict[str, Any]:
    inputs = example_plan_inputs()
    stack = {
        "aistack_allocations": inputs["allocations"],
        "aistack_standby_allocations": inputs["standby_allocations"],
        "aistack_volumes": inputs["volumes"],
        "aistack_disk_reserved_gb": inputs["disk_reserved_gb"],
        "aistack_ollama_env": inputs["ollama_env"],
        "aistack_models": inputs["models"],
        "aistack_open_webui_version": "0.6.12",
        "aistack_hostnames": {"open_webui": "ai.local"},
        "aistack_gpu_acceleration": True,
    }
    stack.update(changes)
    declared = yaml.safe_load((ROOT / "inventories/example/host_vars/ai-server.yml").read_text())
    return {
        "host": "ai-server",
        "stack": stack,
        "declared_hardware": declared["preflight_declared_hardware"],
        "use_declared": True,
        "require_gpu": True,
        "report": "/tmp/report.md",
    }


def test_preflight_check_plans_like_capacity_plan(capsys: pytest.CaptureFixture[str]) -> None:
    checked = run(preflight_check, _preflight_args(), capsys)
    planned = run(capacity_plan, example_plan_inputs(), capsys)
    assert checked["changed"] is False
    assert checked["hardware"]["source"] == "declared"
    assert checked["plan"]["budget"] == planned["plan"]["budget"]
    assert checked["plan"]["models"] == planned["plan"]["models"]
    assert checked["plan"]["problems"] == planned["plan"]["problems"]
    assert checked["message"].startswith("Preflight stopped ai-server before any change (3 error(s), report in")


def test_preflight_check_reports_every_bad_value_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    args = _preflight_args(
        aistack_open_webui_version="0.5.20",
        aistack_hostnames={"open_webui": "ai_local"},
        aistack_volumes={"ollama": {"size_gb": -1}},
        aistack_models={"primary": [{"name": "gemma3:1b", "tier": "hot"}, {"tier": "warm"}]},
    )
    args["declared_hardware"] = {**args["declared_hardware"], "cpu_cores": "forty"}
    result = run(preflight_check, args, capsys)
    lines = result["message"].split("\n- ")
    for text in (
        "aistack_open_webui_version is 0.5.20",
        "aistack_hostnames.open_webui is 'ai_local', which is not a valid DNS name",
        "aistack_volumes.ollama.size_gb is -1",
        "aistack_models.primary[1] has no model name",
        "preflight_declared_hardware.cpu_cores is text 'forty' but must be a whole number",
    ):
        assert sum(text in line for line in lines) == 1, (text, lines)
    # No usable hardware: nothing planned, every problem listed, and the unknown model is only a warning.
    assert result["plan"]["hardware"] == {} and result["hardware"] == {}
    assert "gemma3" not in result["message"]
