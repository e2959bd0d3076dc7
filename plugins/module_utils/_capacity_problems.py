# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, problems: the list every check records into, and the value checks they share.

Nothing here raises for a bad inventory value: each check records a problem that
names the variable (full path, e.g. ``aistack_volumes.ollama.size_gb``), the value
and the fix in a :class:`Problems` list, leaves the bad entry out, and goes on, so
that one run reports every problem of an inventory. Only the built-in catalog
raises :class:`CapacityInputError` (a bug in the collection, not in the inventory).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

# The ranges inventory values are checked against.
MAX_CPU_CORES = 4096
MAX_MEMORY_GB = 65536.0
MAX_GPU_MEMORY_MIB = 1024 * 1024
MAX_DISK_GB = 10_000_000.0
MAX_NUM_PARALLEL = 1024
MAX_LOADED_MODELS = 1024
MAX_QUEUE = 1_000_000
MAX_CONTEXT = 10_000_000


class CapacityInputError(ValueError):
    """Bad planner input; the message names the variable and the value."""


def problem(severity: str, area: str, message: str, fix: str) -> dict[str, str]:
    return {"severity": severity, "area": area, "message": message, "fix": fix}


class Problems:
    """The problems found so far; each names the variable and says the fix."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def error(self, area: str, message: str, fix: str) -> None:
        self.items.append(problem("error", area, message, fix))

    def warning(self, area: str, message: str, fix: str) -> None:
        self.items.append(problem("warning", area, message, fix))

    def bad(self, where: str, value: Any, expected: str, fix: str | None = None) -> None:
        """An inventory value of the wrong type or out of range (area ``inventory``)."""
        self.error(
            "inventory",
            f"{where} is {describe(value)} but must be {expected}",
            fix or f"Set {where} to {expected} in the inventory (group_vars or host_vars)",
        )

    def missing(self, where: str, expected: str) -> None:
        self.error("inventory", f"{where} is missing", f"Set {where} to {expected} in the inventory")

    @property
    def has_errors(self) -> bool:
        return any(p["severity"] == "error" for p in self.items)


def describe(value: Any) -> str:
    """A value as a message shows it: its kind and, for scalars, the value."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def number(
    problems: Problems,
    value: Any,
    where: str,
    minimum: float,
    maximum: float,
    *,
    strict_min: bool = False,
    whole: bool = False,
) -> float | None:
    """A number in range (numeric text is accepted, as YAML users write it); None after recording a problem."""
    low = f"more than {minimum:g}" if strict_min else f"at least {minimum:g}"
    expected = f"{'a whole number' if whole else 'a number'} {low} and at most {maximum:g}"
    if isinstance(value, bool) or value is None or isinstance(value, (Mapping, list, tuple)):
        problems.bad(where, value, expected)
        return None
    if not isinstance(value, (int, float)):
        try:
            converted = float(str(value).strip())
        except ValueError:
            problems.bad(where, value, expected)
            return None
    else:
        converted = float(value)
    if math.isnan(converted) or converted < minimum or converted > maximum or (strict_min and converted == minimum):
        problems.bad(where, value, expected)
        return None
    if whole and converted != int(converted):
        problems.bad(where, value, expected)
        return None
    return converted


def mapping(problems: Problems, value: Any, where: str, what: str) -> Mapping[str, Any] | None:
    """``value`` when it is a mapping (None counts as empty); None after recording a problem."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.bad(where, value, f"a mapping of {what}")
        return None
    return value


def sequence(problems: Problems, value: Any, where: str, what: str) -> Sequence[Any]:
    """``value`` when it is a list (None counts as empty); empty after recording a problem."""
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        problems.bad(where, value, f"a list of {what}")
        return ()
    return value
