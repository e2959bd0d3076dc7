# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate desired Open WebUI settings against a request-shape type tree.

A shape maps each field to a type: ``bool``, ``int``, ``float``, ``str``,
``list``, ``dict``, ``any``, a union ``int|str``, any of them nullable with a
trailing ``?``, or a nested shape (a dict). Values are checked and the few
safe conversions made (``"yes"`` to ``True``, ``"8"`` to ``8``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._constants import BOOL_STRINGS
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui import OpenWebUIError


class ConfigError(OpenWebUIError):
    """The desired settings are invalid for this server (unknown key, wrong type...)."""


def coerce(kind: str, value: Any, where: str) -> Any:
    """Check value against a schema type, converting the few safe cases."""
    nullable = kind.endswith("?")
    base = kind.rstrip("?")
    if "|" in base:
        if value is None and nullable:
            return None
        for option in base.split("|"):
            try:
                return coerce(option, value, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where}: expected {' or '.join(base.split('|'))}, got {type(value).__name__} {value!r}")
    if value is None:
        if nullable or base == "any":
            return None
        raise ConfigError(f"{where}: null is not allowed (expected {base})")
    if base == "any":
        return value
    if base == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in BOOL_STRINGS:
            return BOOL_STRINGS[value.lower()]
    elif base == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif base == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif base == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    elif base == "list":
        if isinstance(value, list):
            return value
    elif base == "dict" and isinstance(value, dict):
        return value
    raise ConfigError(f"{where}: expected {base}, got {type(value).__name__} {value!r}")


def _lookup(schema: dict[str, Any], key: str, aliases: dict[str, str]) -> str | None:
    upper = str(key).upper()
    target = aliases.get(upper, upper)
    for name in schema:
        if name.upper() == target:
            return name
    return None


def _valid_keys(schema: dict[str, Any]) -> str:
    return ", ".join(sorted(k.lower() for k in schema))


def overlay(
    schema: dict[str, Any],
    current: dict[str, Any],
    given: dict[str, Any],
    where: str,
    aliases: dict[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Validate given against schema and lay it over current.

    Returns the new full object (API names) and the before/after views of
    the managed keys, keyed by the names the caller used.
    """
    if not isinstance(given, dict):
        raise ConfigError(f"{where}: expected a dict of settings, got {type(given).__name__}")
    new = copy.deepcopy(current) if isinstance(current, dict) else {}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in given.items():
        name = _lookup(schema, key, aliases or {})
        if name is None:
            raise ConfigError(f"{where}: unknown key '{key}'; valid keys: {_valid_keys(schema)}")
        kind = schema[name]
        if isinstance(kind, dict):
            existing = new.get(name)
            sub_current: dict[str, Any] = existing if isinstance(existing, dict) else {}
            if value is None:
                raise ConfigError(f"{where}.{key}: expected a dict of settings, got null")
            new[name], before[key], after[key] = overlay(kind, sub_current, value, f"{where}.{key}")
        else:
            before[key] = new.get(name)
            new[name] = after[key] = coerce(kind, value, f"{where}.{key}")
    return new, before, after
