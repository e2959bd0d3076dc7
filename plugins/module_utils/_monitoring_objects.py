# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitoring role's own objects, written once the charts' CRDs exist.

- The Ollama exporter: its script and configuration in a ConfigMap, run by a
  pinned Python image (standard library only, nothing installed at start), a
  Service and a ServiceMonitor. It reads every Ollama instance's ``/api/ps``
  and ``/api/tags`` through the instances' Services; Ollama's NetworkPolicy
  admits it by its pod label ``app.kubernetes.io/name: ollama-exporter``.
- A PodMonitor for the ingress controller's Prometheus endpoint (Traefik's
  ``metrics`` port, or ingress-nginx's once the ingress role enables it).
- The dashboard as a ConfigMap the Grafana sidecar loads, and a PrometheusRule
  with the stack's alerts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils import _monitoring_dashboard as dashboards
from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name
from ansible_collections.aistack.baremetal.plugins.module_utils._values_monitoring import DASHBOARD_LABEL
from ansible_collections.aistack.baremetal.plugins.module_utils._values_ollama import _port

PREFIX = "monitoring_"
EXPORTER = "ollama-exporter"
EXPORTER_PORT = 9877
SCRIPT_KEY = "ollama_exporter.py"
CONFIG_KEY = "config.json"
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._-]*(:\d+)?(/[a-z0-9._-]+)*(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$")
_MANAGED = {"app.kubernetes.io/managed-by": "aistack"}
_EXPORTER_LABELS = {"app.kubernetes.io/name": EXPORTER, "app.kubernetes.io/part-of": "aistack"}
# Pods of each ingress controller and the name of their metrics port.
_INGRESS_PODS = {
    "traefik": ({"app.kubernetes.io/name": "traefik"}, "metrics"),
    "ingress-nginx": (
        {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
        "metrics",
    ),
}


def _image(inputs: Mapping[str, Any]) -> str:
    image = inputs.get("exporter_image")
    if not isinstance(image, str) or not _IMAGE.match(image) or image.endswith(":latest"):
        raise ChartError(f"{PREFIX}exporter_image: {image!r} must be an image with a pinned tag or digest (not latest)")
    return image


def _hot_models(models: Any, role: str) -> list[str]:
    """Names of the ``tier: hot`` models the inventory lists for ``role`` (primary or standalone)."""
    if not isinstance(models, Mapping):
        raise ChartError(f"{PREFIX}ollama_models: must map each instance role to its model list")
    entries = models.get(role) or []
    if not isinstance(entries, list):
        raise ChartError(f"{PREFIX}ollama_models.{role}: must be a list of {{name, tier}}")
    return [str(e["name"]) for e in entries if isinstance(e, Mapping) and e.get("tier") == "hot" and e.get("name")]


def exporter_config(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The exporter's configuration: every Ollama instance by its Service, with its hot models."""
    namespace = check_name(inputs.get("ollama_namespace"), f"{PREFIX}ollama_namespace")
    instances = inputs.get("ollama_instances")
    if not isinstance(instances, list) or not instances:
        raise ChartError(f"{PREFIX}ollama_instances: must list the Ollama instances ({{name, role, port}})")
    models = inputs.get("ollama_models") or {}
    targets = []
    for index, inst in enumerate(instances):
        variable = f"{PREFIX}ollama_instances[{index}]"
        if not isinstance(inst, Mapping):
            raise ChartError(f"{variable}: must be a dict with name, role and port")
        name = check_name(inst.get("name"), f"{variable}.name")
        port = _port(inst.get("port"), f"{variable}.port")
        role = inst.get("role")
        if role not in ("primary", "standalone"):
            raise ChartError(f"{variable}.role: {role!r} is not primary or standalone")
        targets.append(
            {
                "name": name,
                "url": f"http://{name}.{namespace}.svc.cluster.local:{port}",
                "hot_models": _hot_models(models, str(role)),
            }
        )
    reload_hot = inputs.get("ollama_reload_hot")
    if not isinstance(reload_hot, bool):
        raise ChartError(f"{PREFIX}ollama_reload_hot: {reload_hot!r} must be true or false")
    keep_alive = str(inputs.get("ollama_hot_keep_alive") or "")
    if not re.match(r"^-1$|^\d+$|^(\d+(\.\d+)?(h|m|s|ms))+$", keep_alive):
        raise ChartError(f"{PREFIX}ollama_hot_keep_alive: {keep_alive!r} is not an Ollama duration (24h, 30m, -1)")
    return {
        "instances": targets,
        "timeout": 5,
        "reload_hot": reload_hot,
        "hot_keep_alive": int(keep_alive) if keep_alive.lstrip("-").isdigit() else keep_alive,
        "reload_interval": 60,
        "load_timeout": 600,
    }


def exporter_objects(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """ConfigMap, Deployment, Service and ServiceMonitor of the Ollama exporter."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    script = inputs.get("exporter_script")
    if not isinstance(script, str) or "def main" not in script:
        raise ChartError(f"{PREFIX}exporter_script: must be the exporter's Python source")
    config = json.dumps(exporter_config(inputs), indent=2, sort_keys=True)
    image = _image(inputs)
    # A new script or configuration rolls the pod.
    checksum = hashlib.sha256((script + config).encode()).hexdigest()
    meta = {"name": EXPORTER, "namespace": namespace, "labels": {**_EXPORTER_LABELS, **_MANAGED}}
    container = {
        "name": "exporter",
        "image": image,
        "command": ["python3", f"/opt/exporter/{SCRIPT_KEY}", "--config", f"/opt/exporter/{CONFIG_KEY}"],
        "args": ["--port", str(EXPORTER_PORT)],
        "ports": [{"name": "metrics", "containerPort": EXPORTER_PORT, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "metrics"}, "periodSeconds": 10},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "metrics"}, "periodSeconds": 30},
        "resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}},
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "exporter", "mountPath": "/opt/exporter", "readOnly": True}],
    }
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {SCRIPT_KEY: script, CONFIG_KEY: config}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": dict(_EXPORTER_LABELS)},
                "template": {
                    "metadata": {"labels": dict(_EXPORTER_LABELS), "annotations": {"aistack/config-sha256": checksum}},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "containers": [container],
                        "volumes": [{"name": "exporter", "configMap": {"name": EXPORTER}}],
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {
                "selector": dict(_EXPORTER_LABELS),
                "ports": [{"name": "metrics", "port": EXPORTER_PORT, "targetPort": "metrics", "protocol": "TCP"}],
            },
        },
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": meta,
            "spec": {
                "selector": {"matchLabels": dict(_EXPORTER_LABELS)},
                "endpoints": [{"port": "metrics", "interval": "30s", "scrapeTimeout": "20s"}],
            },
        },
    ]


def ingress_monitor(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A PodMonitor for the ingress controller's metrics port."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    kind = inputs.get("ingress_controller")
    if kind not in _INGRESS_PODS:
        raise ChartError(f"{PREFIX}ingress_controller: {kind!r} is not one of {sorted(_INGRESS_PODS)}")
    ingress_namespace = check_name(inputs.get("ingress_namespace"), f"{PREFIX}ingress_namespace")
    labels, port = _INGRESS_PODS[str(kind)]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "ingress-controller", "namespace": namespace, "labels": dict(_MANAGED)},
        "spec": {
            "namespaceSelector": {"matchNames": [ingress_namespace]},
            "selector": {"matchLabels": dict(labels)},
            "podMetricsEndpoints": [{"port": port, "interval": "30s"}],
        },
    }


def dashboard_configmap(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The dashboard, labelled for Grafana's sidecar."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "aistack-dashboard",
            "namespace": namespace,
            "labels": {DASHBOARD_LABEL: "1", **_MANAGED},
        },
        "data": {"aistack-overview.json": dashboards.dashboard_json(inputs)},
    }


def prometheus_rule(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The stack's alerts as a PrometheusRule."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    rules = []
    for rule in dashboards.rules(inputs):
        rules.append(
            {
                "alert": rule["alert"],
                "expr": rule["expr"],
                "for": rule["for"],
                "labels": {"severity": rule["severity"]},
                "annotations": {"summary": rule["summary"]},
            }
        )
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "aistack", "namespace": namespace, "labels": dict(_MANAGED)},
        "spec": {"groups": [{"name": "aistack", "rules": rules}]},
    }


def objects(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every object of the role, written after kube-prometheus-stack is ready."""
    return [
        *exporter_objects(inputs),
        ingress_monitor(inputs),
        dashboard_configmap(inputs),
        prometheus_rule(inputs),
    ]
