# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hardware discovery on a target: read sysfs, /proc and the filesystem, run the few tools that know more.

Commands run through a runner (``AnsibleModule.run_command`` in the module, fakes
in the tests) and are found with ``which`` (``get_bin_path``); what they print is
read by :mod:`._hardware_parse`. Public: ``block_devices``, ``path_usage``,
``sysfs_pci_gpus``, ``discover_gpus``, ``discover_secure_boot`` and
``discover_virtualization``.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._hardware_parse import (
    GIB,
    GPU_PCI_CLASSES,
    NVIDIA_PCI_VENDOR,
    HardwareParseError,
    driver_branch,
    mount_for,
    nvidia_pci_gpus,
    nvidia_smi_query_args,
    parse_gpu_query,
    parse_lspci,
    parse_nvidia_proc_version,
    parse_nvidia_smi_version,
    parse_secure_boot_mokutil,
    secure_boot_from_efivar,
)

# How discovery runs a command and finds one: AnsibleModule.run_command and
# get_bin_path in the module, fakes in the tests.
Runner = Callable[[list[str]], tuple[int, str, str]]


Which = Callable[[str], "str | None"]


# The loaded kernel module describes itself here (absent while no module is loaded).
NVIDIA_PROC_VERSION = "/proc/driver/nvidia/version"


# Block devices that are never a place to put volumes.
_SKIP_BLOCK_PREFIXES = ("loop", "ram", "zram", "sr", "fd", "nbd", "dm-")


def block_devices(sys_block: str = "/sys/block") -> list[dict[str, Any]]:
    """List whole disks under /sys/block (loop, RAM, optical and device-mapper skipped)."""
    disks: list[dict[str, Any]] = []
    if not os.path.isdir(sys_block):
        return disks
    for name in sorted(os.listdir(sys_block)):
        if name.startswith(_SKIP_BLOCK_PREFIXES):
            continue
        base = os.path.join(sys_block, name)
        sectors = _read_int(os.path.join(base, "size"))
        if not sectors:
            continue
        disks.append(
            {
                "device": name,
                "size_gb": round(sectors * 512 / GIB, 1),
                "rotational": _read_int(os.path.join(base, "queue", "rotational")) == 1,
                "model": _read_text(os.path.join(base, "device", "model")) or "",
            }
        )
    return disks


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def _read_int(path: str) -> int | None:
    text = _read_text(path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def path_usage(path: str, mounts: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """Size and free space of the filesystem that holds (or would hold) ``path``.

    A path that does not exist yet (``/var/lib/longhorn`` before Longhorn) is measured on
    its nearest existing parent: that is where its data will land.
    """
    probe = os.path.abspath(path)
    while not os.path.exists(probe) and probe != "/":
        probe = os.path.dirname(probe)
    stats = os.statvfs(probe)
    mount = mount_for(probe, mounts)
    device = (mount or {}).get("device", "")
    return {
        "path": path,
        "exists": probe == os.path.abspath(path),
        "measured_at": probe,
        "mount": (mount or {}).get("mount", probe),
        "device": os.path.basename(device) if device.startswith("/dev/") else device,
        "fstype": (mount or {}).get("fstype", ""),
        "size_gb": round(stats.f_blocks * stats.f_frsize / GIB, 1),
        "free_gb": round(stats.f_bavail * stats.f_frsize / GIB, 1),
    }


def sysfs_pci_gpus(pci_root: str = "/sys/bus/pci/devices") -> list[dict[str, Any]]:
    """NVIDIA GPUs from sysfs when neither nvidia-smi nor lspci is installed.

    sysfs has IDs but no names: the name reads ``NVIDIA GPU [10de:<device>]``.
    """
    gpus: list[dict[str, Any]] = []
    if not os.path.isdir(pci_root):
        return gpus
    for slot in sorted(os.listdir(pci_root)):
        base = os.path.join(pci_root, slot)
        vendor = (_read_text(os.path.join(base, "vendor")) or "").lower().removeprefix("0x")
        pci_class = (_read_text(os.path.join(base, "class")) or "").lower().removeprefix("0x")
        device = (_read_text(os.path.join(base, "device")) or "").lower().removeprefix("0x")
        if vendor != NVIDIA_PCI_VENDOR or pci_class[:4] not in GPU_PCI_CLASSES:
            continue
        gpus.append(
            {
                "index": len(gpus),
                "name": f"NVIDIA GPU [{vendor}:{device}]",
                "pci_bus_id": slot,
                "pci_id": f"{vendor}:{device}",
                "memory_mib": None,
            }
        )
    return gpus


def discover_gpus(
    run: Runner,
    which: Which,
    pci_root: str = "/sys/bus/pci/devices",
    proc_version: str = NVIDIA_PROC_VERSION,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Find NVIDIA GPUs: nvidia-smi when it answers, else lspci, else sysfs.

    Returns the GPUs (each with ``source``) and the driver state:

    - ``loaded``: nvidia-smi answered (the driver works); ``source`` and ``error`` (why
      nvidia-smi did not answer, when it is installed);
    - ``driver_version`` (nvidia-smi's, else the loaded kernel module's), ``branch`` (its
      first number) and ``cuda_version``;
    - ``kernel_module_version`` and ``kernel_module_flavor`` (``open``/``proprietary``) from
      ``proc_version``, None while no module is loaded;
    - ``pci_gpu_count``: NVIDIA GPUs on the PCI bus (sysfs), however many the driver lists, so
      that a board the driver lost shows as a difference.
    """
    module = parse_nvidia_proc_version(_read_text(proc_version) or "")
    driver: dict[str, Any] = {
        "loaded": False,
        "driver_version": None,
        "branch": None,
        "cuda_version": None,
        "source": None,
        "error": None,
        **module,
        "pci_gpu_count": len(sysfs_pci_gpus(pci_root)),
    }
    gpus = _discover_gpu_list(run, which, pci_root, driver)
    if driver["driver_version"] is None:
        driver["driver_version"] = module["kernel_module_version"]
    driver["branch"] = driver_branch(driver["driver_version"])
    return gpus, driver


def _discover_gpu_list(run: Runner, which: Which, pci_root: str, driver: dict[str, Any]) -> list[dict[str, Any]]:
    """The GPU list of ``discover_gpus``; records in ``driver`` which tool answered."""
    smi = which("nvidia-smi")
    if smi:
        rc, out, err = run([smi, *nvidia_smi_query_args()])
        if rc != 0:
            driver["error"] = (err or out).strip() or f"nvidia-smi exited {rc}"
        else:
            try:
                gpus = parse_gpu_query(out)
            except HardwareParseError as exc:
                driver["error"] = str(exc)
            else:
                for gpu in gpus:
                    gpu["source"] = "nvidia-smi"
                rc, out, _err = run([smi, "--version"])
                versions = parse_nvidia_smi_version(out) if rc == 0 else {}
                first_gpu_driver = gpus[0]["driver_version"] if gpus else None
                driver.update(
                    loaded=True,
                    source="nvidia-smi",
                    driver_version=versions.get("driver_version") or first_gpu_driver,
                    cuda_version=versions.get("cuda_version"),
                )
                return gpus
    lspci = which("lspci")
    if lspci:
        rc, out, _err = run([lspci, "-nn"])
        if rc == 0:
            gpus = nvidia_pci_gpus(parse_lspci(out))
            for gpu in gpus:
                gpu["source"] = "lspci"
            driver["source"] = "lspci"
            return gpus
    gpus = sysfs_pci_gpus(pci_root)
    for gpu in gpus:
        gpu["source"] = "sysfs"
    driver["source"] = "sysfs"
    return gpus


def discover_secure_boot(run: Runner, which: Which, efi_dir: str = "/sys/firmware/efi") -> str:
    """Secure Boot state: ``mokutil --sb-state`` when it knows, else the SecureBoot EFI variable.

    A host without ``efi_dir`` booted in legacy BIOS mode.
    """
    mokutil = which("mokutil")
    if mokutil:
        _rc, out, err = run([mokutil, "--sb-state"])
        state = parse_secure_boot_mokutil(out + err)
        if state != "unknown":
            return state
    if not os.path.isdir(efi_dir):
        return "legacy_bios"
    for path in sorted(glob.glob(os.path.join(efi_dir, "efivars", "SecureBoot-*"))):
        try:
            with open(path, "rb") as handle:
                return secure_boot_from_efivar(handle.read())
        except OSError:
            return "unknown"
    return "unknown"


def discover_virtualization(run: Runner, which: Which) -> str:
    """What ``systemd-detect-virt`` prints (``none`` on bare metal), or ``unknown``."""
    detect = which("systemd-detect-virt")
    if not detect:
        return "unknown"
    # It exits 1 and prints "none" on bare metal: the output, not the status, is the answer.
    _rc, out, _err = run([detect])
    return out.strip() or "unknown"
