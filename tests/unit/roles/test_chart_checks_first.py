"""Every chart a layer delivers is checked before the layer writes anything.

The layer playbooks run each role's ``tasks/build.yml`` in their pre_tasks, before
the first role writes a manifest. So every role that delivers a chart through
``k3s_chart`` must check that chart's source and air-gapped archive in its build
step (``k3s_chart``'s ``sources`` entry point), for every chart it delivers;
otherwise a missing archive of a later chart is found only after an earlier
chart was written (a half-applied change). Read from the task files as data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K3S_CHART = "aistack.baremetal.k3s_chart"


def _tasks(path: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = list(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    while stack:
        task = stack.pop(0)
        found.append(task)
        for key in ("block", "rescue", "always"):
            stack.extend(task.get(key) or [])
    return found


def _includes(path: Path, tasks_from: str | None) -> list[dict[str, Any]]:
    return [
        task
        for task in _tasks(path)
        if (task.get("ansible.builtin.include_role") or {}).get("name") == K3S_CHART
        and (task["ansible.builtin.include_role"].get("tasks_from")) == tasks_from
    ]


def _chart_roles() -> list[str]:
    return sorted(
        path.parent.parent.name
        for path in (ROOT / "roles").glob("*/tasks/main.yml")
        if _includes(path, None) and path.parent.parent.name != "k3s_chart"
    )


def test_the_chart_roles_are_found() -> None:
    # Guard against a search that finds nothing and so passes vacuously.
    assert {"longhorn", "cert_manager", "ollama", "open_webui", "jupyterhub", "monitoring"} <= set(_chart_roles())


@pytest.mark.parametrize("role", _chart_roles())
def test_the_build_step_checks_every_chart_source(role: str) -> None:
    main = ROOT / "roles" / role / "tasks" / "main.yml"
    build = ROOT / "roles" / role / "tasks" / "build.yml"
    checks = _includes(build, "sources")
    assert len(checks) == 1, f"{role}: tasks/build.yml must include {K3S_CHART} tasks_from sources once"
    checked = str(checks[0]["vars"]["k3s_chart_sources"])
    # Every source variable the role hands to k3s_chart is among the checked ones.
    for deliver in _includes(main, None):
        source = str(deliver["vars"]["k3s_chart_source"])
        # The variable is the last name in the expression ("{{ {} if ... else ingress_nginx_chart }}").
        name = re.findall(r"\w+", source)[-1]
        assert name in checked, f"{role}: {name} is delivered but not checked in tasks/build.yml"
    assert checks[0]["vars"]["k3s_chart_artifact_dir"] == f"{{{{ {role}_artifact_dir }}}}"


@pytest.mark.parametrize(("playbook", "layer"), [("platform.yml", 0), ("ai_services.yml", -1)])
def test_the_layer_builds_every_role_before_the_first_write(playbook: str, layer: int) -> None:
    play = (yaml.safe_load((ROOT / "playbooks" / playbook).read_text(encoding="utf-8")) or [])[layer]
    roles = [entry["role"].rsplit(".", 1)[-1] for entry in play["roles"]]
    built = play["pre_tasks"][0]
    assert built["ansible.builtin.include_role"]["tasks_from"] == "build"
    assert built["loop"] == roles, f"{playbook}: pre_tasks must build every role of the layer, in order"
    assert set(roles) <= set(_chart_roles())
