# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build the monitoring layer's manifests as data.

The same builders run in the monitoring role (a real deploy) and in plan mode
on the controller; the logic lives in plugins/module_utils
(_values_monitoring.py, _monitoring_objects.py, _monitoring_dashboard.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _helmchart,
    _monitoring_objects,
    _values_monitoring,
)


def _guard(func: Callable[..., Any], *args: Any) -> Any:
    try:
        return func(*(_helmchart.plain(a) for a in args))
    except _helmchart.ChartError as exc:
        raise AnsibleFilterError(str(exc)) from None


def monitoring_values(inputs: Mapping[str, Any], chart: str) -> dict[str, Any]:
    """Values of kube-prometheus-stack or dcgm-exporter from the monitoring role's inputs."""
    return dict(_guard(_values_monitoring.values, inputs, chart))


def monitoring_objects(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The exporter, ingress PodMonitor, dashboard ConfigMap and PrometheusRule."""
    return list(_guard(_monitoring_objects.objects, inputs))


def monitoring_workloads(inputs: Mapping[str, Any], chart: str) -> list[dict[str, str]]:
    """Workloads that must be Ready after ``chart``: [{kind, name, namespace}]."""
    return list(_guard(_values_monitoring.workloads, inputs, chart))


class FilterModule:
    """aistack.baremetal monitoring manifest filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "monitoring_values": monitoring_values,
            "monitoring_objects": monitoring_objects,
            "monitoring_workloads": monitoring_workloads,
        }
