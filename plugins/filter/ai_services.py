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


def ai_values(inputs: Mapping[str, Any], chart: str, instance: str = "") -> dict[str, Any]:
    """Chart values of ``chart`` (ollama needs the ``instance`` release name)."""
    if chart == "ollama":
        return dict(_guard(_values_ollama.values, inputs, instance))
    if chart == "open_webui":
        return dict(_guard(_values_open_webui.values, inputs))
    if chart == "jupyterhub":
        return dict(_guard(_values_jupyterhub.values, inputs))
    raise AnsibleFilterError(f"ai_values: no builder for {chart!r}; known: ollama, open_webui, jupyterhub")


def ai_objects(inputs: Mapping[str, Any], chart: str) -> list[dict[str, Any]]:
    """The role's own objects: ollama's NetworkPolicy, open_webui's Redis."""
    if chart == "ollama":
        return list(_guard(_values_ollama.objects, inputs))
    if chart == "open_webui":
        return list(_guard(_values_open_webui.redis_objects, inputs))
    raise AnsibleFilterError(f"ai_objects: no objects for {chart!r}; known: ollama, open_webui")


def ai_workloads(inputs: Mapping[str, Any], chart: str) -> list[dict[str, str]]:
    """Workloads that must be Ready after the chart: [{kind, name, namespace}]."""
    if chart == "open_webui":
        return list(_guard(_values_open_webui.workloads, inputs))
    if chart == "jupyterhub":
        return list(_guard(_values_jupyterhub.workloads, inputs))
    raise AnsibleFilterError(f"ai_workloads: no workloads for {chart!r}; known: open_webui, jupyterhub")


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
