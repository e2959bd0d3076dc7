# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke checks of the verify layer that compare what services report.

Each check is a dict ``{check, target, ok, detail}``, the shape the verify report renders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def openwebui_lists_ollama(
    webui_models: Sequence[Mapping[str, Any]],
    instances: Mapping[str, Sequence[str]],
    order: Sequence[str],
) -> list[dict[str, Any]]:
    """Whether Open WebUI lists every model of every Ollama instance.

    ``webui_models``: Open WebUI's ``/api/models`` entries; an Ollama model carries
    ``ollama.urls``, the indexes in OLLAMA_BASE_URLS of the servers that have it.
    ``instances``: instance name -> model names from its ``/api/tags``.
    ``order``: the instances in OLLAMA_BASE_URLS order (primary first).
    """
    listed: dict[str, set[int]] = {}
    for entry in webui_models:
        ident = str(entry.get("id") or "")
        ollama = entry.get("ollama") if isinstance(entry.get("ollama"), Mapping) else {}
        urls = ollama.get("urls") if isinstance(ollama, Mapping) else None
        listed.setdefault(ident, set()).update(int(u) for u in (urls or []) if isinstance(u, int))
    checks = []
    for index, name in enumerate(order):
        models = list(instances.get(name) or [])
        missing = [m for m in models if m not in listed]
        elsewhere = [m for m in models if m in listed and listed[m] and index not in listed[m]]
        ok = not missing and not elsewhere and bool(models)
        if not models:
            detail = f"{name} has no model installed"
        elif ok:
            detail = f"all {len(models)} models of {name} listed"
        else:
            detail = "; ".join(
                part
                for part in (
                    f"not listed: {', '.join(missing)}" if missing else "",
                    f"listed, but not from {name} (OLLAMA_BASE_URLS index {index}): {', '.join(elsewhere)}"
                    if elsewhere
                    else "",
                )
                if part
            )
        checks.append({"check": "Open WebUI lists the models of Ollama", "target": name, "ok": ok, "detail": detail})
    return checks


def gpu_allocatable(
    nodes: Sequence[Mapping[str, Any]], expected: Mapping[str, int], resource: str = "nvidia.com/gpu"
) -> list[dict[str, Any]]:
    """Each node's allocatable GPUs (Node objects from k8s_info) against what preflight expects."""
    found = {
        str((n.get("metadata") or {}).get("name")): (n.get("status") or {}).get("allocatable", {}).get(resource)
        for n in nodes
    }
    checks = []
    for node, count in expected.items():
        got = found.get(node)
        value = int(got) if isinstance(got, (int, str)) and str(got).isdigit() else 0
        ok = node in found and value == int(count)
        detail = "node not found" if node not in found else f"allocatable {resource} {value}, expected {count}"
        checks.append({"check": f"allocatable {resource}", "target": node, "ok": ok, "detail": detail})
    return checks


def vram_in_use(loaded: Sequence[Mapping[str, Any]], instance: str) -> dict[str, Any]:
    """On a GPU host, a loaded model must have some of its memory in VRAM (``/api/ps`` ``size_vram``)."""
    in_vram = [
        f"{m.get('name')} {int(m.get('size_vram') or 0) / 1024**3:.1f} GiB" for m in loaded if m.get("size_vram")
    ]
    if not loaded:
        detail, ok = "no model loaded", False
    elif in_vram:
        detail, ok = "in VRAM: " + ", ".join(in_vram), True
    else:
        detail, ok = (
            "loaded models have size_vram 0 (running on the CPU): " + ", ".join(str(m.get("name")) for m in loaded),
            False,
        )
    return {"check": "Ollama uses the GPU (/api/ps size_vram)", "target": instance, "ok": ok, "detail": detail}


OBSERVED_KEYS = ("ollama", "openwebui_models", "openwebui_order", "nodes", "gpu_allocatable")


def checks_from(observed: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Smoke checks from what the services reported.

    ``observed`` keys (each optional): ``ollama`` (instance -> ``{models: [names], loaded: [/api/ps entries],
    gpu: bool}``), ``openwebui_models`` (Open WebUI's ``/api/models`` entries, null when not read),
    ``openwebui_order`` (instances in OLLAMA_BASE_URLS order), ``nodes`` (Node objects) and
    ``gpu_allocatable`` (node -> expected nvidia.com/gpu).
    """
    unknown = sorted(set(observed) - set(OBSERVED_KEYS))
    if unknown:
        raise ValueError(f"observed has unknown keys {unknown}; allowed: {', '.join(OBSERVED_KEYS)}")
    ollama = observed.get("ollama") or {}
    checks: list[dict[str, Any]] = []
    if observed.get("openwebui_models") is not None:
        order = list(observed.get("openwebui_order") or ollama.keys())
        tags = {name: list((ollama.get(name) or {}).get("models") or []) for name in order}
        checks += openwebui_lists_ollama(observed["openwebui_models"], tags, order)
    for name, inst in ollama.items():
        if (inst or {}).get("gpu"):
            checks.append(vram_in_use(inst.get("loaded") or [], name))
    if observed.get("gpu_allocatable"):
        checks += gpu_allocatable(observed.get("nodes") or [], observed["gpu_allocatable"])
    return checks
