"""Reset of layers 3 to 5: removal order, and volumes kept unless asked."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils._reset import ResetError, plan, removal_order

ALL = [
    "longhorn",
    "cert_manager",
    "ingress",
    "nvidia_device_plugin",
    "object_storage",
    "ollama",
    "open_webui",
    "jupyterhub",
]
NAMESPACES = ["open-webui", "jupyterhub", "object-storage", "longhorn-system"]


def pvc(namespace: str, name: str, size: str = "20Gi") -> dict[str, Any]:
    return {
        "metadata": {"namespace": namespace, "name": name},
        "spec": {"volumeName": f"pvc-{name}", "resources": {"requests": {"storage": size}}},
    }


PVCS = [
    pvc("open-webui", "open-webui"),
    pvc("object-storage", "data-seaweedfs-0", "200Gi"),
    pvc("open-webui", "ollama-models", "500Gi"),
    pvc("someone-else", "theirs"),
]


def test_components_go_in_reverse_install_order() -> None:
    assert [s["role"] for s in removal_order(ALL)] == list(reversed(ALL))
    assert removal_order(["longhorn", "open_webui"]) == [
        {"role": "open_webui", "layer": 4},
        {"role": "longhorn", "layer": 3},
    ]
    with pytest.raises(ResetError, match=r"unknown components \['minio'\]"):
        removal_order(["minio"])


def test_without_the_second_variable_every_volume_and_data_directory_is_kept() -> None:
    result = plan(components=ALL, namespaces=NAMESPACES, pvcs=PVCS, delete_data=False, data_paths=["/var/lib/longhorn"])
    assert result["delete_volumes"] == [] and result["delete_paths"] == [] and result["delete_objects"] == []
    assert [(v["namespace"], v["name"]) for v in result["keep_volumes"]] == [
        ("object-storage", "data-seaweedfs-0"),
        ("open-webui", "ollama-models"),
        ("open-webui", "open-webui"),
    ]
    assert result["keep_paths"] == ["/var/lib/longhorn"]
    report = result["report"]
    kept = report.split("## Kept")[1]
    assert "- volume object-storage/data-seaweedfs-0 (200Gi, pvc-data-seaweedfs-0)" in kept
    assert "- data directory /var/lib/longhorn on every node" in kept
    assert "theirs" not in report  # outside the stack's namespaces: neither removed nor listed
    assert report.split("## Removed")[1].split("## Kept")[0].strip().splitlines()[0] == (
        "- layer 4: jupyterhub (HelmChart and the objects it installed)"
    )


def test_delete_data_deletes_volumes_and_data_directories() -> None:
    result = plan(components=ALL, namespaces=NAMESPACES, pvcs=PVCS, delete_data=True, data_paths=["/var/lib/longhorn"])
    assert len(result["delete_volumes"]) == 3 and result["keep_volumes"] == []
    assert result["delete_paths"] == ["/var/lib/longhorn"]
    assert [(o["kind"], o["metadata"]["name"]) for o in result["delete_objects"][:3]] == [
        ("PersistentVolumeClaim", "data-seaweedfs-0"),
        ("PersistentVolume", "pvc-data-seaweedfs-0"),
        ("Volume", "pvc-data-seaweedfs-0"),
    ]
    assert "- no volume or data directory" in result["report"].split("## Kept")[1]
