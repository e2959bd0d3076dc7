# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build the AI services' manifests as data (ollama, open_webui, jupyterhub).

The same builders run in the roles (a real deploy) and in plan mode on the
controller; the logic lives in plugins/module_utils/_values_<chart>.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _helmchart,
    _values_jupyterhub,
    _values_ollama,
    _values_open_webui,
)


def _guard(func: Callable[..., Any], *args: Any) -> Any:
    try:
        return func(*(_helmchart.plain(a) for a in args))
    except _helmchart.ChartError as exc:
        raise AnsibleFilterError(str(exc)) from None


# What each filter builds per chart: (filter, chart) -> builder. ollama's values
# need the instance's release name; the others take the inputs only.
_DISPATCH: dict[tuple[str, str], Callable[..., Any]] = {
    ("ai_values", "ollama"): _values_ollama.values,
    ("ai_values", "open_webui"): _values_open_webui.values,
    ("ai_values", "jupyterhub"): _values_jupyterhub.values,
    ("ai_objects", "ollama"): _values_ollama.objects,
    ("ai_objects", "open_webui"): _values_open_webui.redis_objects,
    ("ai_workloads", "open_webui"): _values_open_webui.workloads,
    ("ai_workloads", "jupyterhub"): _values_jupyterhub.workloads,
}


def _dispatch(kind: str, chart: str, *args: Any) -> Any:
    builder = _DISPATCH.get((kind, chart))
    if builder is None:
        known = ", ".join(c for k, c in _DISPATCH if k == kind)
        raise AnsibleFilterError(f"{kind}: no builder for {chart!r}; known: {known}")
    return _guard(builder, *args)


def ai_values(inputs: Mapping[str, Any], chart: str, instance: str = "") -> dict[str, Any]:
    """Chart values of ``chart`` (ollama needs the ``instance`` release name)."""
    return dict(_dispatch("ai_values", chart, inputs, *([instance] if chart == "ollama" else [])))


def ai_objects(inputs: Mapping[str, Any], chart: str) -> list[dict[str, Any]]:
    """The role's own objects: ollama's NetworkPolicy, open_webui's Redis."""
    return list(_dispatch("ai_objects", chart, inputs))


def ai_workloads(inputs: Mapping[str, Any], chart: str) -> list[dict[str, str]]:
    """Workloads that must be Ready after the chart: [{kind, name, namespace}]."""
    return list(_dispatch("ai_workloads", chart, inputs))


def ollama_instances(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every Ollama instance (primary per node, then the standalone), checked."""
    return list(_guard(_values_ollama.instances, inputs))


def ollama_base_urls(inputs: Mapping[str, Any]) -> list[str]:
    """In-cluster URLs of every Ollama instance, primary first."""
    return list(_guard(_values_ollama.base_urls, inputs))


def ollama_layout(hosts: list[str], hostvars: Mapping[str, Any], standalone_gpu: bool = False) -> dict[str, Any]:
    """Ollama nodes and standalone from each host's aistack_allocations / _standby_allocations / _volumes."""
    rows = []
    for name in hosts:
        host = hostvars[name]
        facts = host.get("ansible_facts") or {}
        rows.append(
            {
                "name": name,
                "node": facts.get("nodename") or name,
                "allocations": host.get("aistack_allocations") or {},
                "standby": host.get("aistack_standby_allocations") or {},
                "volumes": host.get("aistack_volumes") or {},
            }
        )
    try:
        return dict(_values_ollama.layout(_helmchart.plain(rows), standalone_gpu=bool(standalone_gpu)))
    except _helmchart.ChartError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """aistack.baremetal AI-service manifest filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "ai_values": ai_values,
            "ai_objects": ai_objects,
            "ai_workloads": ai_workloads,
            "ollama_instances": ollama_instances,
            "ollama_base_urls": ollama_base_urls,
            "ollama_layout": ollama_layout,
        }
