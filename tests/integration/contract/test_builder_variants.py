"""Contract for builder variants the bundled inventories do not select.

The inventories use ingress-nginx and SeaweedFS; k3s's Traefik (the collection
default) and MinIO (with a supplied image) are checked here from the builders
directly: Traefik rendered by real Helm from the packaged upstream chart, MinIO's
keys against its chart's values.yaml (no packaged MinIO chart is available).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import _values_ingress, _values_object_storage
from ansible_collections.aistack.baremetal.tests.integration.contract.harness import (
    chart_archive,
    is_builtin,
    render,
    shared_dir,
    unknown_value_keys,
    validate_builtin,
)

TRAEFIK = {
    "controller": "traefik",
    "namespace": "kube-system",
    "body_size_mb": 5120,
    "timeout_seconds": 3600,
    "default_tls_secret": "aistack-default-tls",
}


def test_traefik_values_render_and_exist() -> None:
    archive = chart_archive("traefik", "41.3.0")
    values = _values_ingress.values(TRAEFIK)
    assert unknown_value_keys(archive, values) == []
    objects = render(archive, values, "traefik", "kube-system")
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--entryPoints.websecure.transport.respondingTimeouts.readTimeout=3600s" in args
    assert "--entryPoints.web.transport.respondingTimeouts.readTimeout=3600s" in args
    store = next(o for o in objects if o["kind"] == "TLSStore")
    assert store["spec"]["defaultCertificate"]["secretName"] == "aistack-default-tls"
    service = next(o for o in objects if o["kind"] == "Service")
    assert service["spec"]["type"] == "LoadBalancer"
    assert {p["port"] for p in service["spec"]["ports"]} >= {80, 443}
    for obj in objects:
        if is_builtin(obj) and obj["kind"] != "CustomResourceDefinition":
            validate_builtin(obj)


def _minio_values_yaml() -> dict[str, object]:
    path = Path(shared_dir()) / "reference" / "charts" / "minio" / "5.4.0" / "values.yaml"
    if not path.exists():
        pytest.fail(f"no MinIO reference values at {path}")
    return yaml.safe_load(path.read_text())


def test_minio_values_keys_exist() -> None:
    defaults = _minio_values_yaml()
    image = {"repository": "registry.example/minio/minio", "tag": "RELEASE.2025-01-01T00-00-00Z"}
    values = _values_object_storage.values(
        {
            "backend": "minio",
            "namespace": "object-storage",
            "buckets": ["longhorn-backups", "model-archive"],
            "volume_size_gb": 200,
            "storage_class": "longhorn-ssd",
            "memory_gb": 2,
            "credentials_secret": "object-storage-credentials",
            "console_secret": "object-storage-console",
            "minio_image": image,
            "minio_mc_image": image,
        }
    )

    def check(node: object, default: object, path: str) -> list[str]:
        if not isinstance(node, dict):
            return []
        if not isinstance(default, dict) or not default:
            return []  # free-form
        missing = []
        for key, value in node.items():
            if key not in default:
                missing.append(f"{path}{key}")
            else:
                missing += check(value, default[key], f"{path}{key}.")
        return missing

    assert check(values, defaults, "") == []
