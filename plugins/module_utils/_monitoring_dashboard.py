# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack's Grafana dashboard and alert rules, as data.

One panel per key metric of the design (model load times, request queue
length, memory per model, GPU utilisation, cache hit rates, response
latencies) plus instance health. Each panel's queries read only metrics that
something the monitoring role installs exports:

- ``ollama_*``: the collection's Ollama exporter (``/api/ps``, ``/api/tags``,
  and the hot-model loads it makes);
- ``DCGM_FI_*``: NVIDIA's dcgm-exporter (its default counters);
- ``traefik_*`` / ``nginx_ingress_controller_*``: the ingress controller in use;
- ``kubelet_volume_stats_*``: the kubelet, scraped by kube-prometheus-stack.

docs/monitoring.md explains where each panel's number comes from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name
from ansible_collections.aistack.baremetal.plugins.module_utils._values_ollama import _number

PREFIX = "monitoring_"
DASHBOARD_UID = "aistack-overview"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
CONTROLLERS = ("traefik", "ingress-nginx")


def _controller(inputs: Mapping[str, Any]) -> str:
    kind = inputs.get("ingress_controller")
    if kind not in CONTROLLERS:
        raise ChartError(f"{PREFIX}ingress_controller: {kind!r} is not one of {list(CONTROLLERS)}")
    return str(kind)


def _ingress_queries(inputs: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Latency and in-flight queries of the chosen ingress controller, for Open WebUI's traffic."""
    namespace = check_name(inputs.get("open_webui_namespace"), f"{PREFIX}open_webui_namespace")
    if _controller(inputs) == "traefik":
        bucket = f'traefik_service_request_duration_seconds_bucket{{service=~"{namespace}-.*"}}'
        queue = [("in flight (websecure)", 'sum(traefik_open_connections{entrypoint="websecure"})')]
    else:
        bucket = f'nginx_ingress_controller_request_duration_seconds_bucket{{namespace="{namespace}"}}'
        queue = [("active connections", 'sum(nginx_ingress_controller_nginx_process_connections{state="active"})')]
    latency = [(f"p{q}", f"histogram_quantile(0.{q}, sum by (le) (rate({bucket}[5m])))") for q in ("50", "95", "99")]
    return {"latency": latency, "queue": queue}


def panels(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The panels: ``[{title, unit, queries: [(legend, expr)], description}]``."""
    ingress = _ingress_queries(inputs)
    return [
        {
            "title": "Model load time",
            "unit": "s",
            "queries": [("{{instance_name}} {{model}}", "ollama_model_load_duration_seconds")],
            "description": "Seconds the exporter's last load of each hot model took (an empty /api/generate).",
        },
        {
            "title": "Request queue length",
            "unit": "short",
            "queries": ingress["queue"],
            "description": "Requests open at the ingress controller (HTTPS entry point), as seen from the ingress.",
        },
        {
            "title": "Memory per model",
            "unit": "bytes",
            "queries": [
                ("{{instance_name}} {{model}} total", "ollama_model_memory_bytes"),
                ("{{instance_name}} {{model}} VRAM", "ollama_model_vram_bytes"),
            ],
            "description": "Memory of each loaded model and its part in GPU memory (/api/ps size, size_vram).",
        },
        {
            "title": "GPU utilisation",
            "unit": "percent",
            "queries": [
                ("GPU {{gpu}} busy", "DCGM_FI_DEV_GPU_UTIL"),
                (
                    "GPU {{gpu}} memory used",
                    "100 * DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)",
                ),
            ],
            "description": "GPU busy time and framebuffer use per GPU (dcgm-exporter).",
        },
        {
            "title": "Model cache hit rate",
            "unit": "percentunit",
            "queries": [("{{instance_name}} {{model}}", "avg_over_time(ollama_hot_model_loaded[1h])")],
            "description": "Share of the last hour each hot model was already in memory (a request found it loaded).",
        },
        {
            "title": "Response latency",
            "unit": "s",
            "queries": ingress["latency"],
            "description": "Open WebUI's response time at the ingress controller, quantiles over 5 minutes.",
        },
        {
            "title": "Ollama instances up",
            "unit": "short",
            "queries": [
                ("{{instance_name}} up", "ollama_up"),
                ("{{instance_name}} models loaded", "ollama_models_loaded"),
                ("{{instance_name}} models installed", "ollama_models_installed"),
            ],
            "description": "Whether each instance answered, and how many models it holds in memory and on disk.",
        },
    ]


def dashboard(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The Grafana dashboard model."""
    grafana_panels = []
    for index, panel in enumerate(panels(inputs)):
        grafana_panels.append(
            {
                "id": index + 1,
                "type": "timeseries",
                "title": panel["title"],
                "description": panel["description"],
                "datasource": DATASOURCE,
                "gridPos": {"h": 8, "w": 12, "x": (index % 2) * 12, "y": (index // 2) * 8},
                "fieldConfig": {"defaults": {"unit": panel["unit"]}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}},
                "targets": [
                    {"refId": chr(ord("A") + n), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                    for n, (legend, expr) in enumerate(panel["queries"])
                ],
            }
        )
    return {
        "uid": DASHBOARD_UID,
        "title": "AI stack overview",
        "tags": ["aistack", "ollama"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "panels": grafana_panels,
    }


def dashboard_json(inputs: Mapping[str, Any]) -> str:
    """The dashboard as the JSON text the Grafana sidecar reads."""
    return json.dumps(dashboard(inputs), indent=2, sort_keys=True)


def rules(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Alert rules: ``[{alert, expr, for, severity, summary}]`` with the inventory's thresholds."""
    gpu = _number(inputs.get("alert_gpu_memory_percent"), f"{PREFIX}alert_gpu_memory_percent", minimum=1)
    volume = _number(inputs.get("alert_volume_percent"), f"{PREFIX}alert_volume_percent", minimum=1)
    for key, value in (("alert_gpu_memory_percent", gpu), ("alert_volume_percent", volume)):
        if value > 100:
            raise ChartError(f"{PREFIX}{key}: {value:g} is more than 100 percent")
    down = int(_number(inputs.get("alert_down_minutes"), f"{PREFIX}alert_down_minutes", minimum=1))
    load = int(_number(inputs.get("alert_load_minutes"), f"{PREFIX}alert_load_minutes", minimum=1))
    return [
        {
            "alert": "GpuMemoryNearlyFull",
            "expr": f"100 * DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > {gpu:g}",
            "for": "10m",
            "severity": "warning",
            "summary": (
                f"GPU {{{{ $labels.gpu }}}} on {{{{ $labels.Hostname }}}} has more than {gpu:g}% of its memory in use"
            ),
        },
        {
            "alert": "OllamaInstanceDown",
            "expr": "ollama_up == 0",
            "for": f"{down}m",
            "severity": "critical",
            "summary": "Ollama instance {{ $labels.instance_name }} does not answer /api/ps or /api/tags",
        },
        {
            "alert": "OllamaModelFailedToLoad",
            "expr": f"increase(ollama_model_load_failures_total[{load}m]) > 0 or ollama_hot_model_loaded == 0",
            "for": f"{load}m",
            "severity": "warning",
            "summary": (
                "Hot model {{ $labels.model }} of {{ $labels.instance_name }} is not in memory or failed to load"
            ),
        },
        {
            "alert": "LonghornVolumeNearlyFull",
            "expr": (f"100 * kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > {volume:g}"),
            "for": "15m",
            "severity": "warning",
            "summary": (
                "Volume {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} is more than "
                f"{volume:g}% full"
            ),
        },
    ]
