# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: the host's rules (OS, GPU, Secure Boot, containers) and one run over everything.

:func:`run` checks the stack variables, the declared hardware and the host's facts,
then builds the capacity plan with the same input validation ``capacity_plan`` uses,
so that one run reports every problem of an inventory, each naming what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_budget import build_plan
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import Problems
from ansible_collections.aistack.baremetal.plugins.module_utils._constants import CONTAINER_VIRT_TYPES, SUPPORTED_OS
from ansible_collections.aistack.baremetal.plugins.module_utils._hardware_facts import declared_tree
from ansible_collections.aistack.baremetal.plugins.module_utils._stack_inputs import (
    check_declared_hardware,
    check_stack,
)


def default_supported_os() -> list[dict[str, str]]:
    return [{"distribution": d, "version": v} for d, v, _codename in SUPPORTED_OS]


def check_host(
    problems: Problems,
    host: str,
    tree: Mapping[str, Any],
    *,
    declared: Mapping[str, Any] | None = None,
    supported_os: Sequence[Mapping[str, Any]] = (),
    require_gpu: bool = False,
    gpu_acceleration: bool = False,
    tolerance_pct: float = 5,
) -> None:
    """The host rules, on a hardware_facts tree (gathered or declared)."""
    supported = [(str(o.get("distribution")), str(o.get("version"))) for o in supported_os] or [
        (d, v) for d, v, _c in SUPPORTED_OS
    ]
    os_info = tree.get("os") or {}
    found = (str(os_info.get("distribution", "unknown")), str(os_info.get("version", "unknown")))
    declared_source = tree.get("source") == "declared"
    gathered = tree.get("source") == "gathered"
    if found not in supported:
        where = (
            f"Correct preflight_declared_hardware.os in host_vars/{host}.yml"
            if declared_source
            else "Install a supported release"
        )
        problems.error(
            "os",
            f"{os_info.get('pretty_name') or ' '.join(found)} is not supported "
            f"(supported: {', '.join(' '.join(o) for o in supported)}).",
            f"{where}, or extend preflight_supported_os if you have tested this one.",
        )
    gpus = tree.get("gpus") or []
    driver = tree.get("gpu_driver") or {}
    if require_gpu and not gpus:
        looked = "declared gpus is empty" if not gathered else f"looked with {driver.get('source') or 'nvidia-smi'}"
        why = "preflight_require_gpu is true" + (", aistack_gpu_acceleration is true" if gpu_acceleration else "")
        problems.error(
            "gpu",
            f"No NVIDIA GPU found ({looked}), but a GPU is required ({why}).",
            "Fit (or pass through) the GPU, or set aistack_gpu_acceleration: false (and preflight_require_gpu: "
            "false) to run the models on the CPU.",
        )
    names = ", ".join(str(g.get("name")) for g in gpus)
    if gathered and gpus and not driver.get("loaded"):
        state = f"failed: {driver['error']}" if driver.get("error") else "is not installed"
        problems.warning(
            "gpu",
            f"{names} found by {driver.get('source') or 'lspci'}, but nvidia-smi {state}; GPU memory is unknown "
            "until the driver runs.",
            "The nvidia_driver layer installs the driver; rerun preflight after it to plan with the real GPU memory.",
        )
    secure_boot = tree.get("secure_boot") or "unknown"
    if gpus and secure_boot == "enabled":
        problems.warning(
            "secure_boot",
            "Secure Boot is enabled; the NVIDIA kernel modules load only when signed with a key enrolled in MOK.",
            "Enrol the DKMS signing key (mokutil --import /var/lib/dkms/mok.pub, then confirm at the next boot) "
            "or disable Secure Boot in the firmware before the driver layer.",
        )
    if gathered and gpus and secure_boot == "unknown":
        problems.warning(
            "secure_boot",
            "The Secure Boot state could not be read (no mokutil, no SecureBoot EFI variable).",
            "Check it with mokutil --sb-state before the driver layer; an enabled Secure Boot needs a signed "
            "NVIDIA module.",
        )
    virt = tree.get("virtualization") or "unknown"
    if virt in CONTAINER_VIRT_TYPES:
        problems.warning(
            "host",
            f"{host} runs inside a {virt} container; k3s, Longhorn (iSCSI) and the NVIDIA driver need a kernel "
            "they can load modules into.",
            "Run the platform on a VM or on bare metal; a container is good for planning only.",
        )
    summary = tree.get("summary") or {}
    declared = declared or {}
    if gathered and declared:
        share = (100 - tolerance_pct) / 100
        short_cpu = float(summary.get("cpu_cores") or 0) < float(declared.get("cpu_cores") or 0) * share
        short_mem = float(summary.get("memory_gb") or 0) < float(declared.get("memory_gb") or 0) * share
        if short_cpu or short_mem:
            problems.warning(
                "hardware",
                f"Gathered {summary.get('cpu_cores', '?')} CPUs and {summary.get('memory_gb', '?')} GB memory; "
                f"preflight_declared_hardware says {declared.get('cpu_cores')} CPUs and "
                f"{declared.get('memory_gb')} GB.",
                f"Correct preflight_declared_hardware in host_vars/{host}.yml so plan mode shows the real machine.",
            )


def run(
    host: str,
    stack: Mapping[str, Any],
    *,
    hardware_facts: Mapping[str, Any] | None = None,
    declared_hardware: Mapping[str, Any] | None = None,
    use_declared: bool = False,
    unreachable: str | None = None,
    address: str | None = None,
    supported_os: Sequence[Mapping[str, Any]] = (),
    require_gpu: bool = False,
    tolerance_pct: float = 5,
    plan_models: bool = True,
    model_facts: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Every preflight check for one host; returns ``{plan, hardware}``.

    ``hardware_facts`` is a gathered hardware_facts tree; with ``use_declared`` the tree is
    built from ``declared_hardware`` instead (plan mode, nothing contacted). ``unreachable``
    is the connection error when the host could not be gathered.
    """
    problems = Problems()
    stack = {k: v for k, v in stack.items() if v is not None}
    if unreachable is not None:
        problems.error(
            "host",
            f"{host} ({address or host}) could not be reached ({unreachable.strip() or 'unreachable'}), "
            "so its hardware is unknown.",
            "Make it reachable (ansible_host, ansible_user, SSH key), or declare its hardware in "
            f"preflight_declared_hardware (host_vars/{host}.yml) and run in plan mode.",
        )
    check_stack(stack, problems)
    declared_ok = check_declared_hardware(problems, declared_hardware) if declared_hardware else False
    tree: dict[str, Any] | None = None
    if unreachable is not None:
        tree = None
    elif use_declared:
        tree = declared_tree(declared_hardware or {}) if declared_ok else None
    elif hardware_facts:
        tree = dict(hardware_facts)
    if tree is not None:
        gpu_acceleration = stack.get("aistack_gpu_acceleration") is True
        check_host(
            problems,
            host,
            tree,
            declared=declared_hardware if declared_ok else None,
            supported_os=supported_os,
            require_gpu=require_gpu,
            gpu_acceleration=gpu_acceleration,
            tolerance_pct=tolerance_pct,
        )
    plan = build_plan(
        host=host,
        hardware=None if tree is None else tree["summary"],
        allocations=stack.get("aistack_allocations"),
        standby_allocations=stack.get("aistack_standby_allocations"),
        volumes=stack.get("aistack_volumes"),
        disk_reserved_gb=stack.get("aistack_disk_reserved_gb"),
        ollama_env=stack.get("aistack_ollama_env"),
        models=stack.get("aistack_models") if plan_models else None,
        catalog_extra=stack.get("aistack_model_catalog_extra"),
        problems=problems,
        model_facts=model_facts if plan_models else None,
        ollama_version=None if stack.get("aistack_ollama_version") is None else str(stack["aistack_ollama_version"]),
        # The playbooks install monitoring unless aistack_monitoring_enabled is false.
        monitoring_enabled=stack.get("aistack_monitoring_enabled", True),
        monitoring=stack.get("aistack_monitoring"),
    )
    return {"plan": plan, "hardware": tree or {}}


def failure_message(host: str, plan: Mapping[str, Any], report: str | None = None) -> str:
    """The message that stops a host: every error with its fix, one per line."""
    errors = [p for p in plan["problems"] if p["severity"] == "error"]
    where = f", report in {report}" if report and plan.get("hardware") else ""
    lines = [f"[{p['area']}] {p['message'].strip()} Fix: {p['fix'].strip()}" for p in errors]
    return f"Preflight stopped {host} before any change ({len(errors)} error(s){where}):\n- " + "\n- ".join(lines)
