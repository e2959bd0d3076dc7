# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the models role does per Ollama instance, from its tiered model list.

Private to this collection; used by the aistack.baremetal.model_plan filter.
Tiers (the names the capacity planner uses):

* ``hot``: pulled, then loaded and kept loaded for the hot keep_alive;
* ``warm``: pulled, loaded by Ollama on first use;
* ``cold``: listed only, not pulled (a user pulls it on demand);
* ``none`` (also an entry without a tier): pulled, never preloaded.

Every entry of every instance is checked before anything is planned, so a
bad entry stops the role before the first pull, and the message names the
variable path to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._constants import MODEL_TIERS as TIERS


class ModelPlanError(ValueError):
    """An instance or model entry is invalid; the message names the variable path.

    ``field`` says what is wrong (``entry``, ``name``, ``tier`` or None) and ``value`` holds it.
    """

    def __init__(self, message: str, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


def parse_entry(entry: Any, where: str) -> tuple[str, str]:
    """(name, tier) of one ``aistack_models`` entry: the one check the models role and the planner share.

    A missing or empty tier is ``none``; ModelPlanError names ``where`` otherwise.
    """
    if not isinstance(entry, Mapping):
        raise ModelPlanError(f"{where} must be a mapping with at least a name", "entry", entry)
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ModelPlanError(f"{where} must be a mapping with at least a name", "name", name)
    tier = entry.get("tier")
    tier = "none" if tier is None or tier == "" else tier
    if not isinstance(tier, str) or tier not in TIERS:
        raise ModelPlanError(f"{where}.tier must be one of {', '.join(TIERS)}, got {tier!r}", "tier", tier)
    return name.strip(), tier


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def plan_instance(name: str, url: Any, models: Any, where: str, url_where: str) -> dict[str, Any]:
    """One instance's plan: the names to pull, to preload and the cold ones, in list order."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ModelPlanError(f"{url_where} must be the http(s) URL of the {name} Ollama API, got {url!r}")
    if models is None:
        models = []
    if not _is_list(models):
        raise ModelPlanError(f"{where} must be a list of {{name, tier}} entries")
    tiers: dict[str, str] = {}
    for index, entry in enumerate(models):
        entry_where = f"{where}[{index}]"
        model, tier = parse_entry(entry, entry_where)
        if model in tiers and tiers[model] != tier:
            raise ModelPlanError(f"{entry_where}: {model} is listed twice, as {tiers[model]} and as {tier}")
        tiers[model] = tier
    return {
        "name": name,
        "url": url.rstrip("/"),
        "pull": [m for m, t in tiers.items() if t != "cold"],
        "preload": [m for m, t in tiers.items() if t == "hot"],
        "cold": [m for m, t in tiers.items() if t == "cold"],
        "tiers": {tier: [m for m, t in tiers.items() if t == tier] for tier in TIERS},
    }


def plan(
    lists: Any,
    urls: Any,
    lists_variable: str = "models_lists",
    urls_variable: str = "models_urls",
) -> list[dict[str, Any]]:
    """Check every instance and entry, then return one plan per instance (in the order of ``lists``)."""
    if lists is None:
        lists = {}
    if not isinstance(lists, Mapping):
        raise ModelPlanError(f"{lists_variable} must be a mapping of instance -> list of {{name, tier}} entries")
    if not isinstance(urls, Mapping):
        raise ModelPlanError(f"{urls_variable} must be a mapping of instance -> URL of its Ollama API")
    plans = []
    for name, models in lists.items():
        plans.append(
            plan_instance(str(name), urls.get(name), models, f"{lists_variable}.{name}", f"{urls_variable}.{name}")
        )
    return plans
