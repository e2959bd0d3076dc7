# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The aistack.baremetal.kubelet_reserved filter (documented in kubelet_reserved.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_budget import kubelet_reservations

_ROWS = {"system": "system_reserved", "kubernetes": "kube_reserved"}


def _quantity(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def kubelet_reserved(allocations: Any, row: str, variable: str = "aistack_allocations") -> dict[str, str]:
    """kubelet's system-reserved / kube-reserved as the capacity plan counts them."""
    if row not in _ROWS:
        raise AnsibleFilterError(f"kubelet_reserved: row must be one of {sorted(_ROWS)}, got {row!r}")
    if allocations is None:
        allocations = {}
    if not isinstance(allocations, Mapping):
        raise AnsibleFilterError(f"{variable}: must be a dict of allocation rows")
    try:
        reserved = kubelet_reservations(0, 0.0, allocations)[_ROWS[row]]
    except (KeyError, TypeError, ValueError):
        raise AnsibleFilterError(f"{variable}.{row}: needs numbers cpu and memory_gb") from None
    return {"cpu": _quantity(reserved["cpu"]), "memory": f"{_quantity(reserved['memory_gb'])}Gi"}


class FilterModule:
    """The resource plan's kubelet reservations in the k3s role's form."""

    def filters(self) -> dict[str, Any]:
        return {"kubelet_reserved": kubelet_reserved}
