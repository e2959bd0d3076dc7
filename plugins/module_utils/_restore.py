# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a restore on the cluster writes: the volumes of Open WebUI and every Ollama instance.

``playbooks/restore.yml`` mounts a workload's PersistentVolumeClaim on a node
with a helper Pod and runs ``openwebui_backup`` / ``ollama_archive`` there on
the mounted directory. What it needs to know, derived here from the same
builders that write the charts' values (so a renamed release renames the
claim the restore mounts):

- the claim: the open-webui chart names its PersistentVolumeClaim after the
  release (``open-webui``; ``persistence.existingClaim`` is never set); the
  ollama chart names it after its fullname, which the values set to the
  instance's release name (``fullnameOverride``) for every primary instance
  and the standalone;
- where the workload mounts the volume and where its data lies inside it:
  Open WebUI's ``DATA_DIR`` (``/app/backend/data``) is the volume's root;
  Ollama runs as root with the volume on ``/root/.ollama`` and keeps its models
  in ``$HOME/.ollama/models`` (``OLLAMA_MODELS`` is never set), the volume's
  ``models`` directory;
- the helper Pod, and the directory kubelet mounts its volume on, on the node.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils import _values_ollama, _values_open_webui
from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name

# Open WebUI's DATA_DIR in its image; the chart mounts the volume there.
OPEN_WEBUI_DATA_DIR = "/app/backend/data"
# The ollama chart mounts the volume on the root user's ~/.ollama (its ollama.mountPath default).
OLLAMA_MOUNT_PATH = "/root/.ollama"
# Ollama's model store inside that directory (OLLAMA_MODELS unset: $HOME/.ollama/models).
OLLAMA_MODELS_SUBDIR = "models"
# kubelet's directory for a CSI volume (Longhorn) of a Pod (volumeMode Filesystem).
KUBELET_PODS_DIR = "/var/lib/kubelet/pods"
HELPER_PREFIX = "aistack-restore-"
HELPER_SECONDS = 86400
_UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def ollama_claim(name: str) -> str:
    """The claim of the ollama release ``name``: the chart's fullname, which the values override to the release."""
    return name


def open_webui_claim() -> str:
    """The claim of Open WebUI: the chart names it after the release (the values never set existingClaim)."""
    return _values_open_webui.RELEASE


def _override(value: Any, variable: str) -> str:
    return check_name(value, variable, label=False)


def volumes(
    ollama_inputs: Mapping[str, Any],
    *,
    ollama_instances: Sequence[str] = (),
    ollama_claim_override: str = "",
    open_webui_claim_override: str = "",
) -> dict[str, Any]:
    """What a restore mounts: ``{open_webui: target, ollama: [target, ...], instances: [every instance name]}``.

    A target is ``{workload, kind, name, claim, mount_path, subdir, node}``: the
    workload that uses the claim, where it mounts it, and the directory inside
    the volume the restore writes (``''``: the volume's root). ``ollama`` holds
    the instances named in ``ollama_instances`` (release names), by default the
    first primary; ``ollama_claim_override`` replaces the claim of the one
    instance restored.
    """
    every = _values_ollama.instances(ollama_inputs)
    names = [i["name"] for i in every]
    chosen = list(ollama_instances) or [names[0]]
    unknown = [n for n in chosen if n not in names]
    if unknown:
        raise ChartError(f"aistack_restore_ollama_instances: no Ollama instance {unknown}; the inventory has {names}")
    if ollama_claim_override and len(chosen) != 1:
        raise ChartError(
            f"aistack_restore_ollama_claim: names one claim, but {len(chosen)} instances are restored {chosen}; "
            "restore them one at a time"
        )
    ollama = []
    for item in every:
        if item["name"] not in chosen:
            continue
        claim = ollama_claim(item["name"])
        if ollama_claim_override:
            claim = _override(ollama_claim_override, "aistack_restore_ollama_claim")
        ollama.append(
            {
                "workload": "ollama",
                "kind": "Deployment",
                "name": item["name"],
                "role": item["role"],
                "claim": claim,
                "mount_path": OLLAMA_MOUNT_PATH,
                "subdir": OLLAMA_MODELS_SUBDIR,
                "node": item["node"],
            }
        )
    claim = open_webui_claim()
    if open_webui_claim_override:
        claim = _override(open_webui_claim_override, "aistack_restore_openwebui_claim")
    return {
        "open_webui": {
            "workload": "open_webui",
            "kind": "StatefulSet",
            "name": _values_open_webui.RELEASE,
            "role": "primary",
            "claim": claim,
            "mount_path": OPEN_WEBUI_DATA_DIR,
            "subdir": "",
            "node": "",
        },
        "ollama": ollama,
        "instances": names,
    }


def helper_name(claim: str) -> str:
    """The helper Pod's name for ``claim``."""
    check_name(claim, "claim", label=False)
    return check_name(f"{HELPER_PREFIX}{claim}", f"helper Pod name for claim {claim!r}", label=False)


def helper_pod(target: Mapping[str, Any], *, namespace: str, node: str, image: str) -> dict[str, Any]:
    """A Pod that only holds ``target``'s claim mounted on ``node`` (where the workload mounts it), running ``image``.

    ``image`` is the workload's own image, already on the node (also
    air-gapped). The Pod is pinned with ``nodeName`` (no scheduling) and never
    restarts; it mounts nothing else, gets no service-account token and stops
    at once when deleted.
    """
    check_name(namespace, "namespace")
    check_name(node, "node", label=False)
    if not isinstance(image, str) or not image or any(c.isspace() for c in image):
        raise ChartError(f"image: {image!r} is not a container image")
    claim = str(target.get("claim"))
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": helper_name(claim),
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "aistack", "app.kubernetes.io/component": "restore"},
        },
        "spec": {
            "nodeName": node,
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "hold",
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["sleep", str(HELPER_SECONDS)],
                    "volumeMounts": [{"name": "data", "mountPath": str(target.get("mount_path"))}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
        },
    }


def node_dir(target: Mapping[str, Any], *, pod_uid: str, volume_name: str) -> str:
    """The directory on the node where the restore writes: the helper's mounted volume, then ``target``'s subdir.

    kubelet mounts a CSI volume of Pod ``pod_uid`` on
    ``/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~csi/<PersistentVolume>/mount``.
    """
    if not isinstance(pod_uid, str) or not _UID.match(pod_uid):
        raise ChartError(f"pod_uid: {pod_uid!r} is not a Pod UID")
    check_name(volume_name, "volume_name", label=False)
    root = posixpath.join(KUBELET_PODS_DIR, pod_uid, "volumes", "kubernetes.io~csi", volume_name, "mount")
    subdir = str(target.get("subdir") or "")
    return posixpath.join(root, subdir) if subdir else root


def host_for_node(node: str, hosts: Sequence[Mapping[str, Any]]) -> str:
    """The inventory host whose k3s node is ``node``; '' when none is.

    ``hosts``: ``[{name, node}]``, ``node`` the host's k3s node name (its
    nodename fact, else its inventory name), compared in lower case as k3s
    names nodes.
    """
    wanted = str(node).lower()
    for host in hosts:
        if str(host.get("node") or host.get("name") or "").lower() == wanted:
            return str(host.get("name"))
    return ""
