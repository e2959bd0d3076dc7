"""k3s HelmChart objects: sources, structure, manifest rendering."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import _helmchart as hc

ONLINE = {"repo": "https://charts.longhorn.io", "chart": "longhorn", "version": "1.12.1"}


def test_online_source_is_pinned() -> None:
    assert hc.check_source(ONLINE, "longhorn_chart") == ONLINE
    assert hc.check_source({**ONLINE, "version": "v1.21.1"}, "x")["version"] == "v1.21.1"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({**ONLINE, "version": "latest"}, "longhorn_chart.version: 'latest' is not a pinned version"),
        ({**ONLINE, "version": "1.12"}, "longhorn_chart.version"),
        ({"repo": "charts.longhorn.io", "chart": "longhorn", "version": "1.0.0"}, "longhorn_chart.repo"),
        ({"chart": "longhorn", "version": "1.0.0"}, "longhorn_chart: missing ['repo']"),
        ({"file": "longhorn.tar"}, "longhorn_chart.file"),
        ({"file": "../longhorn-1.12.1.tgz"}, "longhorn_chart.file"),
        ({"file": "longhorn-1.12.1.tgz", "version": "1.12.1"}, "cannot be combined"),
        ({**ONLINE, "url": "x"}, "unknown keys ['url']"),
        ("longhorn", "must be a dict"),
    ],
)
def test_bad_sources_name_the_variable(source: object, message: str) -> None:
    with pytest.raises(hc.ChartError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        hc.check_source(source, "longhorn_chart")


def test_every_source_of_a_role_is_checked_at_once() -> None:
    checked = hc.check_sources(
        [
            {"source": ONLINE, "variable": "monitoring_kube_prometheus_stack_chart"},
            {"source": {}, "variable": "ingress_controller"},
            {"source": {"file": "dcgm-exporter-4.8.2.tgz"}, "variable": "monitoring_dcgm_exporter_chart"},
        ]
    )
    # The empty source (k3s's packaged Traefik) has nothing to check and is left out.
    assert checked == [
        {"variable": "monitoring_kube_prometheus_stack_chart", "source": ONLINE},
        {"variable": "monitoring_dcgm_exporter_chart", "source": {"file": "dcgm-exporter-4.8.2.tgz"}},
    ]


def test_a_later_bad_source_names_its_own_variable() -> None:
    with pytest.raises(hc.ChartError, match=r"^monitoring_dcgm_exporter_chart\.version"):
        hc.check_sources(
            [
                {"source": ONLINE, "variable": "monitoring_kube_prometheus_stack_chart"},
                {"source": {**ONLINE, "version": "latest"}, "variable": "monitoring_dcgm_exporter_chart"},
            ]
        )


@pytest.mark.parametrize("entries", ["longhorn_chart", [ONLINE], [{"source": ONLINE, "variable": ""}]])
def test_chart_sources_need_a_list_naming_each_variable(entries: object) -> None:
    with pytest.raises(hc.ChartError, match="chart sources"):
        hc.check_sources(entries)


def test_online_helmchart() -> None:
    obj = hc.helmchart("longhorn", {"a": {"b": 1}}, source=ONLINE, target_namespace="longhorn-system")
    assert obj["apiVersion"] == "helm.cattle.io/v1"
    assert obj["kind"] == "HelmChart"
    assert obj["metadata"]["namespace"] == "kube-system"
    spec = obj["spec"]
    assert (spec["repo"], spec["chart"], spec["version"]) == (ONLINE["repo"], "longhorn", "1.12.1")
    assert spec["targetNamespace"] == "longhorn-system"
    assert spec["failurePolicy"] == "abort"
    assert yaml.safe_load(spec["valuesContent"]) == {"a": {"b": 1}}


def test_airgap_helmchart_points_at_the_static_directory() -> None:
    obj = hc.helmchart("longhorn", {}, source={"file": "longhorn-1.12.1.tgz"}, target_namespace="longhorn-system")
    assert obj["spec"]["chart"] == "https://%{KUBERNETES_API}%/static/charts/longhorn-1.12.1.tgz"
    assert "repo" not in obj["spec"]
    assert "version" not in obj["spec"]
    assert "chartContent" not in obj["spec"]
    assert "valuesContent" not in obj["spec"]


def test_bad_names_and_options() -> None:
    with pytest.raises(hc.ChartError, match="target namespace"):
        hc.helmchart("x", {}, source=ONLINE, target_namespace="Longhorn")
    with pytest.raises(hc.ChartError, match="failure policy"):
        hc.helmchart("x", {}, source=ONLINE, target_namespace="x", failure_policy="ignore")
    with pytest.raises(hc.ChartError, match="timeout"):
        hc.helmchart("x", {}, source=ONLINE, target_namespace="x", timeout="ten minutes")


def test_helmchartconfig() -> None:
    obj = hc.helmchartconfig("traefik", {"ports": {"web": {}}})
    assert obj["kind"] == "HelmChartConfig"
    assert obj["metadata"] == {
        "name": "traefik",
        "namespace": "kube-system",
        "labels": {"app.kubernetes.io/managed-by": "aistack"},
    }
    assert yaml.safe_load(obj["spec"]["valuesContent"]) == {"ports": {"web": {}}}


def test_manifest_is_stable_and_round_trips() -> None:
    objs = [
        hc.helmchart("b", {"z": 1, "a": "x\ny"}, source=ONLINE, target_namespace="b"),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}},
    ]
    text = hc.render_manifest(objs)
    assert text == hc.render_manifest(objs)
    assert text.startswith(hc.MANIFEST_HEADER)
    assert list(yaml.safe_load_all(text)) == objs
    assert "valuesContent: |" in text


def test_manifest_refuses_non_objects() -> None:
    with pytest.raises(hc.ChartError, match="at least one"):
        hc.render_manifest([])
    with pytest.raises(hc.ChartError, match="without kind"):
        hc.render_manifest([{"apiVersion": "v1", "metadata": {}}])


def test_plain_converts_subclasses() -> None:
    class Tagged(str):
        pass

    converted = hc.plain({"a": [Tagged("x")]})["a"][0]
    assert converted.__class__ is str
    with pytest.raises(hc.ChartError):
        hc.plain({"a": object()})


def test_job_and_file_names() -> None:
    assert hc.job_name("longhorn") == "helm-install-longhorn"
    assert hc.job_name("longhorn", "absent") == "helm-delete-longhorn"
    assert hc.manifest_file("cert-manager") == "cert-manager.yaml"
    with pytest.raises(hc.ChartError):
        hc.manifest_file("cert_manager")
