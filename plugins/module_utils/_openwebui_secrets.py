# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets in Open WebUI settings: which field names hold one, masking them, listing them for no_log."""

from __future__ import annotations

import re
from typing import Any

MASK = "********"

# Field names whose string values are secrets: masked in diffs and results.
_SECRET_NAME = re.compile(
    r"(^|_)(API_KEY|KEY|KEYS|PASSWORD|TOKEN|SECRET|SUBSCRIPTION_KEY|API_AUTH|CREDENTIALS)$", re.IGNORECASE
)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def mask(value: Any, name: str = "") -> Any:
    """A copy of value with every secret-named string (or list of strings) masked."""
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        if name and is_secret_name(name):
            return [MASK if isinstance(v, str) and v else v for v in value]
        return [mask(v, "") for v in value]
    if isinstance(value, str) and value and name and is_secret_name(name):
        return MASK
    return value


def secret_values(value: Any, name: str = "") -> set[str]:
    """Every non-empty secret string in value, for AnsibleModule.no_log_values."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= secret_values(v, str(k))
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, str):
                if v and name and is_secret_name(name):
                    found.add(v)
            else:
                found |= secret_values(v, "")
    elif isinstance(value, str) and value and name and is_secret_name(name):
        found.add(value)
    return found
