"""upgrade_plan and reset_plan through AnsibleModule: what a playbook gets back, and how a failed gate reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import reset_plan, upgrade_plan


def run(
    main: Callable[[], None], args: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        main()
    return int(exc.value.code or 0), json.loads(capsys.readouterr().out)


NODE = {
    "metadata": {"name": "ctl-a", "labels": {"node-role.kubernetes.io/control-plane": "true"}},
    "status": {"nodeInfo": {"kubeletVersion": "v1.32.9+k3s1"}, "conditions": [{"type": "Ready", "status": "True"}]},
}
CHART = {"metadata": {"name": "longhorn"}, "spec": {"chart": "longhorn", "version": "1.11.2"}}


def test_plan_then_a_failed_gate_names_the_way_back(capsys: pytest.CaptureFixture[str]) -> None:
    rc, plan = run(
        upgrade_plan.main,
        {
            "nodes": [NODE],
            "k3s_version": "v1.33.5+k3s1",
            "helmcharts": [CHART],
            "charts": [{"layer": 3, "name": "longhorn", "variable": "longhorn_chart", "source": {"version": "1.12.1"}}],
        },
        capsys,
    )
    assert rc == 0 and not plan["changed"] and plan["servers"] == ["ctl-a"] and plan["changes"] == 2
    rc, gate = run(
        upgrade_plan.main,
        {"mode": "gate", "nodes": [NODE], "k3s_version": "v1.33.5+k3s1", "plan": plan, "backup": "job x"},
        capsys,
    )
    assert rc == 1 and not gate["passed"]
    assert gate["msg"].startswith("health gate failed, the upgrade stops here: node ctl-a runs v1.32.9+k3s1")
    assert (
        "set longhorn_chart version back to 1.11.2" in gate["msg"] and "set k3s_version to v1.32.9+k3s1" in gate["msg"]
    )


def test_plan_from_the_manifests_directory(capsys: pytest.CaptureFixture[str]) -> None:
    chart = {"apiVersion": "helm.cattle.io/v1", "kind": "HelmChart", **CHART}
    rc, plan = run(
        upgrade_plan.main,
        {
            "k3s_version": "v1.33.5+k3s1",
            "manifests": [chart, None, {"kind": "ConfigMap", "metadata": {"name": "x"}}],
            "charts": [{"layer": 3, "name": "longhorn", "variable": "longhorn_chart", "source": {"version": "1.12.1"}}],
        },
        capsys,
    )
    assert rc == 0 and plan["source"] == "manifests" and plan["changes"] == 1
    assert plan["lines"][1] == "layer 3  chart  longhorn: 1.11.2 -> 1.12.1 (upgrade)"


def test_a_refused_plan_fails_the_module(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out = run(upgrade_plan.main, {"nodes": [NODE], "k3s_version": "v1.31.0+k3s1"}, capsys)
    assert rc == 1 and "k3s is not downgraded" in out["msg"]


def test_reset_plan_keeps_volumes_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    pvc = {"metadata": {"namespace": "open-webui", "name": "open-webui"}, "spec": {"volumeName": "pvc-1"}}
    rc, out = run(
        reset_plan.main, {"components": ["open_webui", "longhorn"], "namespaces": ["open-webui"], "pvcs": [pvc]}, capsys
    )
    assert rc == 0 and not out["changed"]
    assert [s["role"] for s in out["remove"]] == ["open_webui", "longhorn"]
    assert out["delete_objects"] == [] and out["keep_volumes"][0]["name"] == "open-webui"
