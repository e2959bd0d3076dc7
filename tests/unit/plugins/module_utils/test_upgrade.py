"""Upgrade planning (order, version rules, before/after per layer) and the health gate."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import helmchart as build_helmchart
from ansible_collections.aistack.baremetal.plugins.module_utils._upgrade import (
    UpgradeError,
    chart_version,
    gate,
    k3s_version,
    node_steps,
    plan,
    rollback,
    split_manifests,
)


def node(name: str, version: str, server: bool = False, ready: bool = True, cordoned: bool = False) -> dict[str, Any]:
    labels = {"node-role.kubernetes.io/control-plane": "true"} if server else {}
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {"unschedulable": True} if cordoned else {},
        "status": {
            "nodeInfo": {"kubeletVersion": version},
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def helmchart(name: str, **spec: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "kube-system"}, "spec": spec}


def deployment(name: str, image: str, replicas: int = 1, ready: int = 1, kind: str = "Deployment") -> dict[str, Any]:
    return {
        "kind": kind,
        "metadata": {"name": name, "namespace": "open-webui", "generation": 2},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": name, "image": image}]}}},
        "status": {"readyReplicas": ready, "observedGeneration": 2},
    }


CLUSTER = [
    node("gpu-2", "v1.32.9+k3s1"),
    node("ctl-b", "v1.32.9+k3s1", server=True),
    node("ctl-a", "v1.32.9+k3s1", server=True),
    node("gpu-1", "v1.33.5+k3s1"),
]


def _plan(**overrides: Any) -> dict[str, Any]:
    """``plan`` with an empty cluster, no charts, workloads or images and k3s v1.33.5+k3s1, but ``overrides``."""
    args: dict[str, Any] = {
        "nodes": [],
        "target_k3s": "v1.33.5+k3s1",
        "helmcharts": [],
        "charts": [],
        "workloads": [],
        "images": [],
    }
    return plan(**{**args, **overrides})


def test_k3s_versions_order_and_compare() -> None:
    assert k3s_version("v1.33.5+k3s1") == (1, 33, 5, 1)
    assert k3s_version("v1.33.5+k3s2") > k3s_version("v1.33.5+k3s1") > k3s_version("v1.33.4+k3s9")
    with pytest.raises(UpgradeError, match="not a k3s version"):
        k3s_version("latest")


def test_servers_one_at_a_time_then_agents_and_nodes_already_there_left_out() -> None:
    result = _plan(nodes=CLUSTER)
    assert [(s["role"], s["node"]) for s in result["k3s"]] == [
        ("server", "ctl-a"),
        ("server", "ctl-b"),
        ("agent", "gpu-2"),
    ]
    assert result["servers"] == ["ctl-a", "ctl-b"] and result["agents"] == ["gpu-2"]
    assert result["lines"][0] == "k3s      server ctl-a: v1.32.9+k3s1 -> v1.33.5+k3s1"


@pytest.mark.parametrize(
    ("version", "target", "message"),
    [
        ("v1.33.5+k3s1", "v1.32.9+k3s1", "k3s is not downgraded"),
        ("v1.31.4+k3s1", "v1.33.5+k3s1", r"more than one minor version ahead.*v1\.32\.x first"),
        ("v1.33.5+k3s1", "v2.0.0+k3s1", "more than one minor version ahead"),
    ],
)
def test_downgrade_and_minor_skips_are_refused(version: str, target: str, message: str) -> None:
    with pytest.raises(UpgradeError, match=message):
        node_steps([{"name": "n1", "role": "server", "version": version}], target)


def test_a_node_not_ready_stops_the_plan() -> None:
    with pytest.raises(UpgradeError, match="nodes not Ready before the upgrade: gpu-1"):
        _plan(nodes=[node("gpu-1", "v1.33.5+k3s1", ready=False)])


def test_charts_and_images_before_after_per_layer() -> None:
    result = _plan(
        nodes=[node("ctl-a", "v1.33.5+k3s1", server=True)],
        helmcharts=[
            helmchart("longhorn", repo="https://charts.longhorn.io", chart="longhorn", version="1.11.2"),
            helmchart("cert-manager", chart="https://%{KUBERNETES_API}%/static/charts/cert-manager-v1.21.1.tgz"),
            helmchart("open-webui", repo="https://helm.openwebui.com", chart="open-webui", version="10.0.0"),
        ],
        charts=[
            {"layer": 4, "name": "open-webui", "variable": "open_webui_chart", "source": {"version": "8.0.0"}},
            {"layer": 3, "name": "longhorn", "variable": "longhorn_chart", "source": {"version": "1.12.1"}},
            {
                "layer": 3,
                "name": "cert-manager",
                "variable": "cert_manager_chart",
                "source": {"file": "cert-manager-v1.21.1.tgz"},
            },
            {"layer": 4, "name": "jupyterhub", "variable": "jupyterhub_chart", "source": {"version": "4.3.1"}},
        ],
        workloads=[
            deployment("open-webui", "ghcr.io/open-webui/open-webui:0.6.12"),
            deployment("redis", "redis:7.4.6"),
        ],
        images=[
            {
                "layer": 4,
                "workload": "Deployment/open-webui/open-webui/open-webui",
                "image": "ghcr.io/open-webui/open-webui:0.12.4",
                "variable": "open_webui_image_tag",
            },
            {
                "layer": 4,
                "workload": "Deployment/open-webui/redis/redis",
                "image": "redis:7.4.6",
                "variable": "open_webui_redis_image",
            },
            {"layer": 4, "workload": "Deployment/open-webui/pipelines/pipelines", "image": "", "variable": "x"},
        ],
    )
    charts = {s["name"]: (s["layer"], s["before"], s["after"], s["action"]) for s in result["charts"]}
    assert charts == {
        "longhorn": (3, "1.11.2", "1.12.1", "upgrade"),
        "cert-manager": (3, "v1.21.1", "v1.21.1", "none"),
        "open-webui": (4, "10.0.0", "8.0.0", "downgrade"),
        "jupyterhub": (4, None, "4.3.1", "install"),
    }
    assert [s["name"] for s in result["charts"]] == ["cert-manager", "longhorn", "jupyterhub", "open-webui"]
    images = {s["workload"].split("/")[2]: s["action"] for s in result["images"]}
    assert images == {"open-webui": "upgrade", "redis": "none"}
    assert result["k3s"] == [] and result["changes"] == 4 and result["layers"] == [3, 4]
    assert "layer 3  chart  longhorn: 1.11.2 -> 1.12.1 (upgrade)" in result["lines"]
    assert "layer 4  chart  jupyterhub: (not installed) -> 4.3.1 (install)" in result["lines"]
    hints = rollback(result, backup="openwebui/pre-upgrade-20260130T020000Z")
    assert hints[0].startswith("image Deployment/open-webui/open-webui/open-webui: set open_webui_image_tag back to")
    assert any("longhorn_chart version back to 1.11.2" in h and "platform.yml" in h for h in hints)
    assert hints[-1].endswith("(openwebui/pre-upgrade-20260130T020000Z)")


def test_every_release_of_a_chart_and_every_container_of_an_image() -> None:
    result = _plan(
        helmcharts=[
            helmchart(
                "open-webui-ollama", repo="https://otwld.github.io/ollama-helm", chart="ollama", version="1.70.0"
            ),
            helmchart("ollama-standalone", chart="https://%{KUBERNETES_API}%/static/charts/ollama-1.70.0.tgz"),
        ],
        charts=[{"layer": 4, "chart": "ollama", "variable": "ollama_chart", "source": {"version": "1.77.0"}}],
        workloads=[
            deployment("open-webui-ollama", "ollama/ollama:0.30.0"),
            deployment("ollama-standalone", "docker.io/ollama/ollama:0.32.15"),
            deployment("redis", "docker.io/library/redis:7.4.6-alpine"),
        ],
        images=[
            {"layer": 4, "image": "ollama/ollama:0.32.15", "variable": "ollama_version"},
            {"layer": 4, "image": "redis:7.4.6-alpine", "variable": "open_webui_redis_image"},
        ],
    )
    assert [(s["name"], s["before"], s["action"]) for s in result["charts"]] == [
        ("ollama-standalone", "1.70.0", "upgrade"),
        ("open-webui-ollama", "1.70.0", "upgrade"),
    ]
    assert [(s["workload"].split("/")[2], s["action"]) for s in result["images"]] == [
        ("ollama-standalone", "none"),
        ("open-webui-ollama", "upgrade"),
        ("redis", "none"),
    ]


def test_chart_version_from_a_source_or_a_helmchart() -> None:
    assert chart_version({"repo": "https://x", "chart": "longhorn", "version": "1.12.1"}) == "1.12.1"
    assert chart_version({"file": "ingress-nginx-4.15.1.tgz"}) == "4.15.1"
    assert chart_version({"chart": "https://%{KUBERNETES_API}%/static/charts/seaweedfs-4.44.0.tgz"}) == "4.44.0"
    assert chart_version({"chart": "longhorn"}) == ""
    with pytest.raises(UpgradeError, match="longhorn_chart: no chart version"):
        _plan(charts=[{"name": "longhorn", "variable": "longhorn_chart", "source": {"chart": "longhorn"}}])


def test_gate_passes_only_when_everything_is_healthy() -> None:
    healthy = gate(
        nodes=[node("ctl-a", "v1.33.5+k3s1", server=True)],
        target_k3s="v1.33.5+k3s1",
        workloads=[
            deployment("open-webui", "x", 2, 2),
            {**deployment("lh", "y", kind="DaemonSet"), "status": {"desiredNumberScheduled": 1, "numberReady": 1}},
        ],
        http=[{"name": "Open WebUI /health", "status": 200}],
    )
    assert healthy == {"passed": True, "problems": []}
    failed = gate(
        nodes=[node("ctl-a", "v1.32.9+k3s1", server=True, cordoned=True), node("gpu-1", "v1.33.5+k3s1", ready=False)],
        target_k3s="v1.33.5+k3s1",
        workloads=[
            deployment("open-webui", "x", 2, 1),
            {**deployment("ollama", "y"), "status": {"readyReplicas": 1, "observedGeneration": 1}},
        ],
        http=[{"name": "Open WebUI /health", "status": -1, "msg": "Connection refused"}, {"name": "s3", "status": 503}],
    )
    assert not failed["passed"]
    assert failed["problems"] == [
        "node ctl-a is still cordoned",
        "node ctl-a runs v1.32.9+k3s1, not v1.33.5+k3s1",
        "node gpu-1 is not Ready",
        "Deployment open-webui/open-webui: 1 of 2 ready",
        "Deployment open-webui/ollama: the controller has not seen the new spec yet (generation 2, observed 1)",
        "Open WebUI /health: Connection refused, expected HTTP 200",
        "s3: HTTP 503, expected HTTP 200",
    ]


def _written_manifests() -> list[Any]:
    """The documents of manifest files as the roles write them (real builder, YAML text read back)."""
    longhorn = build_helmchart(
        "longhorn", {}, source={"file": "longhorn-1.12.1.tgz"}, target_namespace="longhorn-system", variable="x"
    )
    cert_manager = build_helmchart(
        "cert-manager",
        {},
        source={"repo": "https://charts.jetstack.io", "chart": "cert-manager", "version": "v1.21.1"},
        target_namespace="cert-manager",
        variable="cert_manager_chart",
    )
    redis = {**deployment("open-webui-redis", "redis:7.4.6"), "apiVersion": "apps/v1"}
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "y"}, "data": {}}
    files = [
        yaml.safe_dump_all([longhorn]),
        yaml.safe_dump_all([cert_manager, configmap]),
        "---\n" + yaml.safe_dump(redis),
    ]
    return [doc for text in files for doc in yaml.safe_load_all(text)]


DESIRED_CHARTS = [
    {"layer": 3, "name": "longhorn", "variable": "longhorn_chart", "source": {"file": "longhorn-1.12.1.tgz"}},
    {
        "layer": 3,
        "name": "cert-manager",
        "variable": "cert_manager_chart",
        "source": {"repo": "https://charts.jetstack.io", "chart": "cert-manager", "version": "v1.22.0"},
    },
    {"layer": 4, "name": "jupyterhub", "variable": "jupyterhub_chart", "source": {"version": "4.4.0"}},
]


def test_split_manifests_keeps_helmcharts_and_workloads() -> None:
    docs = [*_written_manifests(), None, "text"]
    helmcharts, workloads = split_manifests(docs)
    assert [h["metadata"]["name"] for h in helmcharts] == ["longhorn", "cert-manager"]
    assert [w["metadata"]["name"] for w in workloads] == ["open-webui-redis"]


def test_the_manifests_directory_is_the_before_side_while_k3s_is_not_running() -> None:
    result = _plan(
        charts=DESIRED_CHARTS,
        images=[{"layer": 4, "variable": "open_webui_redis_image", "image": "redis:7.4.7"}],
        manifests=_written_manifests(),
    )
    assert result["source"] == "manifests" and result["k3s"] == [] and result["servers"] == []
    assert result["lines"] == [
        "k3s      not running (prepare-only): no node to upgrade, the k3s role installs v1.33.5+k3s1;"
        " charts and images before: k3s's manifests directory",
        "layer 3  chart  cert-manager: v1.21.1 -> v1.22.0 (upgrade)",
        "layer 3  chart  longhorn: 1.12.1 -> 1.12.1 (none)",
        "layer 4  chart  jupyterhub: (not installed) -> 4.4.0 (install)",
        "layer 4  image  Deployment/open-webui/open-webui-redis/open-webui-redis: redis:7.4.6 -> redis:7.4.7 (upgrade)",
    ]
    assert result["changes"] == 3 and result["layers"] == [3, 4]


def test_the_same_objects_plan_the_same_from_the_cluster_or_the_manifests() -> None:
    docs = _written_manifests()
    helmcharts, workloads = split_manifests(docs)
    from_cluster = _plan(charts=DESIRED_CHARTS, helmcharts=helmcharts, workloads=workloads)
    from_files = _plan(charts=DESIRED_CHARTS, manifests=docs)
    assert from_cluster["charts"] == from_files["charts"] and from_cluster["source"] == "cluster"
    assert from_cluster["lines"][0] == "k3s      every node already runs the target version"


def test_nodes_and_manifests_exclude_each_other() -> None:
    with pytest.raises(UpgradeError, match="nodes and manifests exclude each other"):
        _plan(nodes=[node("ctl-a", "v1.33.5+k3s1", server=True)], manifests=[])


def test_rollback_names_the_playbook_of_each_layer() -> None:
    result = _plan(
        helmcharts=[helmchart("kube-prometheus-stack", chart="kube-prometheus-stack", version="88.5.2")],
        charts=[
            {
                "layer": 6,
                "name": "kube-prometheus-stack",
                "variable": "monitoring_kube_prometheus_stack_chart",
                "source": {"file": "kube-prometheus-stack-88.5.3.tgz"},
            }
        ],
        workloads=[deployment("open-webui-redis", "redis:7.4.6")],
        images=[{"layer": 4, "variable": "open_webui_redis_image", "image": "redis:7.4.6"}],
    )
    # Layer by layer as applied: layer 4's image before layer 6's chart.
    assert result["lines"][1:] == [
        "layer 4  image  Deployment/open-webui/open-webui-redis/open-webui-redis: redis:7.4.6 -> redis:7.4.6 (none)",
        "layer 6  chart  kube-prometheus-stack: 88.5.2 -> 88.5.3 (upgrade)",
    ]
    assert rollback(result) == [
        "chart kube-prometheus-stack: set monitoring_kube_prometheus_stack_chart version back to 88.5.2 and rerun "
        "playbooks/monitoring.yml (the Helm controller applies it)"
    ]
