"""Contract: the AI-service manifests of the bundled inventories, rendered from the real pinned charts.

test_platform_charts.py already renders every HelmChart of the plan (these included),
validates every object against the pinned Kubernetes minor's schemas and checks
every values key; this file checks what the AI services must do once rendered:
where Ollama runs and with what, that Open WebUI reaches Redis, Pipelines and every
Ollama instance without a secret in its manifest, and that JupyterHub never runs
the dummy authenticator.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.tests.integration.contract.harness import (
    chart_archive,
    render,
    unknown_value_keys,
)

INVENTORIES = ("example", "multinode")


def _chart(manifests: dict[str, list[dict[str, Any]]], name: str) -> dict[str, Any]:
    for objs in manifests.values():
        for obj in objs:
            if obj["kind"] == "HelmChart" and obj["metadata"]["name"] == name:
                return obj
    raise AssertionError(f"no HelmChart {name} in {sorted(manifests)}")


def _render(chart: dict[str, Any]) -> list[dict[str, Any]]:
    spec = chart["spec"]
    values = yaml.safe_load(spec.get("valuesContent") or "{}") or {}
    return render(
        chart_archive(spec["chart"], spec["version"]), values, chart["metadata"]["name"], spec["targetNamespace"]
    )


def _workload(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise AssertionError(f"no {kind}/{name} in {[(o['kind'], o['metadata']['name']) for o in objects]}")


def _env(workload: dict[str, Any]) -> dict[str, Any]:
    container = workload["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_ollama_primary_on_the_gpu_with_the_inventory_sizes(plan_manifests: Any, inventory: str) -> None:
    manifests = plan_manifests[inventory]
    deployment = _workload(_render(_chart(manifests, "open-webui-ollama")), "Deployment", "open-webui-ollama")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["runtimeClassName"] == "nvidia"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["image"] == "ollama/ollama:0.32.15"
    # No postStart hook: the chart's model pulls are never used.
    assert "lifecycle" not in container
    expected = {"example": ("35", "81920Mi", ""), "multinode": ("24", "98304Mi", "ai-gpu-1")}[inventory]
    assert (container["resources"]["requests"]["cpu"], container["resources"]["requests"]["memory"]) == expected[:2]
    assert pod["nodeSelector"].get("kubernetes.io/hostname", "") == expected[2]
    pvc = _workload(_render(_chart(manifests, "open-webui-ollama")), "PersistentVolumeClaim", "open-webui-ollama")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "500Gi"
    assert pvc["spec"]["storageClassName"] == "longhorn-ssd"
    service = _workload(_render(_chart(manifests, "open-webui-ollama")), "Service", "open-webui-ollama")
    assert service["spec"]["ports"][0]["port"] == 11434


def test_example_standalone_is_a_cpu_standby_on_11435(plan_manifests: Any) -> None:
    objects = _render(_chart(plan_manifests["example"], "ollama-standalone"))
    pod = _workload(objects, "Deployment", "ollama-standalone")["spec"]["template"]["spec"]
    assert "runtimeClassName" not in pod
    assert pod["containers"][0]["resources"]["limits"] == {"cpu": "20", "memory": "65536Mi"}
    assert _workload(objects, "Service", "ollama-standalone")["spec"]["ports"][0]["port"] == 11435


def test_multinode_has_no_standalone(plan_manifests: Any) -> None:
    names = {o["metadata"]["name"] for objs in plan_manifests["multinode"].values() for o in objs}
    assert "ollama-standalone" not in names


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_open_webui_reaches_redis_pipelines_and_every_ollama(plan_manifests: Any, inventory: str) -> None:
    manifests = plan_manifests[inventory]
    chart = _chart(manifests, "open-webui")
    objects = _render(chart)
    env = _env(_workload(objects, "StatefulSet", "open-webui"))
    urls = env["OLLAMA_BASE_URLS"].split(";")
    assert urls[0] == "http://open-webui-ollama.open-webui.svc.cluster.local:11434"
    assert len(urls) == {"example": 2, "multinode": 1}[inventory]
    assert env["ENABLE_WEBSOCKET_SUPPORT"] == "True"
    assert env["WEBSOCKET_MANAGER"] == "redis"
    for name in ("WEBSOCKET_REDIS_URL", "REDIS_URL"):
        assert env[name] == "redis://:$(REDIS_PASSWORD)@open-webui-redis:6379/0"
    assert env["OPENAI_API_BASE_URL"] == "http://open-webui-pipelines.open-webui.svc.cluster.local:9099"
    assert env["OPENAI_API_KEY"] == {"secretKeyRef": {"name": "open-webui-pipelines", "key": "PIPELINES_API_KEY"}}
    pipelines = _env(_workload(objects, "Deployment", "open-webui-pipelines"))
    assert "PIPELINES_URLS" not in pipelines
    assert _workload(objects, "Service", "open-webui-pipelines")["spec"]["ports"][0]["port"] == 9099
    ingress = _workload(objects, "Ingress", "open-webui")
    assert ingress["spec"]["tls"] == [{"hosts": ["ai.local"], "secretName": "open-webui-tls"}]
    # Nothing secret in the HelmChart: the chart's default key and no password-like literal.
    text = json.dumps(chart)
    assert "0p3n-w3bu!" not in text
    assert "WEBUI_SECRET_KEY" not in text
    redis = {o["kind"]: o for o in manifests["open-webui-redis.yaml"]}
    assert sorted(redis) == ["ConfigMap", "NetworkPolicy", "Service", "StatefulSet"]
    assert "maxmemory-policy volatile-lru" in redis["ConfigMap"]["data"]["redis.conf"]


def test_example_keeps_the_design_numbers(plan_manifests: Any) -> None:
    manifests = plan_manifests["example"]
    values = yaml.safe_load(_chart(manifests, "open-webui")["spec"]["valuesContent"])
    assert values["image"] == {"tag": "0.6.12"}
    assert values["persistence"]["size"] == "100Gi"
    assert values["resources"]["requests"] == {"cpu": "8", "memory": "16384Mi"}
    redis = {o["kind"]: o for o in manifests["open-webui-redis.yaml"]}
    claim = redis["StatefulSet"]["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["resources"]["requests"]["storage"] == "10Gi"


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_jupyterhub_authenticates_for_real(plan_manifests: Any, inventory: str) -> None:
    chart = _chart(plan_manifests[inventory], "jupyterhub")
    objects = _render(chart)
    hub_secret = _workload(objects, "Secret", "hub")
    # The chart passes hub.config to the hub through its Secret's values.yaml.
    hub_values = yaml.safe_load(base64.b64decode(hub_secret["data"]["values.yaml"]))
    assert hub_values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "shared-password"
    assert hub_values["hub"]["config"]["Authenticator"]["allow_all"] is False
    hub = _workload(objects, "Deployment", "hub")
    env = _env(hub)
    assert env["AISTACK_JUPYTERHUB_ADMIN_PASSWORD"] == {
        "secretKeyRef": {"name": "jupyterhub-auth", "key": "admin-password"}
    }
    ingress = _workload(objects, "Ingress", "jupyterhub")
    assert ingress["spec"]["tls"] == [{"hosts": ["jupyter.local"], "secretName": "jupyterhub-tls"}]
    expected = {"example": "50Gi", "multinode": "200Gi"}[inventory]
    assert yaml.safe_load(chart["spec"]["valuesContent"])["singleuser"]["storage"]["capacity"] == expected


def test_subchart_and_pass_through_keys_are_checked() -> None:
    """The key check descends into vendored subcharts and the schema's pass-through maps, and can fail there."""
    archive = chart_archive("open-webui", "6.18.0")
    assert unknown_value_keys(archive, {"pipelines": {"enabled": True, "image": {"tag": "main"}}}) == []
    assert unknown_value_keys(archive, {"pipelines": {"imagee": {"tag": "main"}}}) == [
        "pipelines.imagee",
        "pipelines.imagee.tag",
    ]
    hub = chart_archive("jupyterhub", "4.4.0")
    assert unknown_value_keys(hub, {"hub": {"config": {"Authenticator": {"admin_users": ["a"]}}}}) == []
    assert unknown_value_keys(hub, {"hub": {"config": {"authenticator": {}}}}) == ["hub.config.authenticator"]
