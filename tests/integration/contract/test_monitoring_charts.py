"""Contract: the monitoring manifests of the bundled inventories, against the real pinned charts.

test_platform_charts.py renders every HelmChart of the plan (kube-prometheus-stack
and dcgm-exporter included), validates every object strictly and checks every
values key; this file checks what monitoring must do once rendered:

- Grafana at the inventory's hostname with the certificate cert_manager issues,
  its admin password only in the Secret the role creates;
- Prometheus on a Longhorn volume with the inventory's retention, selecting
  every ServiceMonitor/PodMonitor/PrometheusRule;
- dcgm-exporter only on GPU nodes with the NVIDIA runtime class;
- the exporter's ServiceMonitor and the ingress PodMonitor select real pods and
  ports (the ingress controller rendered from its chart with the ingress role's
  values);
- the dashboard JSON is valid and every metric of every query (panels and
  alert rules) is one that something installed exports. The metric lists are
  derived from the real sources:
    * the exporter's own ``METRICS`` (roles/monitoring/files/ollama_exporter.py);
    * dcgm-exporter's default counters: the CSV in the chart's
      ``exporter-metrics-config-map`` ConfigMap, rendered;
    * kube-prometheus-stack's metrics (kubelet, kube-state-metrics,
      node-exporter, Prometheus): every metric its own rendered alert and
      recording rules and Grafana dashboards query, and the recording rules'
      names;
    * the ingress controllers' names as their documentation lists them
      (Traefik v3: docs/content/observability/metrics/overview.md, "Global"
      and "HTTP" metrics with the Prometheus names; ingress-nginx:
      docs/user-guide/monitoring.md and internal/ingress/metric/collectors).
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from typing import Any

import jsonschema
import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import _values_ingress
from ansible_collections.aistack.baremetal.tests.integration.contract.harness import (
    ROOT,
    SchemaRegistry,
    chart_archive,
    chart_crds,
    render,
    validate_builtin,
)

INVENTORIES = ("example", "multinode")
KPS = ("kube-prometheus-stack", "88.5.3")
DCGM = ("dcgm-exporter", "4.8.2")
TRAEFIK = ("traefik", "41.3.0")
INGRESS_NGINX = ("ingress-nginx", "4.15.1")
# Prometheus names of the ingress controllers' metrics (see the module docstring).
TRAEFIK_METRICS = {
    "traefik_config_reloads_total",
    "traefik_config_last_reload_success",
    "traefik_open_connections",
    "traefik_tls_certs_not_after",
    "traefik_entrypoint_requests_total",
    "traefik_entrypoint_requests_tls_total",
    "traefik_entrypoint_request_duration_seconds_bucket",
    "traefik_entrypoint_request_duration_seconds_sum",
    "traefik_entrypoint_request_duration_seconds_count",
    "traefik_service_requests_total",
    "traefik_service_requests_tls_total",
    "traefik_service_request_duration_seconds_bucket",
    "traefik_service_request_duration_seconds_sum",
    "traefik_service_request_duration_seconds_count",
    "traefik_service_retries_total",
    "traefik_service_server_up",
}
NGINX_METRICS = {
    "nginx_ingress_controller_requests",
    "nginx_ingress_controller_request_duration_seconds_bucket",
    "nginx_ingress_controller_request_duration_seconds_sum",
    "nginx_ingress_controller_request_duration_seconds_count",
    "nginx_ingress_controller_response_duration_seconds_bucket",
    "nginx_ingress_controller_nginx_process_connections",
    "nginx_ingress_controller_nginx_process_connections_total",
}
_KEYWORDS = {
    "sum", "avg", "min", "max", "count", "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "bool", "offset", "inf", "nan", "topk", "bottomk", "quantile", "stddev", "stdvar",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression reads (not functions, labels, keywords or numbers)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    text = re.sub(r"\boffset\s+-?[0-9a-z]+", " ", text)  # offsets
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        token = match.group(0)
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or token.lower() in _KEYWORDS:
            continue
        if re.match(r"^\d", token) or re.match(r"^\d+(ms|s|m|h|d|w|y)$", token):
            continue
        names.add(token)
    return names


def test_metric_name_extraction() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le) (rate(traefik_service_request_duration_seconds_bucket{service=~"a-.*"}'
        "[5m]))) or 100 * a_b / (c:d + e) > 90 and on (x) group_left(y) f unless count(g offset 5m)"
    )
    assert metric_names(expr) == {
        "traefik_service_request_duration_seconds_bucket",
        "a_b",
        "c:d",
        "e",
        "f",
        "g",
    }


def _objects(plan_manifests: Any, inventory: str) -> list[dict[str, Any]]:
    return [o for objs in plan_manifests[inventory].values() for o in objs]


def _chart(plan_manifests: Any, inventory: str, name: str) -> dict[str, Any]:
    for obj in _objects(plan_manifests, inventory):
        if obj["kind"] == "HelmChart" and obj["metadata"]["name"] == name:
            return obj
    raise AssertionError(f"no HelmChart {name} in the plan of {inventory}")


def _render_chart(chart: dict[str, Any]) -> list[dict[str, Any]]:
    spec = chart["spec"]
    values = yaml.safe_load(spec.get("valuesContent") or "{}") or {}
    return render(
        chart_archive(spec["chart"], spec["version"]), values, chart["metadata"]["name"], spec["targetNamespace"]
    )


def _one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise AssertionError(f"no {kind}/{name} in {sorted((o['kind'], o['metadata']['name']) for o in objects)}")


@cache
def _exporter_metrics() -> frozenset[str]:
    spec = importlib.util.spec_from_file_location("exporter", ROOT / "roles/monitoring/files/ollama_exporter.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.METRICS)


@cache
def _dcgm_metrics() -> frozenset[str]:
    objects = render(chart_archive(*DCGM), {}, "dcgm-exporter", "monitoring")
    csv = _one(objects, "ConfigMap", "exporter-metrics-config-map")["data"]["metrics"]
    names = {
        line.split(",")[0].strip() for line in csv.splitlines() if line.strip() and not line.strip().startswith("#")
    }
    assert "DCGM_FI_DEV_GPU_UTIL" in names and len(names) > 20
    return frozenset(names)


@cache
def _kps_metrics() -> frozenset[str]:
    objects = render(chart_archive(*KPS), {}, "kube-prometheus-stack", "monitoring")
    names: set[str] = set()
    for obj in objects:
        if obj["kind"] == "PrometheusRule":
            for group in obj["spec"]["groups"]:
                for rule in group["rules"]:
                    names |= metric_names(str(rule["expr"]))
                    if "record" in rule:
                        names.add(rule["record"])
        if obj["kind"] == "ConfigMap" and obj["metadata"].get("labels", {}).get("grafana_dashboard"):
            for text in obj.get("data", {}).values():
                for expr in re.findall(r'"expr":\s*"((?:[^"\\]|\\.)*)"', text):
                    names |= metric_names(json.loads(f'"{expr}"'))
    assert {"kubelet_volume_stats_used_bytes", "kube_pod_info", "node_cpu_seconds_total"} <= names
    return frozenset(names)


def known_metrics(ingress: str) -> set[str]:
    return (
        set(_exporter_metrics())
        | set(_dcgm_metrics())
        | set(_kps_metrics())
        | (TRAEFIK_METRICS if ingress == "traefik" else NGINX_METRICS)
    )


def _queries(objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(where, expr) of every dashboard panel target and every alert rule."""
    queries = []
    dashboard = _one(objects, "ConfigMap", "aistack-dashboard")
    model = json.loads(dashboard["data"]["aistack-overview.json"])
    for panel in model["panels"]:
        for target in panel["targets"]:
            queries.append((f"panel {panel['title']!r}", target["expr"]))
    rule = _one(objects, "PrometheusRule", "aistack")
    for group in rule["spec"]["groups"]:
        for item in group["rules"]:
            queries.append((f"alert {item['alert']}", item["expr"]))
    return queries


def _ingress(plan_manifests: Any, inventory: str) -> str:
    return (
        "ingress-nginx"
        if any(
            o["kind"] == "HelmChart" and o["metadata"]["name"] == "ingress-nginx"
            for o in _objects(plan_manifests, inventory)
        )
        else "traefik"
    )


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_every_query_reads_a_metric_something_installed_exports(plan_manifests: Any, inventory: str) -> None:
    objects = _objects(plan_manifests, inventory)
    known = known_metrics(_ingress(plan_manifests, inventory))
    missing = {}
    for where, expr in _queries(objects):
        names = metric_names(expr)
        assert names, f"{where}: no metric in {expr!r}"
        unknown = names - known
        if unknown:
            missing[where] = sorted(unknown)
    assert not missing, f"queries read metrics nothing installed exports: {missing}"


def test_the_metric_check_can_fail() -> None:
    known = known_metrics("traefik")
    assert "ollama_model_vram_bytes" in known and "DCGM_FI_DEV_FB_USED" in known
    assert metric_names("sum(ollama_model_vram_byte)") - known == {"ollama_model_vram_byte"}
    assert metric_names("nginx_ingress_controller_requests") - known == {"nginx_ingress_controller_requests"}


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_dashboard_json_is_a_grafana_dashboard_the_sidecar_loads(plan_manifests: Any, inventory: str) -> None:
    objects = _objects(plan_manifests, inventory)
    configmap = _one(objects, "ConfigMap", "aistack-dashboard")
    validate_builtin(configmap)
    rendered = _render_chart(_chart(plan_manifests, inventory, "kube-prometheus-stack"))
    sidecar = next(
        c
        for o in rendered
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "kube-prometheus-stack-grafana"
        for c in o["spec"]["template"]["spec"]["containers"]
        if c["name"] == "grafana-sc-dashboard"
    )
    env = {e["name"]: e.get("value") for e in sidecar["env"]}
    assert configmap["metadata"]["labels"].get(env["LABEL"]) == env["LABEL_VALUE"]
    assert env["NAMESPACE"] == "ALL"
    model = json.loads(configmap["data"]["aistack-overview.json"])
    assert model["uid"] and model["panels"]
    # The data source the panels name is the one the chart provisions.
    datasource = _one(rendered, "ConfigMap", "kps-grafana-datasource")
    provisioned = yaml.safe_load(next(iter(datasource["data"].values())))
    uids = {d.get("uid") for d in provisioned["datasources"]}
    assert {p["datasource"]["uid"] for p in model["panels"]} <= uids


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_grafana_tls_and_admin_secret(plan_manifests: Any, inventory: str) -> None:
    objects = _objects(plan_manifests, inventory)
    rendered = _render_chart(_chart(plan_manifests, inventory, "kube-prometheus-stack"))
    ingress = _one(rendered, "Ingress", "kube-prometheus-stack-grafana")
    stack = yaml.safe_load((ROOT / f"inventories/{inventory}/group_vars/all/stack.yml").read_text())
    host = stack["aistack_hostnames"]["grafana"]
    assert [r["host"] for r in ingress["spec"]["rules"]] == [host]
    certificate = next(o for o in objects if o["kind"] == "Certificate" and o["metadata"]["namespace"] == "monitoring")
    assert certificate["spec"]["dnsNames"] == [host]
    assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": certificate["spec"]["secretName"]}]
    assert ingress["metadata"]["namespace"] == certificate["metadata"]["namespace"]
    config = _one(rendered, "ConfigMap", "kube-prometheus-stack-grafana")["data"]["grafana.ini"]
    assert f"root_url = https://{host}/" in config
    grafana = _one(rendered, "Deployment", "kube-prometheus-stack-grafana")
    env = {e["name"]: e for c in grafana["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}
    assert env["GF_SECURITY_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "grafana-admin",
        "key": "admin-password",
    }
    # No rendered Secret carries an admin password (the chart makes one only without existingSecret).
    for obj in rendered:
        if obj["kind"] == "Secret":
            assert "admin-password" not in (obj.get("data") or {}), obj["metadata"]["name"]


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_prometheus_on_longhorn_with_the_inventory_retention(plan_manifests: Any, inventory: str) -> None:
    rendered = _render_chart(_chart(plan_manifests, inventory, "kube-prometheus-stack"))
    prometheus = _one(rendered, "Prometheus", "kps-prometheus")["spec"]
    platform = yaml.safe_load((ROOT / f"inventories/{inventory}/group_vars/all/platform.yml").read_text())
    settings = platform["aistack_monitoring"]
    assert prometheus["retention"] == f"{settings['retention_days']}d"
    claim = prometheus["storage"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "longhorn-ssd"
    assert claim["resources"]["requests"]["storage"] == f"{settings['volume_gb']}Gi"
    for key in ("serviceMonitorSelector", "podMonitorSelector", "ruleSelector"):
        assert prometheus[key] == {}, key
        assert prometheus[key.replace("Selector", "NamespaceSelector")] == {}, key
    # The workloads the role waits for are the ones the chart makes (the operator makes the StatefulSet).
    names = {(o["kind"], o["metadata"]["name"]) for o in rendered}
    from ansible_collections.aistack.baremetal.plugins.module_utils import _values_monitoring

    for workload in _values_monitoring.workloads({"namespace": "monitoring"}):
        if workload["kind"] == "StatefulSet":
            assert workload["name"] == "prometheus-kps-prometheus"
        else:
            assert (workload["kind"], workload["name"]) in names


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_dcgm_exporter_only_on_gpu_nodes(plan_manifests: Any, inventory: str) -> None:
    rendered = _render_chart(_chart(plan_manifests, inventory, "dcgm-exporter"))
    daemonset = _one(rendered, "DaemonSet", "dcgm-exporter")
    pod = daemonset["spec"]["template"]["spec"]
    k3s = yaml.safe_load((ROOT / "roles/k3s/defaults/main.yml").read_text())
    assert pod["nodeSelector"] == k3s["k3s_gpu_node_labels"]
    assert pod["runtimeClassName"] == "nvidia"
    _one(rendered, "ServiceMonitor", "dcgm-exporter")


def test_the_exporter_and_ingress_monitors_select_real_pods_and_ports(plan_manifests: Any) -> None:
    objects = _objects(plan_manifests, "example")
    service = _one(objects, "Service", "ollama-exporter")
    monitor = _one(objects, "ServiceMonitor", "ollama-exporter")
    deployment = _one(objects, "Deployment", "ollama-exporter")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert monitor["spec"]["endpoints"][0]["port"] in {p["name"] for p in service["spec"]["ports"]}
    # ingress-nginx (the bundled inventories' controller), rendered from its chart with the plan's values.
    pod_monitor = _one(objects, "PodMonitor", "ingress-controller")
    controller = _one(
        _render_chart(_chart(plan_manifests, "example", "ingress-nginx")), "Deployment", "ingress-nginx-controller"
    )
    _assert_selects(pod_monitor, controller)
    # Traefik, rendered from the upstream chart with the ingress role's values.
    values = _values_ingress.values(
        {"controller": "traefik", "body_size_mb": 5120, "timeout_seconds": 3600, "default_tls_secret": "tls"}
    )
    traefik = _one(render(chart_archive(*TRAEFIK), values, "traefik", "kube-system"), "Deployment", "traefik")
    from ansible_collections.aistack.baremetal.plugins.module_utils import _monitoring_objects

    traefik_monitor = _monitoring_objects.ingress_monitor(
        {"namespace": "monitoring", "ingress_controller": "traefik", "ingress_namespace": "kube-system"}
    )
    _assert_selects(traefik_monitor, traefik)
    args = " ".join(traefik["spec"]["template"]["spec"]["containers"][0]["args"])
    assert "--metrics.prometheus.addServicesLabels=true" in args


def _assert_selects(pod_monitor: dict[str, Any], workload: dict[str, Any]) -> None:
    template = workload["spec"]["template"]
    assert pod_monitor["spec"]["selector"]["matchLabels"].items() <= template["metadata"]["labels"].items()
    assert workload["metadata"].get("namespace") in pod_monitor["spec"]["namespaceSelector"]["matchNames"]
    ports = {p.get("name") for c in template["spec"]["containers"] for p in c.get("ports", [])}
    assert pod_monitor["spec"]["podMetricsEndpoints"][0]["port"] in ports, ports


def test_monitoring_custom_resources_match_the_crds_kube_prometheus_stack_ships(plan_manifests: Any) -> None:
    registry = SchemaRegistry()
    registry.add(chart_crds(chart_archive(*KPS)))
    checked = []
    for inventory in INVENTORIES:
        for obj in _objects(plan_manifests, inventory):
            if obj["apiVersion"].startswith("monitoring.coreos.com/"):
                registry.validate(obj)
                checked.append(obj["kind"])
    assert sorted(set(checked)) == ["PodMonitor", "PrometheusRule", "ServiceMonitor"]
    with pytest.raises(jsonschema.ValidationError, match=r"podMetricsEndpoint"):
        registry.validate(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PodMonitor",
                "metadata": {"name": "x"},
                "spec": {"selector": {}, "podMetricsEndpoint": [{"port": "metrics"}]},
            }
        )
