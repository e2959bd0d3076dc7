# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for what a Linux host reports about its hardware.

Every parser takes the text (or bytes) a command or a file produced and returns plain
data, so the same code runs on a target (through the ``hardware_facts`` module) and in
unit tests against recorded output. Units: memory and disk sizes in GiB (2**30 bytes,
Kubernetes' ``Gi``) under keys ending in ``_gb``; GPU memory in MiB as nvidia-smi reports it.

Public functions other modules may reuse (the NVIDIA driver role does, through
``hardware_facts``): ``nvidia_smi_query_args``, ``parse_gpu_query``,
``parse_nvidia_smi_version``, ``parse_nvidia_proc_version``, ``driver_branch``,
``parse_lspci``, ``nvidia_pci_gpus``, ``parse_secure_boot_mokutil``,
``secure_boot_from_efivar``, ``parse_os_release``, ``parse_meminfo``, ``parse_cpuinfo``,
``parse_mounts`` and ``mount_for``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

GIB = 1024**3


# The columns preflight asks nvidia-smi for, in order. Checked against a real
# driver 580 / H100 capture (tests/unit/fixtures/gpu/*/query-gpu.csv).
GPU_QUERY_FIELDS: tuple[str, ...] = (
    "index",
    "uuid",
    "name",
    "pci.bus_id",
    "driver_version",
    "memory.total",
    "memory.used",
    "memory.free",
    "compute_cap",
    "utilization.gpu",
    "temperature.gpu",
    "power.draw",
    "power.limit",
    "mig.mode.current",
)


# nvidia-smi field -> (result key, converter name).
_GPU_FIELD_KEYS: dict[str, tuple[str, str]] = {
    "index": ("index", "int"),
    "uuid": ("uuid", "str"),
    "name": ("name", "str"),
    "pci.bus_id": ("pci_bus_id", "str"),
    "driver_version": ("driver_version", "str"),
    "memory.total": ("memory_mib", "int"),
    "memory.used": ("memory_used_mib", "int"),
    "memory.free": ("memory_free_mib", "int"),
    "compute_cap": ("compute_cap", "str"),
    "utilization.gpu": ("utilization_pct", "int"),
    "temperature.gpu": ("temperature_c", "int"),
    "power.draw": ("power_draw_w", "float"),
    "power.limit": ("power_limit_w", "float"),
    "mig.mode.current": ("mig_mode", "str"),
}


# What nvidia-smi prints for a value a board does not have.
_NOT_AVAILABLE = {
    "",
    "n/a",
    "[n/a]",
    "[not supported]",
    "not supported",
    "[unknown error]",
    "[insufficient permissions]",
}


# Unit suffixes nvidia-smi adds without "nounits" (the fixture was captured with units).
_UNIT_SUFFIX = re.compile(r"\s*(MiB|%|W|MHz|C)$")


NVIDIA_PCI_VENDOR = "10de"


# "NVRM version: <build description>  <version>  <build date or tag>"; the open flavour's
# description reads "NVIDIA UNIX Open Kernel Module for <arch>", the proprietary one
# "NVIDIA UNIX <arch> Kernel Module".
_NVRM_LINE = re.compile(
    r"^NVRM version:\s*(?P<description>.*?)\s+(?P<version>[0-9]+\.[0-9]+(?:\.[0-9]+)?)(?=\s|$)", re.MULTILINE
)


# PCI classes of a GPU: 0300 VGA compatible controller, 0302 3D controller (data-centre boards).
GPU_PCI_CLASSES = ("0300", "0302")


class HardwareParseError(ValueError):
    """Raised when command output does not have the shape the parser expects."""


def nvidia_smi_query_args(fields: Sequence[str] = GPU_QUERY_FIELDS) -> list[str]:
    """Return the nvidia-smi arguments whose output ``parse_gpu_query`` reads."""
    return ["--query-gpu=" + ",".join(fields), "--format=csv,noheader,nounits"]


def _convert(value: str, kind: str, field: str, line_no: int) -> Any:
    cleaned = _UNIT_SUFFIX.sub("", value.strip())
    if cleaned.lower() in _NOT_AVAILABLE:
        return None
    if kind == "str":
        return cleaned
    try:
        if kind == "int":
            return int(float(cleaned))
        return float(cleaned)
    except ValueError as exc:
        raise HardwareParseError(
            f"nvidia-smi line {line_no}: field {field} is {value.strip()!r}, not a number"
        ) from exc


def parse_gpu_query(text: str, fields: Sequence[str] = GPU_QUERY_FIELDS) -> list[dict[str, Any]]:
    """Parse ``nvidia-smi --query-gpu=<fields> --format=csv[,noheader][,nounits]``.

    A header line and unit suffixes are tolerated, so output captured with plain
    ``--format=csv`` parses too. Values nvidia-smi reports as ``[N/A]`` become None.
    """
    unknown = [f for f in fields if f not in _GPU_FIELD_KEYS]
    if unknown:
        raise HardwareParseError(f"unknown nvidia-smi fields: {', '.join(unknown)}")
    gpus: list[dict[str, Any]] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        cells = [c.strip() for c in line.split(",")]
        if cells[0].split(" ")[0] == fields[0] and not cells[0][:1].isdigit():
            continue  # header line of --format=csv without noheader
        if len(cells) != len(fields):
            raise HardwareParseError(
                f"nvidia-smi line {line_no}: expected {len(fields)} comma-separated fields, got {len(cells)}: {line!r}"
            )
        gpu: dict[str, Any] = {}
        for field, cell in zip(fields, cells, strict=True):
            key, kind = _GPU_FIELD_KEYS[field]
            gpu[key] = _convert(cell, kind, field, line_no)
        gpus.append(gpu)
    return gpus


def parse_nvidia_smi_version(text: str) -> dict[str, str | None]:
    """Parse ``nvidia-smi --version`` (driver 535+) into driver, CUDA and NVML versions."""
    found: dict[str, str | None] = {"driver_version": None, "cuda_version": None, "nvml_version": None}
    keys = {"driver version": "driver_version", "cuda version": "cuda_version", "nvml version": "nvml_version"}
    for line in text.splitlines():
        if ":" not in line:
            continue
        label, _sep, value = line.partition(":")
        key = keys.get(label.strip().lower())
        if key and value.strip():
            found[key] = value.strip()
    return found


def parse_nvidia_proc_version(text: str) -> dict[str, str | None]:
    """Parse ``/proc/driver/nvidia/version`` into the kernel module's version and flavour.

    The flavour is ``open`` (NVIDIA's open GPU kernel modules) or ``proprietary``; both are
    None when the text has no ``NVRM version`` line (no module loaded).
    """
    match = _NVRM_LINE.search(text)
    if not match:
        return {"kernel_module_version": None, "kernel_module_flavor": None}
    flavor = "open" if "open kernel module" in match.group("description").lower() else "proprietary"
    return {"kernel_module_version": match.group("version"), "kernel_module_flavor": flavor}


def driver_branch(version: str | None) -> str | None:
    """The driver branch of a version: ``580`` for ``580.159.04``; None for None or garbage."""
    if not version:
        return None
    head = version.strip().split(".")[0]
    return head if head.isdigit() else None


_LSPCI_LINE = re.compile(
    r"^(?P<slot>\S+)\s+(?P<class_name>.+?)\s+\[(?P<class_code>[0-9a-fA-F]{4})\]:\s+"
    r"(?P<description>.*?)\s+\[(?P<vendor>[0-9a-fA-F]{4}):(?P<device>[0-9a-fA-F]{4})\]"
    r"(?:\s+\(rev\s+[0-9a-fA-F]+\))?(?:\s+\(prog-if.*\))?\s*$"
)


def parse_lspci(text: str) -> list[dict[str, str]]:
    """Parse ``lspci -nn`` into one dict per device; lines of another shape are skipped."""
    devices: list[dict[str, str]] = []
    for raw in text.splitlines():
        match = _LSPCI_LINE.match(raw.strip())
        if match:
            device = match.groupdict()
            for key in ("class_code", "vendor", "device"):
                device[key] = device[key].lower()
            devices.append(device)
    return devices


def nvidia_pci_gpus(devices: Iterable[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Return NVIDIA GPUs (vendor 10de, class 0300/0302) from ``parse_lspci`` output.

    lspci knows no memory size: ``memory_mib`` is None. The name is the marketing name in
    the last bracket of the description when the PCI ID database has one.
    """
    gpus: list[dict[str, Any]] = []
    for dev in devices:
        if dev["vendor"] != NVIDIA_PCI_VENDOR or dev["class_code"] not in GPU_PCI_CLASSES:
            continue
        brackets = re.findall(r"\[([^\]]+)\]", dev["description"])
        name = brackets[-1] if brackets else dev["description"]
        if not name.startswith("NVIDIA"):
            name = f"NVIDIA {name}"
        gpus.append(
            {
                "index": len(gpus),
                "name": name,
                "pci_bus_id": dev["slot"],
                "pci_id": f"{dev['vendor']}:{dev['device']}",
                "memory_mib": None,
            }
        )
    return gpus


def parse_secure_boot_mokutil(text: str) -> str:
    """Map ``mokutil --sb-state`` output to enabled, disabled, legacy_bios or unknown."""
    lowered = text.lower()
    if "secureboot enabled" in lowered:
        return "enabled"
    if "secureboot disabled" in lowered:
        return "disabled"
    if "not supported" in lowered or "efi variables are not" in lowered:
        return "legacy_bios"
    return "unknown"


def secure_boot_from_efivar(data: bytes | None) -> str:
    """Read a ``SecureBoot-<guid>`` efivarfs file: 4 attribute bytes, then 1 = enabled."""
    if data is None or len(data) < 5:
        return "unknown"
    return "enabled" if data[4] == 1 else "disabled"


def parse_os_release(text: str) -> dict[str, str]:
    """Parse /etc/os-release into distribution (NAME's first word), version, codename, id."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _sep, value = line.partition("=")
        values[key] = value.strip().strip("\"'")
    name = values.get("NAME", "")
    os_id = values.get("ID", "")
    distribution = {"debian": "Debian", "ubuntu": "Ubuntu"}.get(os_id, name.split(" ")[0] if name else "unknown")
    return {
        "distribution": distribution,
        "version": values.get("VERSION_ID", "unknown"),
        "codename": values.get("VERSION_CODENAME", ""),
        "id": os_id,
        "pretty_name": values.get("PRETTY_NAME", name),
    }


def parse_meminfo(text: str) -> dict[str, float]:
    """Return total and available memory in GiB from /proc/meminfo."""
    kib: dict[str, int] = {}
    for line in text.splitlines():
        match = re.match(r"^(\w+):\s+(\d+)\s*kB", line)
        if match:
            kib[match.group(1)] = int(match.group(2))
    if "MemTotal" not in kib:
        raise HardwareParseError("/proc/meminfo has no MemTotal line")
    total = kib["MemTotal"] * 1024 / GIB
    available = kib.get("MemAvailable", kib["MemTotal"]) * 1024 / GIB
    return {"total_gb": round(total, 1), "available_gb": round(available, 1)}


def parse_cpuinfo(text: str) -> dict[str, Any]:
    """Return model, sockets, physical cores and threads (logical CPUs) from /proc/cpuinfo."""
    threads = 0
    model = ""
    cores: set[tuple[str, str]] = set()
    sockets: set[str] = set()
    physical = core = None
    for line in [*text.splitlines(), ""]:
        key, _sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "processor":
            threads += 1
        elif key in ("model name", "Model", "cpu model") and not model:
            model = value
        elif key == "physical id":
            physical = value
        elif key == "core id":
            core = value
        elif not line.strip():
            if physical is not None and core is not None:
                cores.add((physical, core))
                sockets.add(physical)
            physical = core = None
    if threads == 0:
        raise HardwareParseError("/proc/cpuinfo lists no processor")
    return {
        "model": model or "unknown",
        "sockets": len(sockets) or 1,
        "cores": len(cores) or threads,
        "threads": threads,
    }


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[dict[str, str]]:
    """Parse /proc/mounts (octal escapes such as ``\\040`` decoded)."""
    mounts: list[dict[str, str]] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mounts.append({"device": _unescape(parts[0]), "mount": _unescape(parts[1]), "fstype": parts[2]})
    return mounts


def mount_for(path: str, mounts: Sequence[Mapping[str, str]]) -> Mapping[str, str] | None:
    """Return the mount that holds ``path`` (longest mount-point prefix)."""
    best: Mapping[str, str] | None = None
    for entry in mounts:
        point = entry["mount"].rstrip("/") or "/"
        if (path == point or path.startswith(point.rstrip("/") + "/") or point == "/") and (
            best is None or len(point) > len(best["mount"].rstrip("/") or "/")
        ):
            best = entry
    return best
