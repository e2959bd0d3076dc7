# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a reset of layers 3 to 5 removes and what it keeps.

Private to this collection; the logic of the ``reset_plan`` module and so of
``playbooks/reset.yml``. Components are removed in the reverse order of
their install (AI services before the platform, Longhorn last). Volumes -
every PersistentVolumeClaim in the stack's namespaces, the object store's
included, and the PersistentVolumes bound to them - are kept unless
``delete_data`` asks for them; the StorageClass keeps released volumes
(reclaim policy Retain), so kept data survives the charts' removal and a
reinstall can bind it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Install order of the components of layers 3 and 4 (layer 5 is content inside layer 4's services).
ORDER = (
    ("longhorn", 3),
    ("cert_manager", 3),
    ("ingress", 3),
    ("nvidia_device_plugin", 3),
    ("object_storage", 3),
    ("ollama", 4),
    ("open_webui", 4),
    ("jupyterhub", 4),
)


class ResetError(Exception):
    """The reset inputs are wrong; nothing was changed."""


def removal_order(components: Iterable[str]) -> list[dict[str, Any]]:
    """The given components in reverse install order, ``{role, layer}``."""
    wanted = list(components)
    known = [name for name, _layer in ORDER]
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ResetError(f"unknown components {unknown}; known: {known}")
    return [{"role": name, "layer": layer} for name, layer in reversed(ORDER) if name in wanted]


def plan(
    *,
    components: Iterable[str],
    namespaces: Iterable[str],
    pvcs: Iterable[Mapping[str, Any]],
    delete_data: bool,
    data_paths: Iterable[str] = (),
    longhorn_namespace: str = "longhorn-system",
) -> dict[str, Any]:
    """The reset: components to remove in order, volumes deleted or kept, and the report lines."""
    steps = removal_order(components)
    scope = set(namespaces)
    volumes = []
    for obj in pvcs:
        meta = obj.get("metadata") or {}
        if meta.get("namespace") not in scope:
            continue
        spec = obj.get("spec") or {}
        volumes.append(
            {
                "namespace": meta.get("namespace"),
                "name": meta.get("name"),
                "volume": spec.get("volumeName"),
                "size": ((spec.get("resources") or {}).get("requests") or {}).get("storage"),
            }
        )
    volumes.sort(key=lambda v: (str(v["namespace"]), str(v["name"])))
    paths = sorted(set(data_paths))
    result: dict[str, Any] = {
        "remove": steps,
        "delete_volumes": volumes if delete_data else [],
        "keep_volumes": [] if delete_data else volumes,
        "delete_paths": paths if delete_data else [],
        "keep_paths": [] if delete_data else paths,
    }
    result["delete_objects"] = [obj for v in result["delete_volumes"] for obj in volume_objects(v, longhorn_namespace)]
    result["report"] = report(result)
    return result


def volume_objects(volume: Mapping[str, Any], longhorn_namespace: str) -> list[dict[str, Any]]:
    """What deleting a volume takes, in order: the claim, its PersistentVolume (Retain keeps it), Longhorn's volume."""
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"namespace": volume["namespace"], "name": volume["name"]},
        }
    ]
    if volume.get("volume"):
        objects.append({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": volume["volume"]}})
        objects.append(
            {
                "apiVersion": "longhorn.io/v1beta2",
                "kind": "Volume",
                "metadata": {"namespace": longhorn_namespace, "name": volume["volume"]},
            }
        )
    return objects


def report(result: Mapping[str, Any]) -> str:
    """The reset report (Markdown): what was removed and what was kept."""
    lines = ["# Reset report", "", "## Removed", ""]
    lines += [f"- layer {s['layer']}: {s['role']} (HelmChart and the objects it installed)" for s in result["remove"]]
    lines += [
        f"- volume {v['namespace']}/{v['name']} ({v['size'] or '?'}, {v['volume']})" for v in result["delete_volumes"]
    ]
    lines += [f"- data directory {p} on every node" for p in result["delete_paths"]]
    if not (result["remove"] or result["delete_volumes"] or result["delete_paths"]):
        lines.append("- nothing")
    lines += ["", "## Kept", ""]
    lines += [
        f"- volume {v['namespace']}/{v['name']} ({v['size'] or '?'}, {v['volume']})" for v in result["keep_volumes"]
    ]
    lines += [f"- data directory {p} on every node" for p in result["keep_paths"]]
    if result["keep_volumes"] or result["keep_paths"]:
        lines += [
            "",
            "Kept volumes stay as PersistentVolumes with reclaim policy Retain; the object store's bucket data is",
            "on its volume. Delete them with -e aistack_reset_delete_data=true.",
        ]
    else:
        lines.append("- no volume or data directory")
    return "\n".join(lines) + "\n"
