"""Contract: the volumes playbooks/restore.yml mounts are the ones the rendered charts give the workloads.

For each bundled inventory, the restore's volumes are derived the way restore.yml
derives them (its variable files and the restore_volumes filter, every Ollama
instance: tests/integration/contract/playbooks/restore_volumes.yml) and compared
with the pinned charts rendered by real Helm from the plan's HelmCharts: the
claim exists (a PersistentVolumeClaim object, or a StatefulSet's
volumeClaimTemplate as ``<template>-<statefulset>-<ordinal>``), the workload
mounts it where the target says, without a subPath, its data lies where the
restore writes, every Ollama claim of the charts is covered, and the helper Pod
built for it is valid for the pinned Kubernetes minor. The Longhorn restore's
Volume is checked against the pinned Longhorn chart's CRD, its PersistentVolume
and claim against the pinned Kubernetes minor and the plan's StorageClass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import _longhorn_restore, _restore
from ansible_collections.aistack.baremetal.tests.integration.contract.harness import (
    SchemaRegistry,
    chart_archive,
    chart_crds,
    render,
    validate_builtin,
)
from ansible_collections.aistack.baremetal.tests.integration.playbook_runs import ansible_playbook, playbook_run

INVENTORIES = ("example", "multinode")
# The container of each workload that reads the data.
CONTAINER = {"open_webui": "open-webui", "ollama": "ollama"}


def _derive(name: str, out: Path) -> dict[str, Any]:
    dest = out / "volumes.json"
    run = ansible_playbook(
        "tests/integration/contract/playbooks/restore_volumes.yml",
        f"inventories/{name}",
        "-e",
        f"restore_volumes_out={dest}",
        timeout=600,
    )
    assert run.returncode == 0, f"restore volumes for {name} failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(dest.read_text())
    return result


@playbook_run
def volumes_example(out: Path) -> dict[str, Any]:
    return _derive("example", out)


@playbook_run
def volumes_multinode(out: Path) -> dict[str, Any]:
    return _derive("multinode", out)


RUNS = {"example": volumes_example, "multinode": volumes_multinode}


def _helmcharts(manifests: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for objs in manifests.values() for o in objs if o["kind"] == "HelmChart"}


def _render(chart: dict[str, Any]) -> list[dict[str, Any]]:
    spec = chart["spec"]
    values = yaml.safe_load(spec.get("valuesContent") or "{}") or {}
    return render(
        chart_archive(spec["chart"], spec["version"]), values, chart["metadata"]["name"], spec["targetNamespace"]
    )


def claims(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every claim a rendered workload uses: {claim: {kind, name, volume, pod}}.

    A volume with persistentVolumeClaim names its claim, which must be a rendered
    PersistentVolumeClaim; a StatefulSet's volumeClaimTemplate ``t`` gives the
    claims ``t-<statefulset>-<ordinal>`` for each replica.
    """
    pvcs = {o["metadata"]["name"] for o in objects if o["kind"] == "PersistentVolumeClaim"}
    result: dict[str, dict[str, Any]] = {}
    for obj in objects:
        if obj["kind"] not in ("Deployment", "StatefulSet"):
            continue
        pod = obj["spec"]["template"]
        entry = {"kind": obj["kind"], "name": obj["metadata"]["name"], "pod": pod}
        for volume in pod["spec"].get("volumes", []):
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                assert claim in pvcs, (
                    f"{obj['kind']}/{entry['name']} uses claim {claim}, which the chart does not create"
                )
                result[claim] = {**entry, "volume": volume["name"]}
        for template in obj["spec"].get("volumeClaimTemplates", []):
            for ordinal in range(obj["spec"].get("replicas", 1)):
                result[f"{template['metadata']['name']}-{entry['name']}-{ordinal}"] = {
                    **entry,
                    "volume": template["metadata"]["name"],
                }
    return result


def mismatch(target: dict[str, Any], objects: list[dict[str, Any]]) -> str:
    """Why ``target`` is not where the rendered workload keeps its data ('' when it is)."""
    found = claims(objects).get(target["claim"])
    if found is None:
        return f"claim {target['claim']} is none of the rendered workloads' claims {sorted(claims(objects))}"
    if (found["kind"], found["name"]) != (target["kind"], target["name"]):
        return (
            f"claim {target['claim']} belongs to {found['kind']}/{found['name']}, not {target['kind']}/{target['name']}"
        )
    containers = {c["name"]: c for c in found["pod"]["spec"]["containers"]}
    container = containers.get(CONTAINER[target["workload"]])
    if container is None:
        return f"no container {CONTAINER[target['workload']]} in {found['kind']}/{found['name']}"
    mounts = [m for m in container.get("volumeMounts", []) if m["name"] == found["volume"]]
    if [(m["mountPath"], m.get("subPath", "")) for m in mounts] != [(target["mount_path"], "")]:
        return f"{container['name']} mounts the claim as {mounts}, the restore expects {target['mount_path']} whole"
    return ""


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_restore_mounts_the_claims_the_charts_create(plan_manifests: Any, playbook_runs: Any, inventory: str) -> None:
    derived = playbook_runs.result(RUNS[inventory])
    volumes = derived["volumes"]
    charts = _helmcharts(plan_manifests[inventory])
    # Every Ollama instance has a HelmChart of its own and a derived target.
    ollama_charts = sorted(n for n, c in charts.items() if c["spec"]["chart"] == "ollama")
    assert sorted(t["name"] for t in volumes["ollama"]) == sorted(volumes["instances"]) == ollama_charts
    targets = [volumes["open_webui"], *volumes["ollama"]]
    rendered_claims: set[str] = set()
    for target in targets:
        objects = _render(charts[target["name"]])
        assert mismatch(target, objects) == "", f"{inventory}: {mismatch(target, objects)}"
        found = claims(objects)
        rendered_claims.update(c for c, w in found.items() if w["name"] == target["name"])
        container = next(
            c for c in found[target["claim"]]["pod"]["spec"]["containers"] if c["name"] in CONTAINER.values()
        )
        if target["workload"] == "ollama":
            # Ollama keeps its models in $HOME/.ollama/models unless OLLAMA_MODELS says otherwise; it runs as
            # root (HOME=/root): the volume's models/ directory is what ollama_archive restores into.
            assert "OLLAMA_MODELS" not in _env(container)
            pod = found[target["claim"]]["pod"]
            assert "runAsUser" not in (pod["spec"].get("securityContext") or {})
            assert "runAsUser" not in (container.get("securityContext") or {})
            assert target["mount_path"] == "/root/.ollama" and target["subdir"] == "models"
            # restore.yml finds the instance's Pod by these labels.
            labels = pod["metadata"]["labels"]
            assert labels["app.kubernetes.io/name"] == "ollama"
            assert labels["app.kubernetes.io/instance"] == target["name"]
        else:
            # Open WebUI's DATA_DIR (the image's default unless set) is the volume's root.
            assert _env(container).get("DATA_DIR", target["mount_path"]) == target["mount_path"] == "/app/backend/data"
            assert target["subdir"] == ""
            # The chart's init container copies the image's data into the volume without overwriting:
            # a restored database survives the start.
            init = {c["name"]: c for c in found[target["claim"]]["pod"]["spec"].get("initContainers", [])}
            for copy in (
                c
                for c in init.values()
                if any(m["name"] == found[target["claim"]]["volume"] for m in c.get("volumeMounts", []))
            ):
                script = " ".join(copy.get("command", []) + copy.get("args", []))
                assert "cp -R -n " in script, f"{copy['name']} may overwrite restored data: {script}"
        # The helper Pod the restore starts for it: valid for the pinned Kubernetes, same claim and mount.
        helper = _restore.helper_pod(
            target, namespace=derived["namespace"], node="ai-control", image=container["image"]
        )
        validate_builtin(helper)
        assert helper["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == target["claim"]
        assert helper["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] == target["mount_path"]
    # The Ollama data claims of the charts are exactly the derived ones (one per instance).
    ollama_rendered = {c for c in rendered_claims if c != volumes["open_webui"]["claim"]}
    assert ollama_rendered == {t["claim"] for t in volumes["ollama"]}


def test_the_check_catches_a_wrong_claim_or_mount(plan_manifests: Any, playbook_runs: Any) -> None:
    """mismatch() fails for names the restore could have guessed wrong; the old defaults were right."""
    volumes = playbook_runs.result(volumes_example)["volumes"]
    charts = _helmcharts(plan_manifests["example"])
    webui = _render(charts["open-webui"])
    ollama = _render(charts["open-webui-ollama"])
    # The literals restore.yml used before its claims were derived: right for these charts.
    assert mismatch({**volumes["open_webui"], "claim": "open-webui"}, webui) == ""
    assert mismatch({**volumes["ollama"][0], "claim": "open-webui-ollama"}, ollama) == ""
    # What a volumeClaimTemplate would have named it, another workload's claim, another mount: each is caught.
    assert "is none of the rendered workloads' claims" in mismatch(
        {**volumes["open_webui"], "claim": "data-open-webui-0"}, webui
    )
    assert "belongs to Deployment/open-webui-pipelines" in mismatch(
        {**volumes["open_webui"], "claim": "open-webui-pipelines"}, webui
    )
    assert "the restore expects /root/.ollama/models whole" in mismatch(
        {**volumes["ollama"][0], "mount_path": "/root/.ollama/models"}, ollama
    )
    standalone = _render(charts["ollama-standalone"])
    assert "is none of the rendered workloads' claims" in mismatch(volumes["ollama"][0], standalone)


BACKUP = {
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


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_longhorn_restore_objects_fit_the_pinned_longhorn_and_kubernetes(plan_manifests: Any, inventory: str) -> None:
    charts = _helmcharts(plan_manifests[inventory])
    longhorn = charts["longhorn"]["spec"]
    registry = SchemaRegistry()
    registry.add(chart_crds(chart_archive(longhorn["chart"], longhorn["version"])))
    classes = {
        o["metadata"]["name"]: o
        for objs in plan_manifests[inventory].values()
        for o in objs
        if o["kind"] == "StorageClass"
    }
    volume, pv, pvc = _longhorn_restore.objects(
        BACKUP,
        backup_name="backup-0a1b2c3d4e5f4a6b",
        volume="open-webui-restored",
        claim="open-webui-restored",
        namespace="open-webui",
        longhorn_namespace=longhorn["targetNamespace"],
        storage_class="longhorn-ssd",
        replicas=1,
    )
    registry.validate(volume)
    validate_builtin(pv)
    validate_builtin(pvc)
    # The class the PersistentVolume and claim name is the plan's Longhorn class, on the driver the PV names.
    assert classes["longhorn-ssd"]["provisioner"] == pv["spec"]["csi"]["driver"]
    assert classes["longhorn-ssd"]["parameters"]["fsType"] == pv["spec"]["csi"]["fsType"]
    # The CRD check is strict: a misspelt field of the Volume is refused.
    broken = {**volume, "spec": {**volume["spec"], "fromBackupURL": volume["spec"]["fromBackup"]}}
    with pytest.raises(Exception, match="fromBackupURL"):
        registry.validate(broken)
