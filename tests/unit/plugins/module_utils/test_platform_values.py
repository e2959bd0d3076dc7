"""The platform values builders: what each sets, and bad input naming its variable."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _values_cert_manager as cm,
)
from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _values_ingress as ing,
)
from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _values_longhorn as lh,
)
from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _values_nvidia_device_plugin as ndp,
)
from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _values_object_storage as s3,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError

LONGHORN: dict[str, Any] = {
    "namespace": "longhorn-system",
    "storage_nodes": 1,
    "replica_count": 0,
    "data_path": "/var/lib/longhorn",
    "storage_class": "longhorn-ssd",
    "over_provisioning_percent": 100,
    "minimal_available_percent": 10,
    "backup_target": "s3://longhorn-backups@us-east-1/",
    "backup_secret": "longhorn-backup-s3",
    "backup_poll_interval": 300,
    "recurring_jobs": [{"name": "nightly", "task": "snapshot", "cron": "0 2 * * *", "retain": 7}],
    "ui_expose": False,
    "ui_hostname": "",
    "ui_auth_secret": "longhorn-ui-auth",
    "ui_tls_secret": "longhorn-ui-tls",
    "ingress_controller": "traefik",
    "ingress_class": "traefik",
}


@pytest.mark.parametrize(("nodes", "replicas"), [(0, 1), (1, 1), (2, 2), (3, 3), (7, 3)])
def test_longhorn_replicas_follow_the_storage_nodes(nodes: int, replicas: int) -> None:
    values = lh.values({**LONGHORN, "storage_nodes": nodes})
    assert values["persistence"]["defaultClassReplicaCount"] == replicas
    assert values["defaultSettings"]["defaultReplicaCount"] == {"v1": str(replicas), "v2": str(replicas)}
    assert values["defaultSettings"]["replicaSoftAntiAffinity"] is (replicas == 1)
    assert lh.storage_class({**LONGHORN, "storage_nodes": nodes})["parameters"]["numberOfReplicas"] == str(replicas)


def test_longhorn_single_default_class() -> None:
    values = lh.values(LONGHORN)
    assert values["persistence"]["defaultClass"] is False
    classes = [o for o in lh.objects(LONGHORN) if o["kind"] == "StorageClass"]
    assert [c["metadata"]["name"] for c in classes] == ["longhorn-ssd"]
    assert classes[0]["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"


def test_longhorn_backup_and_jobs() -> None:
    values = lh.values(LONGHORN)
    assert values["defaultBackupStore"]["backupTarget"] == "s3://longhorn-backups@us-east-1/"
    assert values["defaultBackupStore"]["backupTargetCredentialSecret"] == "longhorn-backup-s3"
    jobs = [o for o in lh.objects(LONGHORN) if o["kind"] == "RecurringJob"]
    assert jobs[0]["spec"] | {"labels": {}} == {
        "name": "nightly",
        "task": "snapshot",
        "cron": "0 2 * * *",
        "retain": 7,
        "concurrency": 1,
        "groups": ["default"],
        "labels": {},
    }
    assert "defaultBackupStore" not in lh.values({**LONGHORN, "backup_target": "", "recurring_jobs": []})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"replica_count": 3, "storage_nodes": 1}, "longhorn_replica_count"),
        ({"storage_nodes": "many"}, "longhorn_storage_nodes"),
        ({"data_path": "var/lib/longhorn"}, "longhorn_data_path"),
        ({"minimal_available_percent": 101}, "longhorn_minimal_available_percent"),
        ({"backup_target": "http://x"}, "longhorn_backup_target"),
        ({"storage_class": "Longhorn_SSD"}, "longhorn_storage_class"),
        (
            {"recurring_jobs": [{"name": "x", "task": "defrag", "cron": "0 2 * * *"}]},
            r"longhorn_recurring_jobs\[0\].task",
        ),
        (
            {"recurring_jobs": [{"name": "x", "task": "snapshot", "cron": "daily"}]},
            r"longhorn_recurring_jobs\[0\].cron",
        ),
        (
            {"backup_target": "", "recurring_jobs": [{"name": "b", "task": "backup", "cron": "0 2 * * *"}]},
            "needs longhorn_backup_target",
        ),
        ({"ui_expose": True, "ui_hostname": "longhorn.local", "ingress_controller": "haproxy"}, "longhorn_ingress"),
    ],
)
def test_longhorn_bad_input_names_the_variable(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        lh.values({**LONGHORN, **change})
        lh.objects({**LONGHORN, **change})


@pytest.mark.parametrize("controller", ["traefik", "ingress-nginx"])
def test_longhorn_ui_only_behind_auth(controller: str) -> None:
    assert not [o for o in lh.objects(LONGHORN) if o["kind"] == "Ingress"]
    inputs = {**LONGHORN, "ui_expose": True, "ui_hostname": "longhorn.ai.local", "ingress_controller": controller}
    objs = lh.objects(inputs)
    ingress = next(o for o in objs if o["kind"] == "Ingress")
    annotations = ingress["metadata"]["annotations"]
    if controller == "ingress-nginx":
        assert annotations["nginx.ingress.kubernetes.io/auth-type"] == "basic"
        assert annotations["nginx.ingress.kubernetes.io/auth-secret"] == "longhorn-ui-auth"
    else:
        middleware = next(o for o in objs if o["kind"] == "Middleware")
        assert middleware["spec"]["basicAuth"]["secret"] == "longhorn-ui-auth"
        assert annotations["traefik.ingress.kubernetes.io/router.middlewares"].startswith("longhorn-system-")
    assert ingress["spec"]["tls"] == [{"hosts": ["longhorn.ai.local"], "secretName": "longhorn-ui-tls"}]


CERTS: dict[str, Any] = {
    "namespace": "cert-manager",
    "tls_mode": "selfsigned",
    "hostnames": {"open_webui": "ai.local", "object_storage_console": "minio.local", "jupyterhub": "jupyter.local"},
    "namespaces": {"open_webui": "open-webui", "object_storage_console": "object-storage", "jupyterhub": "jupyterhub"},
    "default_certificate_namespace": "kube-system",
    "default_certificate_secret": "aistack-default-tls",
    "ca_common_name": "aistack root CA",
    "ca_duration": "87600h",
    "certificate_duration": "2160h",
}


def test_cert_manager_installs_and_keeps_crds() -> None:
    assert cm.values(CERTS)["crds"] == {"enabled": True, "keep": True}


def test_cert_manager_ca_chain_and_one_certificate_per_hostname() -> None:
    objs = cm.objects(CERTS)
    issuers = {o["metadata"]["name"]: o["spec"] for o in objs if o["kind"] == "ClusterIssuer"}
    assert issuers == {
        "aistack-selfsigned": {"selfSigned": {}},
        "aistack-ca": {"ca": {"secretName": "aistack-root-ca"}},
    }
    certs = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Certificate"}
    assert certs["aistack-root-ca"]["spec"]["isCA"] is True
    assert certs["aistack-root-ca"]["metadata"]["namespace"] == "cert-manager"
    by_host = {
        tuple(c["spec"]["dnsNames"]): (c["metadata"]["namespace"], c["spec"]["secretName"])
        for c in certs.values()
        if "dnsNames" in c["spec"]
    }
    assert by_host[("ai.local",)] == ("open-webui", "open-webui-tls")
    assert by_host[("minio.local",)] == ("object-storage", "object-storage-console-tls")
    assert by_host[("jupyter.local",)] == ("jupyterhub", "jupyterhub-tls")
    assert by_host[("ai.local", "jupyter.local", "minio.local")] == ("kube-system", "aistack-default-tls")
    leaf = [c for n, c in certs.items() if n != "aistack-root-ca"]
    assert all(c["spec"]["issuerRef"]["name"] == "aistack-ca" for c in leaf)
    namespaces = {o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"}
    assert namespaces == {"open-webui", "object-storage", "jupyterhub", "kube-system"}


def test_cert_manager_provided_mode_issues_nothing() -> None:
    objs = cm.objects({**CERTS, "tls_mode": "provided"})
    assert {o["kind"] for o in objs} == {"Namespace"}
    assert len(cm.certificates(CERTS)) == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tls_mode": "acme"}, "cert_manager_tls_mode"),
        ({"hostnames": {"open_webui": "ai_local"}}, "cert_manager_hostnames.open_webui"),
        (
            {"hostnames": {"grafana": "grafana.local"}},
            "cert_manager_namespaces: no namespace for hostname key 'grafana'",
        ),
        ({"certificate_duration": "90d"}, "cert_manager_certificate_duration"),
        ({"hostnames": {}}, "cert_manager_hostnames"),
    ],
)
def test_cert_manager_bad_input_names_the_variable(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        cm.values({**CERTS, **change})
        cm.objects({**CERTS, **change})


INGRESS = {
    "controller": "traefik",
    "namespace": "kube-system",
    "body_size_mb": 5120,
    "timeout_seconds": 3600,
    "default_tls_secret": "aistack-default-tls",
}


def test_traefik_timeouts_and_default_certificate() -> None:
    values = ing.values(INGRESS)
    for entry in ("web", "websecure"):
        timeouts = values["ports"][entry]["transport"]["respondingTimeouts"]
        assert timeouts == {"readTimeout": "3600s", "idleTimeout": "3600s"}
    assert values["tlsStore"]["default"]["defaultCertificate"]["secretName"] == "aistack-default-tls"
    assert "service" not in values  # the chart default (LoadBalancer) is kept
    assert ing.class_name(INGRESS) == "traefik"


def test_ingress_nginx_uploads_timeouts_and_tls() -> None:
    inputs = {**INGRESS, "controller": "ingress-nginx", "namespace": "ingress-nginx"}
    controller = ing.values(inputs)["controller"]
    assert controller["config"]["proxy-body-size"] == "5120m"
    assert controller["config"]["proxy-request-buffering"] == "off"
    assert controller["config"]["proxy-read-timeout"] == "3600"
    assert controller["config"]["proxy-send-timeout"] == "3600"
    assert controller["extraArgs"]["default-ssl-certificate"] == "ingress-nginx/aistack-default-tls"
    assert controller["service"]["type"] == "LoadBalancer"
    assert controller["service"]["ports"] == {"http": 80, "https": 443}
    assert controller["ingressClassResource"] == {"name": "nginx", "default": True}
    assert controller["allowSnippetAnnotations"] is False
    assert ing.class_name(inputs) == "nginx"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"controller": "haproxy"}, "ingress_controller"),
        ({"timeout_seconds": 0}, "ingress_timeout_seconds"),
        ({"body_size_mb": "5g"}, "ingress_body_size_mb"),
    ],
)
def test_ingress_bad_input_names_the_variable(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        ing.values({**INGRESS, **change})


GPU = {
    "node_selector": {"nvidia.com/gpu.present": "true"},
    "runtime_class": "nvidia",
    "time_slicing_replicas": 1,
    "expected_gpus": {"AI-Server": 1},
}


def test_device_plugin_gpu_nodes_runtime_class() -> None:
    values = ndp.values(GPU)
    assert values["runtimeClassName"] == "nvidia"
    assert values["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert values["gfd"] == {"enabled": False}
    config = yaml.safe_load(values["config"]["map"][values["config"]["default"]])
    assert "sharing" not in config


def test_device_plugin_time_slicing() -> None:
    values = ndp.values({**GPU, "time_slicing_replicas": 2})
    config = yaml.safe_load(values["config"]["map"]["aistack"])
    assert config["sharing"]["timeSlicing"]["resources"] == [{"name": "nvidia.com/gpu", "replicas": 2}]
    assert ndp.expected_allocatable({**GPU, "time_slicing_replicas": 2}) == {"ai-server": 2}
    assert ndp.expected_allocatable({**GPU, "expected_gpus": {"cpu-node": 0}}) == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time_slicing_replicas": 0}, "nvidia_device_plugin_time_slicing_replicas"),
        ({"node_selector": {}}, "nvidia_device_plugin_node_selector"),
        ({"runtime_class": ""}, "nvidia_device_plugin_runtime_class"),
    ],
)
def test_device_plugin_bad_input_names_the_variable(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        ndp.values({**GPU, **change})


STORE: dict[str, Any] = {
    "backend": "seaweedfs",
    "namespace": "object-storage",
    "buckets": ["longhorn-backups", "model-archive"],
    "volume_size_gb": 200,
    "storage_class": "longhorn-ssd",
    "memory_gb": 2,
    "credentials_secret": "object-storage-credentials",
    "console_secret": "object-storage-console",
    "console_hostname": "minio.local",
    "console_tls_secret": "object-storage-console-tls",
    "ingress_class": "traefik",
    "minio_image": {},
    "minio_mc_image": {},
}


def test_seaweedfs_single_server_with_auth_buckets_and_volume() -> None:
    values = s3.values(STORE)
    aio = values["allInOne"]
    assert aio["enabled"] is True
    assert aio["s3"]["enableAuth"] is True
    assert aio["s3"]["existingConfigSecret"] == "object-storage-credentials"
    assert aio["s3"]["createBuckets"] == [{"name": "longhorn-backups"}, {"name": "model-archive"}]
    assert aio["data"] == {"type": "persistentVolumeClaim", "size": "200Gi", "storageClass": "longhorn-ssd"}
    assert values["admin"]["secret"]["existingSecret"] == "object-storage-console"
    assert s3.endpoint(STORE) == "http://seaweedfs-all-in-one.object-storage.svc.cluster.local:8333"


def test_console_ingress_with_tls() -> None:
    ingress = s3.console_ingress(STORE)
    assert ingress["spec"]["tls"] == [{"hosts": ["minio.local"], "secretName": "object-storage-console-tls"}]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "seaweedfs-admin", "port": {"number": 23646}}


def test_minio_needs_a_supplied_image() -> None:
    with pytest.raises(ChartError, match="object_storage_minio_image"):
        s3.values({**STORE, "backend": "minio"})
    image = {"repository": "registry.example/minio", "tag": "RELEASE.2025-01-01T00-00-00Z"}
    values = s3.values({**STORE, "backend": "minio", "minio_image": image, "minio_mc_image": image})
    assert values["mode"] == "standalone"
    assert values["users"] == []
    assert values["existingSecret"] == "object-storage-console"
    assert values["persistence"]["size"] == "200Gi"
    assert s3.console_ingress({**STORE, "backend": "minio"})["spec"]["rules"][0]["http"]["paths"][0]["backend"][
        "service"
    ] == {"name": "minio-console", "port": {"number": 9001}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"backend": "garage"}, "object_storage_backend: garage is not supported yet"),
        ({"backend": "ceph"}, "object_storage_backend"),
        ({"buckets": ["Longhorn_Backups"]}, r"object_storage_buckets\[0\]"),
        ({"buckets": []}, "object_storage_buckets"),
        ({"volume_size_gb": 0}, "object_storage_volume_size_gb"),
        ({"backend": "minio", "minio_image": {"repository": "x", "tag": "latest"}}, "object_storage_minio_image.tag"),
    ],
)
def test_object_storage_bad_input_names_the_variable(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        s3.values({**STORE, **change})


def test_seaweedfs_identity_file() -> None:
    config = yaml.safe_load(s3.seaweedfs_s3_config("AK", "SK"))
    assert config["identities"][0]["credentials"] == [{"accessKey": "AK", "secretKey": "SK"}]
    assert "Admin" in config["identities"][0]["actions"]
