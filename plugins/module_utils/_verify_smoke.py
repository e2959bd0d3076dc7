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


OBSERVED_KEYS = (
    "tls",
    "answers",
    "ollama_info",
    "ollama_gpu",
    "ollama_missing",
    "openwebui",
    "openwebui_order",
    "nodes",
    "gpu_allocatable",
    "gpu_replicas",
)


def expected_gpus(plans: Sequence[Mapping[str, Any]], replicas: int) -> dict[str, int]:
    """Node name (the host's name, lower case) -> GPUs the capacity plan found x time-slicing replicas."""
    out = {}
    for plan in plans:
        gpus = len(((plan.get("hardware") or {}).get("gpus")) or [])
        if gpus:
            out[str(plan.get("host")).lower()] = gpus * int(replicas)
    return out


def tls_checks(results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """ansible.builtin.uri results (one per endpoint): any HTTP status after a verified handshake passes."""
    checks = []
    for r in results:
        url = str(r.get("url") or r.get("item") or "")
        status = r.get("status")
        ok = isinstance(status, int) and 100 <= status < 600
        detail = f"HTTP {status}" if ok else str(r.get("msg") or "no answer")
        checks.append({"check": "TLS with the collection's CA", "target": url, "ok": ok, "detail": detail})
    return checks


def answer_checks(results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """aistack.baremetal.ollama_perf results (loop items ``{instance, model}``): the model answered a prompt."""
    checks = []
    for r in results:
        item = r.get("item") or {}
        target = f"{item.get('instance')}: {item.get('model')}"
        perf = r.get("perf") or {}
        single = perf.get("single_all") or {}
        if r.get("failed") or not r.get("measured"):
            ok, detail = False, str(r.get("msg") or "not measured")
        elif single.get("errors"):
            ok, detail = False, str((single.get("error_messages") or ["error"])[0])
        else:
            ok, detail = True, f"answered, first token {single['ttft']['p50']:.2f} s"
        checks.append({"check": "hot model answers a prompt", "target": target, "ok": ok, "detail": detail})
    return checks


def _instances(results: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """aistack.baremetal.ollama_model_info loop results (items ``{key: instance, value: url}``) by instance."""
    out = {}
    for r in results:
        name = str((r.get("item") or {}).get("key"))
        failed = bool(r.get("failed"))
        out[name] = {
            "models": [str(m.get("name")) for m in r.get("models") or []],
            "loaded": list(r.get("loaded") or []),
            "error": str(r.get("msg") or "failed") if failed else None,
        }
    return out


def checks_from(observed: Mapping[str, Any], plans: Sequence[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """Smoke checks from what the services reported, as the verify role registers it.

    Keys, each optional (``OBSERVED_KEYS``): ``tls`` (ansible.builtin.uri loop results),
    ``answers`` (ollama_perf loop results, items ``{instance, model}``), ``ollama_info``
    (ollama_model_info loop results, items ``{key: instance, value: url}``), ``ollama_gpu``
    (instance -> runs on a GPU host), ``ollama_missing`` (instances whose Service was not
    found), ``openwebui`` (the openwebui_model_info result; skipped or absent: not checked),
    ``openwebui_order`` (instances in OLLAMA_BASE_URLS order), ``nodes`` (Node objects) and
    ``gpu_allocatable`` (node -> expected; when empty, ``gpu_replicas`` > 0 takes the GPUs of
    each host in ``plans`` times that).
    """
    unknown = sorted(set(observed) - set(OBSERVED_KEYS))
    if unknown:
        raise ValueError(f"unknown keys {unknown}; allowed: {', '.join(OBSERVED_KEYS)}")
    ollama = _instances(observed.get("ollama_info") or [])
    checks: list[dict[str, Any]] = tls_checks(observed.get("tls") or [])
    for name in observed.get("ollama_missing") or []:
        checks.append(
            {"check": "Ollama answers", "target": str(name), "ok": False, "detail": "its Service was not found"}
        )
    for name, inst in ollama.items():
        detail = inst["error"] or f"{len(inst['models'])} models installed"
        checks.append({"check": "Ollama answers", "target": name, "ok": not inst["error"], "detail": detail})
    checks += answer_checks(observed.get("answers") or [])
    webui = observed.get("openwebui") or {}
    if webui and not webui.get("skipped"):
        if webui.get("failed"):
            checks.append(
                {
                    "check": "Open WebUI lists the models of Ollama",
                    "target": "Open WebUI",
                    "ok": False,
                    "detail": str(webui.get("msg") or "failed"),
                }
            )
        else:
            order = list(observed.get("openwebui_order") or ollama.keys())
            tags = {name: (ollama.get(name) or {}).get("models") or [] for name in order}
            checks += openwebui_lists_ollama(webui.get("models") or [], tags, order)
    gpu = observed.get("ollama_gpu") or {}
    for name, inst in ollama.items():
        if gpu.get(name) and not inst["error"]:
            checks.append(vram_in_use(inst["loaded"], name))
    expected = observed.get("gpu_allocatable") or {}
    if not expected and int(observed.get("gpu_replicas") or 0) > 0:
        expected = expected_gpus(plans, int(observed["gpu_replicas"]))
    if expected:
        checks += gpu_allocatable(observed.get("nodes") or [], expected)
    return checks


def targets(plans: Sequence[Mapping[str, Any]], tiers: Sequence[str]) -> list[dict[str, Any]]:
    """``{instance, url, model, tier}`` for each model of ``tiers`` in the models' plans
    (``_model_tiers.plan``: one ``{name, url, tiers}`` per instance), in list order."""
    out = []
    for inst in plans:
        for tier in tiers:
            for model in (inst.get("tiers") or {}).get(tier) or []:
                out.append({"instance": inst["name"], "url": inst["url"], "model": model, "tier": tier})
    return out
