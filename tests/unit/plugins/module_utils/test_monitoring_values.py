"""The monitoring builders (chart values, exporter objects, dashboard, alert rules) with the bundled inventories."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.filter.monitoring import FilterModule
from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _helmchart,
    _monitoring_dashboard,
    _monitoring_objects,
    _values_monitoring,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError

ROOT = Path(__file__).resolve().parents[4]
FILTERS = FilterModule().filters()
KEY_METRICS = (
    "Model load time",
    "Request queue length",
    "Memory per model",
    "GPU utilisation",
    "Model cache hit rate",
    "Response latency",
)


def _yaml(path: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / path).read_text()) or {}


def role_inputs(inventory: str) -> dict[str, Any]:
    """The role's inputs as playbooks/vars/monitoring.yml maps them for ``inventory`` (one primary + standalone)."""
    defaults = _yaml("roles/monitoring/defaults/main.yml")
    inputs = {k.removeprefix("monitoring_"): v for k, v in defaults.items()}
    stack = _yaml(f"inventories/{inventory}/group_vars/all/stack.yml")
    platform = _yaml(f"inventories/{inventory}/group_vars/all/platform.yml")
    settings = platform.get("aistack_monitoring") or {}
    ingress = stack.get("aistack_ingress_controller", "traefik")
    inputs.update(
        {
            "retention_days": settings.get("retention_days", 15),
            "volume_gb": settings.get("volume_gb", 50),
            "storage_class": stack.get("aistack_storage_class", "longhorn-ssd"),
            "grafana_hostname": stack["aistack_hostnames"]["grafana"],
            "ingress_controller": ingress,
            "ingress_class": "nginx" if ingress == "ingress-nginx" else "traefik",
            "ingress_namespace": "ingress-nginx" if ingress == "ingress-nginx" else "kube-system",
            "alert_gpu_memory_percent": settings.get("alert_gpu_memory_percent", 95),
            "alert_volume_percent": settings.get("alert_volume_percent", 85),
            "exporter_script": (ROOT / "roles/monitoring/files/ollama_exporter.py").read_text(),
            "ollama_instances": [
                {"name": "open-webui-ollama", "role": "primary", "port": stack["aistack_ports"]["ollama_primary"]},
                {
                    "name": "ollama-standalone",
                    "role": "standalone",
                    "port": stack["aistack_ports"]["ollama_standalone"],
                },
            ],
            "ollama_models": stack["aistack_models"],
            "ollama_hot_keep_alive": stack["aistack_ollama_env"]["OLLAMA_KEEP_ALIVE"],
        }
    )
    return inputs


@pytest.fixture(params=["example", "multinode"])
def inputs(request: pytest.FixtureRequest) -> dict[str, Any]:
    return role_inputs(request.param)


def test_prometheus_is_sized_from_the_inventory_on_longhorn(inputs: dict[str, Any]) -> None:
    values = FILTERS["monitoring_values"](inputs, "kube-prometheus-stack")
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["replicas"] == 1
    assert spec["retention"] == f"{inputs['retention_days']}d"
    assert spec["retentionSize"] == f"{int(inputs['volume_gb'] * 0.9)}GB"
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "longhorn-ssd"
    assert claim["resources"]["requests"]["storage"] == f"{inputs['volume_gb']}Gi"
    # Every ServiceMonitor/PodMonitor/PrometheusRule counts, not only the chart's.
    for key in ("serviceMonitor", "podMonitor", "rule", "probe"):
        assert spec[f"{key}SelectorNilUsesHelmValues"] is False
    # k3s embeds these components: nothing separate to scrape or alert on.
    for component in ("kubeControllerManager", "kubeScheduler", "kubeProxy", "kubeEtcd"):
        assert values[component] == {"enabled": False}
    assert values["defaultRules"]["rules"]["etcd"] is False


def test_grafana_hostname_tls_and_admin_secret_never_a_password(inputs: dict[str, Any]) -> None:
    values = FILTERS["monitoring_values"](inputs, "kube-prometheus-stack")
    grafana = values["grafana"]
    assert grafana["ingress"]["hosts"] == ["grafana.local"]
    assert grafana["ingress"]["tls"] == [{"secretName": "grafana-tls", "hosts": ["grafana.local"]}]
    assert grafana["ingress"]["ingressClassName"] == inputs["ingress_class"]
    assert grafana["admin"] == {
        "existingSecret": "grafana-admin",
        "userKey": "admin-user",
        "passwordKey": "admin-password",
    }
    assert "adminPassword" not in json.dumps(values)
    assert grafana["sidecar"]["dashboards"]["label"] == "grafana_dashboard"
    assert grafana["grafana.ini"]["server"]["root_url"] == "https://grafana.local/"


def test_grafana_tls_secret_is_the_one_cert_manager_issues() -> None:
    from ansible_collections.aistack.baremetal.plugins.module_utils import _values_cert_manager

    platform_vars = (ROOT / "playbooks/vars/platform.yml").read_text()
    assert "'grafana': 'monitoring'" in platform_vars
    certs = _values_cert_manager.certificates(
        {
            "hostnames": _yaml("inventories/example/group_vars/all/stack.yml")["aistack_hostnames"],
            "namespaces": {
                "open_webui": "open-webui",
                "object_storage_console": "object-storage",
                "jupyterhub": "jupyterhub",
                "grafana": "monitoring",
            },
            "default_certificate_namespace": "kube-system",
            "default_certificate_secret": "aistack-default-tls",
        }
    )
    grafana = next(c for c in certs if c["name"] == "grafana")
    defaults = _yaml("roles/monitoring/defaults/main.yml")
    assert grafana["secret"] == defaults["monitoring_grafana_tls_secret"]
    assert grafana["namespace"] == defaults["monitoring_namespace"]
    assert grafana["hosts"] == ["grafana.local"]


def test_dcgm_exporter_only_on_the_gpu_nodes_the_k3s_role_labels(inputs: dict[str, Any]) -> None:
    values = FILTERS["monitoring_values"](inputs, "dcgm-exporter")
    k3s = _yaml("roles/k3s/defaults/main.yml")
    assert values["nodeSelector"] == k3s["k3s_gpu_node_labels"]
    assert values["runtimeClassName"] == "nvidia"
    assert values["serviceMonitor"]["enabled"] is True
    assert FILTERS["monitoring_workloads"](inputs, "dcgm-exporter") == [
        {"kind": "DaemonSet", "name": "dcgm-exporter", "namespace": "monitoring"}
    ]


@pytest.mark.parametrize(
    "source",
    [
        {
            "repo": "https://prometheus-community.github.io/helm-charts",
            "chart": "kube-prometheus-stack",
            "version": "88.5.3",
        },
        {"file": "kube-prometheus-stack-88.5.3.tgz"},
    ],
)
def test_the_helmchart_stays_small_online_and_air_gapped(inputs: dict[str, Any], source: dict[str, str]) -> None:
    values = FILTERS["monitoring_values"](inputs, "kube-prometheus-stack")
    chart = _helmchart.helmchart(
        "kube-prometheus-stack", values, source=source, target_namespace="monitoring", variable="x", timeout="15m"
    )
    assert "chartContent" not in chart["spec"]
    if "file" in source:
        assert chart["spec"]["chart"] == "https://%{KUBERNETES_API}%/static/charts/kube-prometheus-stack-88.5.3.tgz"
    assert len(_helmchart.render_manifest([chart])) < 16 * 1024


def test_exporter_scrapes_every_instance_with_the_inventorys_hot_models(inputs: dict[str, Any]) -> None:
    config = _monitoring_objects.exporter_config(inputs)
    stack_models = inputs["ollama_models"]
    hot_primary = [m["name"] for m in stack_models["primary"] if m.get("tier") == "hot"]
    assert hot_primary
    assert config["instances"] == [
        {
            "name": "open-webui-ollama",
            "url": "http://open-webui-ollama.open-webui.svc.cluster.local:11434",
            "hot_models": hot_primary,
        },
        {
            "name": "ollama-standalone",
            "url": "http://ollama-standalone.open-webui.svc.cluster.local:11435",
            "hot_models": [m["name"] for m in stack_models.get("standalone") or [] if m.get("tier") == "hot"],
        },
    ]
    assert config["reload_hot"] is True
    assert config["hot_keep_alive"] == "24h"


def test_exporter_objects_run_the_shipped_script_from_a_configmap(inputs: dict[str, Any]) -> None:
    objects = FILTERS["monitoring_objects"](inputs)
    kinds = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert kinds == [
        ("ConfigMap", "ollama-exporter"),
        ("Deployment", "ollama-exporter"),
        ("Service", "ollama-exporter"),
        ("ServiceMonitor", "ollama-exporter"),
        ("PodMonitor", "ingress-controller"),
        ("ConfigMap", "aistack-dashboard"),
        ("PrometheusRule", "aistack"),
    ]
    configmap, deployment = objects[0], objects[1]
    assert configmap["data"]["ollama_exporter.py"] == inputs["exporter_script"]
    assert json.loads(configmap["data"]["config.json"]) == _monitoring_objects.exporter_config(inputs)
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["image"] == "docker.io/library/python:3.13.9-alpine"
    assert container["command"][:2] == ["python3", "/opt/exporter/ollama_exporter.py"]
    # Ollama's NetworkPolicy admits the exporter by this label, in this namespace.
    ollama = _yaml("roles/ollama/defaults/main.yml")["ollama_allowed_clients"]
    assert {"namespace": "monitoring", "labels": {"app.kubernetes.io/name": "ollama-exporter"}} in ollama
    assert pod["metadata"]["labels"]["app.kubernetes.io/name"] == "ollama-exporter"
    # A changed script rolls the pod.
    changed = dict(inputs, exporter_script=inputs["exporter_script"] + "\n# changed\n")
    assert (
        _monitoring_objects.exporter_objects(changed)[1]["spec"]["template"]["metadata"]["annotations"]
        != pod["metadata"]["annotations"]
    )
    monitor = objects[4]
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [inputs["ingress_namespace"]]}


def test_dashboard_has_one_panel_per_key_metric_each_documented(inputs: dict[str, Any]) -> None:
    objects = FILTERS["monitoring_objects"](inputs)
    configmap = next(o for o in objects if o["metadata"]["name"] == "aistack-dashboard")
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    model = json.loads(configmap["data"]["aistack-overview.json"])
    titles = [p["title"] for p in model["panels"]]
    for title in KEY_METRICS:
        assert title in titles
    docs = (ROOT / "docs/monitoring.md").read_text()
    for panel in model["panels"]:
        assert f"| {panel['title']} |" in docs, f"docs/monitoring.md does not document the panel {panel['title']!r}"
        assert panel["targets"] and all(t["expr"] for t in panel["targets"])
    assert len({p["id"] for p in model["panels"]}) == len(model["panels"])


def test_latency_and_queue_follow_the_ingress_controller(inputs: dict[str, Any]) -> None:
    exprs = " ".join(t["expr"] for p in _monitoring_dashboard.dashboard(inputs)["panels"] for t in p["targets"])
    if inputs["ingress_controller"] == "traefik":
        assert "traefik_service_request_duration_seconds_bucket" in exprs and "nginx_" not in exprs
    else:
        assert "nginx_ingress_controller_request_duration_seconds_bucket" in exprs and "traefik_" not in exprs
    other = dict(inputs, ingress_controller="traefik", ingress_namespace="kube-system")
    other_exprs = json.dumps(_monitoring_dashboard.dashboard(other))
    assert 'traefik_service_request_duration_seconds_bucket{service=~\\"open-webui-.*\\"}' in other_exprs


def test_alert_rules_take_the_inventorys_thresholds(inputs: dict[str, Any]) -> None:
    rule = FILTERS["monitoring_objects"](dict(inputs, alert_gpu_memory_percent=90, alert_volume_percent=80))[-1]
    alerts = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    assert sorted(alerts) == [
        "GpuMemoryNearlyFull",
        "LonghornVolumeNearlyFull",
        "OllamaInstanceDown",
        "OllamaModelFailedToLoad",
    ]
    assert alerts["GpuMemoryNearlyFull"]["expr"].endswith("> 90")
    assert alerts["LonghornVolumeNearlyFull"]["expr"].endswith("> 80")
    assert alerts["OllamaInstanceDown"]["for"] == "5m"
    assert "ollama_model_load_failures_total" in alerts["OllamaModelFailedToLoad"]["expr"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("grafana_hostname", "Grafana_Host", "monitoring_grafana_hostname"),
        ("storage_class", "", "monitoring_storage_class"),
        ("retention_days", 0, "monitoring_retention_days"),
        ("volume_gb", "big", "monitoring_volume_gb"),
        ("gpu_node_selector", {}, "monitoring_gpu_node_selector"),
        ("exporter_image", "python:latest", "monitoring_exporter_image"),
        ("exporter_image", "python", "monitoring_exporter_image"),
        ("ingress_controller", "haproxy", "monitoring_ingress_controller"),
        ("ollama_instances", [], "monitoring_ollama_instances"),
        ("ollama_instances", [{"name": "x", "role": "backup", "port": 1}], r"monitoring_ollama_instances\[0\].role"),
        ("ollama_hot_keep_alive", "forever", "monitoring_ollama_hot_keep_alive"),
        ("ollama_reload_hot", "yes", "monitoring_ollama_reload_hot"),
        ("alert_gpu_memory_percent", 120, "monitoring_alert_gpu_memory_percent"),
        ("alert_down_minutes", 0, "monitoring_alert_down_minutes"),
    ],
)
def test_bad_input_names_the_variable(key: str, value: Any, message: str) -> None:
    inputs = dict(role_inputs("example"), **{key: value})
    with pytest.raises(ChartError, match=message):
        build_everything(inputs)


def build_everything(inputs: dict[str, Any]) -> None:
    """What the role's build step builds (the first error stops it)."""
    _values_monitoring.values(inputs, "kube-prometheus-stack")
    _values_monitoring.values(inputs, "dcgm-exporter")
    _monitoring_objects.objects(inputs)


def test_the_inventories_build_without_error(inputs: dict[str, Any]) -> None:
    build_everything(inputs)


def test_filters_turn_errors_into_filter_errors() -> None:
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError, match="no chart 'grafana'"):
        FILTERS["monitoring_values"](role_inputs("example"), "grafana")


def test_exporter_metric_names_are_prometheus_names() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("exporter", ROOT / "roles/monitoring/files/ollama_exporter.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, (kind, _help) in module.METRICS.items():
        assert re.match(r"^ollama_[a-z_]+$", name)
        assert kind in ("gauge", "counter")
        assert name.endswith("_total") == (kind == "counter")
