# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the verify role; the logic lives in plugins/module_utils/_verify_smoke.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.module_utils import _verify_smoke


def verify_targets(plans: Sequence[Mapping[str, Any]], tiers: Sequence[str]) -> list[dict[str, Any]]:
    """The models of ``tiers`` in aistack.baremetal.model_plan's output, one entry per instance and model."""
    try:
        return _verify_smoke.targets(plans, tiers)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError(f"verify_targets: pass the output of aistack.baremetal.model_plan ({exc})") from None


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"verify_targets": verify_targets}
