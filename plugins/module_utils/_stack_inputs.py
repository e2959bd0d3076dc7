# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight's checks of the stack variables the capacity planner does not read.

Names and versions (``aistack_domain``, ``aistack_hostnames``, ``aistack_ports``,
``aistack_open_webui_version``, pinned chart versions, ...) and the hardware an
inventory declares (``preflight_declared_hardware``). Like the planner's input
validation, every check records a problem naming the variable and goes on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_inputs import validate_hardware
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import Problems, mapping
from ansible_collections.aistack.baremetal.plugins.module_utils._constants import (
    KNOWN_CHART_VERSIONS,
    OPEN_WEBUI_MIN_VERSION,
    OPEN_WEBUI_VERSION_LIMIT,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_profiles import supported_ranges
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_schema import (
    FAMILIES as OPEN_WEBUI_FAMILIES,
)

# RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, 1-63 each, 253 in all.
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# Kubernetes object names (StorageClass): a DNS-1123 subdomain in lower case.
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_RELEASE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
SECURE_BOOT_STATES = ("enabled", "disabled", "legacy_bios", "unknown")


def is_dns_name(value: str) -> bool:
    """A fully qualified or single-label host name, as an Ingress host or a TLS certificate takes it."""
    if not value or len(value) > 253:
        return False
    return all(_DNS_LABEL.match(label) for label in value.lower().split("."))


def _version_text(version: tuple[int, int, int]) -> str:
    return ".".join(str(part) for part in version)


def _text(problems: Problems, value: Any, where: str, expected: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.bad(where, value, expected)
        return None
    return value.strip()


def check_dns_name(problems: Problems, value: Any, where: str) -> None:
    text = _text(problems, value, where, "a DNS name such as ai.example.com")
    if text is not None and not is_dns_name(text):
        problems.error(
            "inventory",
            f"{where} is {text!r}, which is not a valid DNS name (letters, digits and inner hyphens in "
            "dot-separated labels of at most 63 characters)",
            f"Set {where} to a host name such as ai.example.com (no scheme, port, path or underscore)",
        )


def _release(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


def _family_text(low: tuple[int, int, int], below: tuple[int, int, int]) -> str:
    """0.6.12 (one release), 0.10.2-0.10.x / 0.6.12-0.12.x (to a minor), 0.12.1-0.12.2 (a patch range)."""
    if below[2] == 0 and below[1] > 0:
        return f"{_version_text(low)}-{below[0]}.{below[1] - 1}.x"
    last = (below[0], below[1], below[2] - 1)
    return _version_text(low) if last == low else f"{_version_text(low)}-{_version_text(last)}"


def check_open_webui_version(problems: Problems, value: Any, where: str = "aistack_open_webui_version") -> None:
    """Open WebUI releases the collection supports: 0.6.12 to every 0.12.x."""
    supported = f"a release from {_version_text(OPEN_WEBUI_MIN_VERSION)} to 0.{OPEN_WEBUI_VERSION_LIMIT[1] - 1}.x"
    text = _text(problems, value, where, f'{supported} in quotes, e.g. "0.6.12"')
    if text is None:
        return
    match = _RELEASE.match(text)
    if not match:
        problems.bad(where, value, f'{supported} written as x.y.z, e.g. "0.6.12"')
        return
    release = (int(match[1]), int(match[2]), int(match[3]))
    if not OPEN_WEBUI_MIN_VERSION <= release < OPEN_WEBUI_VERSION_LIMIT:
        problems.error(
            "inventory",
            f"{where} is {text}, an Open WebUI release this collection does not support ({supported})",
            f"Set {where} to {supported}",
        )
        return
    # openwebui_config needs the request shapes of the release's family (generated data).
    families = [(_release(low), _release(below)) for low, below in supported_ranges(OPEN_WEBUI_FAMILIES)]
    if not any(low <= release < below for low, below in families):
        carried = ", ".join(_family_text(low, below) for low, below in families)
        problems.error(
            "inventory",
            f"{where} is {text}: openwebui_config carries no request shapes for this release (it has: {carried})",
            f"Set {where} to a release it has shapes for, or add that release's shapes (docs/openwebui_config.md)",
        )


def check_chart(problems: Problems, where: str, source: Any) -> None:
    """One chart source an inventory pins (``{repo, chart, version}`` or ``{file}``).

    A version of a chart the collection knows must be one it is tested with; an air-gapped
    ``file`` named ``<chart>-<version>.tgz`` is held to the same rule.
    """
    if not isinstance(source, Mapping):
        problems.bad(where, source, "a mapping with repo, chart and version, or file")
        return
    chart, version, field = source.get("chart"), source.get("version"), "version"
    if version is None and isinstance(source.get("file"), str):
        match = re.match(r"^(.+?)-(v?\d+\.\d+\.\d+)\.tgz$", source["file"])
        chart, version, field = (match[1], match[2], "file") if match else (None, None, "file")
    if version is None:
        return
    if not isinstance(version, str):
        problems.bad(f"{where}.version", version, 'a chart version in quotes, e.g. "1.12.1"')
        return
    known = KNOWN_CHART_VERSIONS.get(str(chart))
    if known is not None and version not in known:
        problems.error(
            "inventory",
            f"{where}.{field} names {chart} chart version {version}, which this collection is not tested with "
            f"(known: {', '.join(known)})",
            f"Set {where}.version to {' or '.join(known)}",
        )


def check_ports(problems: Problems, value: Any, where: str = "aistack_ports") -> None:
    for name, port in (mapping(problems, value, where, "service -> port") or {}).items():
        # Digits in quotes are a port too, as Ansible's int type reads them.
        text = str(port).strip() if isinstance(port, (int, str)) and not isinstance(port, bool) else ""
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            problems.bad(f"{where}.{name}", port, "a port number from 1 to 65535")


def check_declared_hardware(problems: Problems, value: Any, where: str = "preflight_declared_hardware") -> bool:
    """Types of the declared hardware; True when a fact tree can be built from it.

    The numbers go through the planner's own hardware validation; this adds what only a
    declaration has: the keys it may use, the OS, the names, and GPU memory being required.
    """
    declared = mapping(problems, value, where, "hardware keys (cpu_cores, memory_gb, os, disks, gpus)")
    if not declared:
        return False
    before = len(problems.items)
    known = {"cpu_cores", "memory_gb", "cpu_model", "secure_boot", "os", "disks", "gpus"}
    for key in sorted(set(declared) - known):
        problems.error(
            "inventory", f"{where}.{key} is not a hardware key", f"Remove it; known keys: {', '.join(sorted(known))}"
        )
    for key in ("cpu_cores", "memory_gb"):
        if key not in declared:
            problems.missing(f"{where}.{key}", "a number more than 0")
    if "cpu_cores" in declared and "memory_gb" in declared:
        validate_hardware(declared, problems, where)
    if declared.get("cpu_model") is not None and not isinstance(declared["cpu_model"], str):
        problems.bad(f"{where}.cpu_model", declared["cpu_model"], "text")
    if declared.get("secure_boot") is not None and declared["secure_boot"] not in SECURE_BOOT_STATES:
        problems.bad(f"{where}.secure_boot", declared["secure_boot"], f"one of {', '.join(SECURE_BOOT_STATES)}")
    os_info = mapping(problems, declared.get("os"), f"{where}.os", "distribution and version")
    for key in ("distribution", "version"):
        if os_info is None:
            break
        item = os_info.get(key)
        if item is None:
            problems.missing(f"{where}.os.{key}", 'text such as Ubuntu / "24.04"')
        elif isinstance(item, bool) or not isinstance(item, (str, int)):
            # 24.04 unquoted is the float 24.04, and 22.10 would read as 22.1.
            problems.bad(f"{where}.os.{key}", item, 'text in quotes, e.g. "24.04"')
    disks: list[Any] = declared["disks"] if isinstance(declared.get("disks"), list) else []
    for index, disk in enumerate(disks):
        if isinstance(disk, Mapping) and not isinstance(disk.get("device"), str):
            problems.bad(f"{where}.disks[{index}].device", disk.get("device"), "a device name such as nvme0n1")
    gpus: list[Any] = declared["gpus"] if isinstance(declared.get("gpus"), list) else []
    for index, gpu in enumerate(gpus):
        if isinstance(gpu, Mapping) and not isinstance(gpu.get("name"), str):
            problems.bad(f"{where}.gpus[{index}].name", gpu.get("name"), "the GPU's name as text")
        if isinstance(gpu, Mapping) and gpu.get("memory_mib") is None:
            problems.missing(f"{where}.gpus[{index}].memory_mib", "the GPU's memory in MiB (nvidia-smi's figure)")
    return len(problems.items) == before


def check_stack(stack: Mapping[str, Any], problems: Problems) -> None:
    """The stack variables beyond the capacity plan's; ``stack`` maps variable names to values (None: unset)."""
    if stack.get("aistack_domain") is not None:
        check_dns_name(problems, stack["aistack_domain"], "aistack_domain")
    hostnames = mapping(problems, stack.get("aistack_hostnames"), "aistack_hostnames", "service -> host name")
    for name, host in (hostnames or {}).items():
        check_dns_name(problems, host, f"aistack_hostnames.{name}")
    check_ports(problems, stack.get("aistack_ports"))
    if stack.get("aistack_gpu_acceleration") is not None and not isinstance(stack["aistack_gpu_acceleration"], bool):
        problems.bad("aistack_gpu_acceleration", stack["aistack_gpu_acceleration"], "true or false")
    storage_class = stack.get("aistack_storage_class")
    if storage_class is not None and (not isinstance(storage_class, str) or not _K8S_NAME.match(storage_class)):
        problems.bad("aistack_storage_class", storage_class, "a Kubernetes name such as longhorn-ssd")
    if stack.get("aistack_open_webui_version") is not None:
        check_open_webui_version(problems, stack["aistack_open_webui_version"])
    # Chart sources are the chart roles' own variables (longhorn_chart, open_webui_chart, ...).
    for name in sorted(k for k in stack if k.endswith("_chart")):
        check_chart(problems, name, stack[name])
    path = stack.get("aistack_longhorn_data_path")
    if path is not None and (not isinstance(path, str) or not path.startswith("/")):
        problems.bad("aistack_longhorn_data_path", path, "an absolute path such as /var/lib/longhorn")
