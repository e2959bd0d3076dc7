# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Monitoring chart values: kube-prometheus-stack and NVIDIA's dcgm-exporter, sized for one node.

- Prometheus keeps ``retention_days`` of samples (and at most 90 % of its
  volume) on a Longhorn claim of ``volume_gb``; it selects every
  ServiceMonitor, PodMonitor and PrometheusRule in the cluster, not only the
  chart's own, so the collection's exporter, the ingress controller and
  dcgm-exporter are scraped without release labels.
- k3s runs the scheduler, controller manager and proxy inside the k3s process
  and keeps etcd embedded: their scrape jobs and alert rules are off (they
  would only report those targets as down).
- Grafana answers at ``grafana_hostname`` over TLS (the certificate the
  cert_manager role issues into ``grafana_tls_secret``); its admin password
  is in the Secret ``grafana_admin_secret`` the role creates, never in the
  values. Its dashboard sidecar loads every ConfigMap labelled
  ``grafana_dashboard: "1"`` in any namespace. Grafana keeps no volume: its
  dashboards, data source and admin come from ConfigMaps and the Secret.
- dcgm-exporter runs only on GPU nodes (the k3s role's GPU label) with the
  NVIDIA runtime class; its own ServiceMonitor is on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name
from ansible_collections.aistack.baremetal.plugins.module_utils._values_ollama import (
    _number,
    cpu_quantity,
    memory_quantity,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._values_open_webui import _HOSTNAME

PREFIX = "monitoring_"
KUBE_PROMETHEUS_STACK = "kube-prometheus-stack"
DCGM_EXPORTER = "dcgm-exporter"
# The chart's names for its objects follow the release name; fixed here so that
# the workloads to wait for are known.
FULLNAME = "kps"
# The HelmChart's name, so the release's: the subcharts name their objects after it.
RELEASE = KUBE_PROMETHEUS_STACK
ADMIN_USER_KEY = "admin-user"
ADMIN_PASSWORD_KEY = "admin-password"  # noqa: S105 (a key name, not a password)
DASHBOARD_LABEL = "grafana_dashboard"
# k3s components that run inside the k3s binary: nothing to scrape separately.
_K3S_EMBEDDED = ("kubeControllerManager", "kubeScheduler", "kubeProxy", "kubeEtcd")
_K3S_EMBEDDED_RULES = ("etcd", "kubeControllerManager", "kubeProxy", "kubeSchedulerAlerting", "kubeSchedulerRecording")


def _int(inputs: Mapping[str, Any], key: str, minimum: int = 1) -> int:
    return int(_number(inputs.get(key), f"{PREFIX}{key}", minimum=minimum))


def _hostname(inputs: Mapping[str, Any]) -> str:
    host = inputs.get("grafana_hostname")
    if not isinstance(host, str) or not _HOSTNAME.match(host):
        raise ChartError(f"{PREFIX}grafana_hostname: {host!r} is not a valid DNS name")
    return host


def _resources(inputs: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Requests a quarter of the allocation, limits at it (one node shares its cores)."""
    cpu = _number(inputs.get(f"{key}_cpu"), f"{PREFIX}{key}_cpu", minimum=0.1)
    memory = _number(inputs.get(f"{key}_memory_gb"), f"{PREFIX}{key}_memory_gb", minimum=0.25)
    return {
        "requests": {"cpu": cpu_quantity(round(cpu / 4, 3)), "memory": memory_quantity(memory / 2)},
        "limits": {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)},
    }


def gpu_selector(inputs: Mapping[str, Any]) -> dict[str, str]:
    """The node labels of GPU nodes (set by the k3s role)."""
    labels = inputs.get("gpu_node_selector") or {}
    if not isinstance(labels, Mapping) or not labels:
        raise ChartError(f"{PREFIX}gpu_node_selector: must be a non-empty dict of node labels")
    return {str(k): str(v) for k, v in labels.items()}


def kube_prometheus_stack(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """kube-prometheus-stack values."""
    storage_class = check_name(inputs.get("storage_class"), f"{PREFIX}storage_class", label=False)
    retention = _int(inputs, "retention_days")
    volume_gb = _int(inputs, "volume_gb")
    host = _hostname(inputs)
    tls_secret = check_name(inputs.get("grafana_tls_secret"), f"{PREFIX}grafana_tls_secret", label=False)
    admin_secret = check_name(inputs.get("grafana_admin_secret"), f"{PREFIX}grafana_admin_secret", label=False)
    ingress_class = check_name(inputs.get("ingress_class"), f"{PREFIX}ingress_class", label=False)
    claim = {
        "spec": {
            "storageClassName": storage_class,
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": f"{volume_gb}Gi"}},
        }
    }
    values: dict[str, Any] = {
        "fullnameOverride": FULLNAME,
        "defaultRules": {"rules": dict.fromkeys(_K3S_EMBEDDED_RULES, False) | {"windows": False}},
        "alertmanager": {
            "alertmanagerSpec": {
                "replicas": 1,
                "retention": "120h",
                "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
            }
        },
        "prometheus": {
            "prometheusSpec": {
                "replicas": 1,
                "retention": f"{retention}d",
                # Prometheus deletes the oldest blocks before the volume fills.
                "retentionSize": f"{int(volume_gb * 0.9)}GB",
                "storageSpec": {"volumeClaimTemplate": claim},
                "resources": _resources(inputs, "prometheus"),
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "probeSelectorNilUsesHelmValues": False,
            }
        },
        "grafana": {
            "admin": {
                "existingSecret": admin_secret,
                "userKey": ADMIN_USER_KEY,
                "passwordKey": ADMIN_PASSWORD_KEY,
            },
            "ingress": {
                "enabled": True,
                "ingressClassName": ingress_class,
                "hosts": [host],
                "path": "/",
                "tls": [{"secretName": tls_secret, "hosts": [host]}],
            },
            "grafana.ini": {"server": {"root_url": f"https://{host}/"}, "analytics": {"check_for_updates": False}},
            "sidecar": {"dashboards": {"enabled": True, "label": DASHBOARD_LABEL, "labelValue": "1"}},
            "resources": _resources(inputs, "grafana"),
        },
    }
    for component in _K3S_EMBEDDED:
        values[component] = {"enabled": False}
    return values


def dcgm_exporter(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """dcgm-exporter values: GPU nodes only, NVIDIA runtime class."""
    runtime_class = check_name(inputs.get("runtime_class"), f"{PREFIX}runtime_class", label=False)
    return {
        "runtimeClassName": runtime_class,
        "nodeSelector": gpu_selector(inputs),
        "serviceMonitor": {"enabled": True, "interval": "15s"},
    }


def values(inputs: Mapping[str, Any], chart: str = KUBE_PROMETHEUS_STACK) -> dict[str, Any]:
    """Values of ``chart`` (kube-prometheus-stack or dcgm-exporter)."""
    if chart == KUBE_PROMETHEUS_STACK:
        return kube_prometheus_stack(inputs)
    if chart == DCGM_EXPORTER:
        return dcgm_exporter(inputs)
    raise ChartError(f"monitoring: no chart {chart!r}; known: {KUBE_PROMETHEUS_STACK}, {DCGM_EXPORTER}")


def workloads(inputs: Mapping[str, Any], chart: str = KUBE_PROMETHEUS_STACK) -> list[dict[str, str]]:
    """What must be Ready after ``chart``."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    if chart == DCGM_EXPORTER:
        return [{"kind": "DaemonSet", "name": DCGM_EXPORTER, "namespace": namespace}]
    return [
        {"kind": "Deployment", "name": f"{FULLNAME}-operator", "namespace": namespace},
        {"kind": "Deployment", "name": f"{RELEASE}-grafana", "namespace": namespace},
        {"kind": "Deployment", "name": f"{RELEASE}-kube-state-metrics", "namespace": namespace},
        {"kind": "DaemonSet", "name": f"{RELEASE}-prometheus-node-exporter", "namespace": namespace},
        {"kind": "StatefulSet", "name": f"prometheus-{FULLNAME}-prometheus", "namespace": namespace},
    ]
