# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 object storage: SeaweedFS (default) or MinIO with a user-supplied image.

One server on a Longhorn volume, S3 authentication on, buckets created by the
chart's post-install job, credentials from Secrets the role generates once,
and the console on its hostname through the ingress with TLS. MinIO's community
images were withdrawn, so MinIO needs ``minio_image`` and ``minio_mc_image``
from a registry the user trusts. Garage is not supported yet: its cluster
layout and buckets need its admin API after install, which nothing here does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name

PREFIX = "object_storage_"
BACKENDS = ("seaweedfs", "minio")
RELEASE = {"seaweedfs": "seaweedfs", "minio": "minio"}
# Services the charts create for the release names above (fullnameOverride pins them).
S3_SERVICE = {"seaweedfs": ("seaweedfs-all-in-one", 8333), "minio": ("minio", 9000)}
CONSOLE_SERVICE = {"seaweedfs": ("seaweedfs-admin", 23646), "minio": ("minio-console", 9001)}
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def backend(inputs: Mapping[str, Any]) -> str:
    """The chosen backend, checked."""
    value = inputs.get("backend")
    if value == "garage":
        raise ChartError(
            f"{PREFIX}backend: garage is not supported yet (its layout and buckets need its admin API); "
            f"use one of {list(BACKENDS)}"
        )
    if value not in BACKENDS:
        raise ChartError(f"{PREFIX}backend: {value!r} is not one of {list(BACKENDS)}")
    return str(value)


def buckets(inputs: Mapping[str, Any]) -> list[str]:
    """Bucket names, checked (S3 naming rules), in order, without duplicates."""
    names = inputs.get("buckets")
    if not isinstance(names, list) or not names:
        raise ChartError(f"{PREFIX}buckets: must be a non-empty list of bucket names")
    result: list[str] = []
    for index, name in enumerate(names):
        if not isinstance(name, str) or not _BUCKET.match(name) or ".." in name:
            raise ChartError(f"{PREFIX}buckets[{index}]: {name!r} is not a valid S3 bucket name")
        if name not in result:
            result.append(name)
    return result


def _size(inputs: Mapping[str, Any]) -> str:
    value = inputs.get("volume_size_gb")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ChartError(f"{PREFIX}volume_size_gb: {value!r} must be a whole number of GB, at least 1")
    return f"{value}Gi"


def _image(inputs: Mapping[str, Any], key: str) -> dict[str, str]:
    image = inputs.get(key) or {}
    if not isinstance(image, Mapping) or not image.get("repository") or not image.get("tag"):
        raise ChartError(
            f"{PREFIX}{key}: MinIO's community images were withdrawn; set repository and tag of an image you trust"
        )
    tag = str(image["tag"])
    if not _IMAGE_TAG.match(tag) or tag == "latest":
        raise ChartError(f"{PREFIX}{key}.tag: {tag!r} must be a pinned tag")
    return {"repository": str(image["repository"]), "tag": tag, "pullPolicy": "IfNotPresent"}


def endpoint(inputs: Mapping[str, Any]) -> str:
    """In-cluster S3 endpoint URL."""
    name, port = S3_SERVICE[backend(inputs)]
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    return f"http://{name}.{namespace}.svc.cluster.local:{port}"


def secret_names(inputs: Mapping[str, Any]) -> dict[str, str]:
    """Names of the Secrets the role owns (credentials, console login)."""
    return {
        "credentials": check_name(inputs.get("credentials_secret"), f"{PREFIX}credentials_secret", label=False),
        "console": check_name(inputs.get("console_secret"), f"{PREFIX}console_secret", label=False),
    }


def values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Chart values for the chosen backend."""
    kind = backend(inputs)
    names = buckets(inputs)
    size = _size(inputs)
    storage_class = check_name(inputs.get("storage_class"), f"{PREFIX}storage_class", label=False)
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    secrets = secret_names(inputs)
    if kind == "seaweedfs":
        return {
            "fullnameOverride": "seaweedfs",
            "master": {"enabled": False},
            "volume": {"enabled": False},
            "filer": {"enabled": False},
            "allInOne": {
                "enabled": True,
                "s3": {
                    "enabled": True,
                    "enableAuth": True,
                    "existingConfigSecret": secrets["credentials"],
                    "createBuckets": [{"name": n} for n in names],
                },
                "data": {"type": "persistentVolumeClaim", "size": size, "storageClass": storage_class},
            },
            "admin": {
                "enabled": True,
                "masters": f"seaweedfs-all-in-one.{namespace}:9333",
                "secret": {"existingSecret": secrets["console"], "userKey": "username", "pwKey": "password"},
            },
        }
    return {
        "fullnameOverride": "minio",
        "mode": "standalone",
        "replicas": 1,
        "image": _image(inputs, "minio_image"),
        "mcImage": _image(inputs, "minio_mc_image"),
        "existingSecret": secrets["console"],
        # The chart's default adds a console/console123 user; no users but root.
        "users": [],
        "buckets": [{"name": n, "policy": "none", "purge": False} for n in names],
        "persistence": {"enabled": True, "size": size, "storageClass": storage_class},
        "resources": {"requests": {"memory": f"{_memory(inputs)}Gi"}},
        "consoleService": {"port": "9001"},
    }


def _memory(inputs: Mapping[str, Any]) -> int:
    value = inputs.get("memory_gb")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ChartError(f"{PREFIX}memory_gb: {value!r} must be a whole number of GB, at least 1")
    return value


def seaweedfs_s3_config(access_key: str, secret_key: str) -> str:
    """SeaweedFS's S3 identities file (``seaweedfs_s3_config`` key of its config Secret)."""
    return json.dumps(
        {
            "identities": [
                {
                    "name": "aistack",
                    "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        },
        sort_keys=True,
    )


def console_ingress(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Ingress for the console (its own login) on the console hostname, with TLS."""
    kind = backend(inputs)
    hostname = check_name(inputs.get("console_hostname"), f"{PREFIX}console_hostname", label=False)
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    tls_secret = check_name(inputs.get("console_tls_secret"), f"{PREFIX}console_tls_secret", label=False)
    ingress_class = check_name(inputs.get("ingress_class"), f"{PREFIX}ingress_class", label=False)
    service, port = CONSOLE_SERVICE[kind]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": f"{RELEASE[kind]}-console", "namespace": namespace},
        "spec": {
            "ingressClassName": ingress_class,
            "tls": [{"hosts": [hostname], "secretName": tls_secret}],
            "rules": [
                {
                    "host": hostname,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": service, "port": {"number": port}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def objects(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Objects written after the chart (the console Ingress)."""
    return [console_ingress(inputs)]
