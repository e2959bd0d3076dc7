"""What a restore on the cluster mounts: claims derived from the values builders, the helper Pod, the node path."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import _longhorn_restore as lh
from ansible_collections.aistack.baremetal.plugins.module_utils import _restore as r
from ansible_collections.aistack.baremetal.plugins.module_utils import _values_ollama as ol
from ansible_collections.aistack.baremetal.plugins.module_utils import _values_open_webui as ow
from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError
from ansible_collections.aistack.baremetal.tests.unit.plugins.module_utils.test_ai_values import OLLAMA, OPEN_WEBUI

ROOT = Path(__file__).resolve().parents[4]
UID = "0f6b0c4e-3f57-4d5e-9a39-0b1f7e0e2f11"


def _scale_out() -> dict[str, Any]:
    inputs = copy.deepcopy(OLLAMA)
    inputs["nodes"] = [
        {"node": "ai-gpu-1", "cpu": 24, "memory_gb": 96, "volume_gb": 500},
        {"node": "AI-GPU-2", "cpu": 24, "memory_gb": 96, "volume_gb": 500},
    ]
    return inputs


def test_claims_follow_the_release_names_the_values_give_the_charts() -> None:
    inputs = _scale_out()
    every = [i["name"] for i in ol.instances(inputs)]
    result = r.volumes(inputs, ollama_instances=every)
    assert result["instances"] == ["open-webui-ollama", "open-webui-ollama-ai-gpu-2", "ollama-standalone"]
    for target in result["ollama"]:
        values = ol.values(inputs, target["name"])
        # The ollama chart names its claim after its fullname, unless an existing claim is given.
        assert "existingClaim" not in values["persistentVolume"]
        assert target["claim"] == values["fullnameOverride"] == target["name"]
        assert (target["mount_path"], target["subdir"], target["kind"]) == ("/root/.ollama", "models", "Deployment")
        # OLLAMA_MODELS is never set: Ollama keeps its models under $HOME/.ollama/models, the volume's models/.
        assert "OLLAMA_MODELS" not in {e["name"] for e in values["extraEnv"]}
    assert [(t["role"], t["node"]) for t in result["ollama"]] == [
        ("primary", "ai-gpu-1"),
        ("primary", "ai-gpu-2"),
        ("standalone", ""),
    ]
    webui = ow.values(OPEN_WEBUI)
    assert "existingClaim" not in webui["persistence"]
    assert not {"fullnameOverride", "nameOverride"} & set(webui)
    assert result["open_webui"]["claim"] == ow.RELEASE == "open-webui"
    assert (result["open_webui"]["mount_path"], result["open_webui"]["subdir"]) == ("/app/backend/data", "")


def test_the_first_primary_by_default_and_overrides() -> None:
    result = r.volumes(OLLAMA)
    assert [t["claim"] for t in result["ollama"]] == ["open-webui-ollama"]
    result = r.volumes(
        OLLAMA,
        ollama_instances=["ollama-standalone"],
        ollama_claim_override="models-restored",
        open_webui_claim_override="webui-restored",
    )
    assert [(t["name"], t["claim"]) for t in result["ollama"]] == [("ollama-standalone", "models-restored")]
    assert result["open_webui"]["claim"] == "webui-restored"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ollama_instances": ["ollama"]}, r"aistack_restore_ollama_instances: no Ollama instance \['ollama'\]"),
        (
            {"ollama_instances": ["open-webui-ollama", "ollama-standalone"], "ollama_claim_override": "x"},
            "aistack_restore_ollama_claim: names one claim, but 2 instances",
        ),
        ({"ollama_claim_override": "Bad_Claim"}, "aistack_restore_ollama_claim: 'Bad_Claim' is not"),
        ({"open_webui_claim_override": "a b"}, "aistack_restore_openwebui_claim: 'a b' is not"),
    ],
)
def test_bad_selections_name_the_variable(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        r.volumes(OLLAMA, **kwargs)


def _kube_version() -> str:
    k3s = yaml.safe_load((ROOT / "roles/k3s/defaults/main.yml").read_text())["k3s_version"]
    match = re.match(r"^v(\d+\.\d+)\.", k3s)
    assert match, k3s
    return f"{match.group(1)}.0"


def test_helper_pod_holds_the_claim_where_the_workload_mounts_it() -> None:
    target = r.volumes(OLLAMA)["ollama"][0]
    pod = r.helper_pod(target, namespace="open-webui", node="ai-gpu-1", image="ollama/ollama:0.32.15")
    spec = pod["spec"]
    assert pod["metadata"]["name"] == "aistack-restore-open-webui-ollama"
    assert spec["nodeName"] == "ai-gpu-1" and spec["restartPolicy"] == "Never"
    assert spec["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "open-webui-ollama"}}]
    assert spec["containers"][0]["volumeMounts"] == [{"name": "data", "mountPath": "/root/.ollama"}]
    assert spec["automountServiceAccountToken"] is False
    # Valid for the Kubernetes minor of the pinned k3s, strictly (no unknown field).
    kubernetes_validate.validate(pod, _kube_version(), strict=True)
    broken = copy.deepcopy(pod)
    broken["spec"]["containers"][0]["volumeMount"] = broken["spec"]["containers"][0].pop("volumeMounts")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, _kube_version(), strict=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"namespace": "Open", "node": "n", "image": "i:1"}, "namespace: 'Open'"),
        ({"namespace": "o", "node": "", "image": "i:1"}, "node: ''"),
        ({"namespace": "o", "node": "n", "image": "a b"}, "image: 'a b'"),
    ],
)
def test_helper_pod_refuses_bad_input(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        r.helper_pod(r.volumes(OLLAMA)["open_webui"], **kwargs)


def test_node_dir_is_kubelets_csi_mount_then_the_data_directory() -> None:
    result = r.volumes(OLLAMA)
    root = f"/var/lib/kubelet/pods/{UID}/volumes/kubernetes.io~csi/pvc-1234/mount"
    assert r.node_dir(result["open_webui"], pod_uid=UID, volume_name="pvc-1234") == root
    assert r.node_dir(result["ollama"][0], pod_uid=UID, volume_name="pvc-1234") == root + "/models"
    with pytest.raises(ChartError, match="pod_uid"):
        r.node_dir(result["open_webui"], pod_uid="../../etc", volume_name="pvc-1234")
    with pytest.raises(ChartError, match="volume_name"):
        r.node_dir(result["open_webui"], pod_uid=UID, volume_name="../x")


def test_host_for_node() -> None:
    hosts = [{"name": "ctl", "node": "ai-control"}, {"name": "gpu1", "node": "AI-GPU-1"}, {"name": "st"}]
    assert r.host_for_node("ai-gpu-1", hosts) == "gpu1"
    assert r.host_for_node("st", hosts) == "st"
    assert r.host_for_node("elsewhere", hosts) == ""


# ---- Longhorn: a backup restored as a new volume, PersistentVolume and claim ------------------

BACKUP: dict[str, Any] = {
    "apiVersion": "longhorn.io/v1beta2",
    "kind": "Backup",
    "metadata": {"name": "backup-0a1b2c3d4e5f4a6b", "namespace": "longhorn-system"},
    "status": {
        "state": "Completed",
        "url": "s3://longhorn-backups@us-east-1/?backup=backup-0a1b2c3d4e5f4a6b&volume=pvc-1234",
        "volumeName": "pvc-1234",
        "volumeSize": "107374182400",
    },
}


def _longhorn(**overrides: Any) -> list[dict[str, Any]]:
    args: dict[str, Any] = {
        "backup_name": "backup-0a1b2c3d4e5f4a6b",
        "volume": "open-webui-restored",
        "claim": "open-webui-restored",
        "namespace": "open-webui",
        "longhorn_namespace": "longhorn-system",
        "storage_class": "longhorn-ssd",
        "replicas": 1,
    }
    return lh.objects(overrides.pop("backup", BACKUP), **{**args, **overrides})


def test_longhorn_restore_is_a_new_volume_bound_to_a_new_claim_that_keeps_its_data() -> None:
    volume, pv, pvc = _longhorn()
    assert volume["kind"] == "Volume" and volume["metadata"]["namespace"] == "longhorn-system"
    assert volume["spec"]["fromBackup"] == BACKUP["status"]["url"]
    assert volume["spec"]["size"] == "107374182400" and volume["spec"]["numberOfReplicas"] == 1
    assert pv["spec"]["csi"] == {
        "driver": "driver.longhorn.io",
        "volumeHandle": "open-webui-restored",
        "fsType": "ext4",
    }
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv["spec"]["claimRef"]["name"] == pvc["metadata"]["name"] == "open-webui-restored"
    assert pvc["spec"]["volumeName"] == pv["metadata"]["name"]
    assert pvc["spec"]["storageClassName"] == pv["spec"]["storageClassName"] == "longhorn-ssd"
    for obj in (pv, pvc):
        kubernetes_validate.validate(obj, _kube_version(), strict=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"backup": {}}, "aistack_restore_longhorn_backup: no Longhorn Backup 'backup-0a1b2c3d4e5f4a6b'"),
        (
            {"backup": {"status": {**BACKUP["status"], "state": "InProgress"}}},
            "is InProgress, not Completed",
        ),
        ({"backup": {"status": {**BACKUP["status"], "url": ""}}}, "has no backup URL"),
        ({"backup": {"status": {**BACKUP["status"], "volumeSize": "0"}}}, "has no volume size"),
        ({"volume": "Open"}, "aistack_restore_longhorn_volume: 'Open'"),
        ({"claim": ""}, "aistack_restore_longhorn_claim: ''"),
        ({"replicas": 0}, "aistack_restore_longhorn_replicas: 0"),
    ],
)
def test_longhorn_restore_refuses_what_it_cannot_restore(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError, match=message):
        _longhorn(**overrides)


def test_longhorn_restore_done_only_when_filled_and_detached() -> None:
    assert lh.restored({"status": {"restoreRequired": False, "state": "detached"}})
    assert not lh.restored({"status": {"restoreRequired": True, "state": "detached"}})
    assert not lh.restored({"status": {"restoreRequired": False, "state": "attached"}})
    assert not lh.restored({})
