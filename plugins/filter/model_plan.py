# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The aistack.baremetal.model_plan filter (documented in model_plan.yml)."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.module_utils._model_tiers import ModelPlanError, plan


def model_plan(
    lists: Any, urls: Any, lists_variable: str = "models_lists", urls_variable: str = "models_urls"
) -> list[dict[str, Any]]:
    try:
        return plan(lists, urls, lists_variable, urls_variable)
    except ModelPlanError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """Tiered model lists -> what to pull and preload per Ollama instance."""

    def filters(self) -> dict[str, Any]:
        return {"model_plan": model_plan}
