"""Contract: the platform manifests of the bundled inventories against the real pinned charts.

Every HelmChart that plan mode writes is rendered with real Helm from the packaged
chart and its valuesContent; every rendered object, and every object the roles
write themselves, must be valid for the Kubernetes minor that k3s_version pins
(built-in kinds) or for its CRD (custom resources); every values key must exist in
the chart. The HelmChart/HelmChartConfig objects are checked against k3s's
helm-controller CRDs.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.tests.integration.contract.harness import (
    SchemaRegistry,
    chart_archive,
    chart_crds,
    is_builtin,
    reference_crds,
    render,
    unknown_value_keys,
    validate_builtin,
)

INVENTORIES = ("example", "multinode")
# k3s packages its own Traefik chart; its keys are checked against the newest
# upstream chart here, which may be newer than the one the pinned k3s bundles.
TRAEFIK = ("traefik", "41.3.0")


def _charts(manifests: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [o for objs in manifests.values() for o in objs if o["kind"] in ("HelmChart", "HelmChartConfig")]


def _source(obj: dict[str, Any]) -> tuple[str, str]:
    if obj["kind"] == "HelmChartConfig":
        assert obj["metadata"]["name"] == "traefik", obj["metadata"]
        return TRAEFIK
    spec = obj["spec"]
    return spec["chart"], spec["version"]


@pytest.fixture(scope="module")
def registry(plan_manifests: dict[str, dict[str, list[dict[str, Any]]]]) -> SchemaRegistry:
    reg = SchemaRegistry()
    reg.add(list(reference_crds()))
    reg.add(chart_crds(chart_archive("cert-manager", "v1.21.1"), {"crds": {"enabled": True}}))
    reg.add(chart_crds(chart_archive("longhorn", "1.12.1")))
    reg.add(chart_crds(chart_archive(*TRAEFIK)))
    reg.add(chart_crds(chart_archive("kube-prometheus-stack", "88.5.3")))
    return reg


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_every_manifest_object_is_valid(plan_manifests: Any, registry: SchemaRegistry, inventory: str) -> None:
    objects = [o for objs in plan_manifests[inventory].values() for o in objs]
    assert objects
    for obj in objects:
        if is_builtin(obj):
            validate_builtin(obj)
        else:
            registry.validate(obj)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_every_chart_renders_valid_objects(plan_manifests: Any, registry: SchemaRegistry, inventory: str) -> None:
    charts = _charts(plan_manifests[inventory])
    assert {c["metadata"]["name"] for c in charts} >= {"longhorn", "cert-manager", "nvidia-device-plugin"}
    for chart in charts:
        archive = chart_archive(*_source(chart))
        values = yaml.safe_load(chart["spec"].get("valuesContent") or "{}") or {}
        namespace = chart["spec"].get("targetNamespace", "kube-system")
        rendered = render(archive, values, chart["metadata"]["name"], namespace)
        assert rendered, f"{archive.name} rendered nothing"
        for obj in rendered:
            if obj["kind"] == "CustomResourceDefinition" or not is_builtin(obj):
                if obj["kind"] != "CustomResourceDefinition":
                    registry.validate(obj)
                continue
            validate_builtin(obj)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_every_values_key_exists_in_its_chart(plan_manifests: Any, inventory: str) -> None:
    problems = {}
    for chart in _charts(plan_manifests[inventory]):
        archive = chart_archive(*_source(chart))
        values = yaml.safe_load(chart["spec"].get("valuesContent") or "{}") or {}
        unknown = unknown_value_keys(archive, values)
        if unknown:
            problems[archive.name] = unknown
    assert not problems, f"values keys the charts do not know (Helm would ignore them): {problems}"


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_exactly_one_default_storage_class(plan_manifests: Any, inventory: str) -> None:
    defaults = []
    for chart in _charts(plan_manifests[inventory]):
        archive = chart_archive(*_source(chart))
        values = yaml.safe_load(chart["spec"].get("valuesContent") or "{}") or {}
        namespace = chart["spec"].get("targetNamespace", "kube-system")
        for obj in render(archive, values, chart["metadata"]["name"], namespace):
            # Longhorn ships its StorageClass inside a ConfigMap it applies itself.
            if obj["kind"] == "ConfigMap" and "storageclass.yaml" in obj.get("data", {}):
                embedded = yaml.safe_load(obj["data"]["storageclass.yaml"])
                if embedded["metadata"]["annotations"].get("storageclass.kubernetes.io/is-default-class") == "true":
                    defaults.append(embedded["metadata"]["name"])
    for objs in plan_manifests[inventory].values():
        for obj in objs:
            annotations = obj.get("metadata", {}).get("annotations", {})
            if (
                obj["kind"] == "StorageClass"
                and annotations.get("storageclass.kubernetes.io/is-default-class") == "true"
            ):
                defaults.append(obj["metadata"]["name"])
    assert defaults == ["longhorn-ssd"]


def test_unknown_key_is_reported() -> None:
    """The key check can fail: a typo under a declared section is caught."""
    archive = chart_archive("longhorn", "1.12.1")
    assert unknown_value_keys(archive, {"persistence": {"defaultClasss": False}}) == ["persistence.defaultClasss"]
    assert unknown_value_keys(archive, {"persistence": {"defaultClass": False}}) == []
