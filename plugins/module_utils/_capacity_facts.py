# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, model facts: what ``model_architecture`` read, turned into catalog specs.

One job: take the ``models`` list the module ``aistack.baremetal.model_architecture``
returns (name, estimated, source, location, facts) and make one :class:`ModelSpec`
per model that a source answered for, with the same validation as a catalog row.
A model whose facts cannot make a spec (a quantisation the estimator does not know,
no size) is recorded as a warning and stays "not estimated": facts never turn into
an error of the plan by themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_catalog import (
    normalise_model_name,
    spec_from_row,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import ModelSpec
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import CapacityInputError, Problems
from ansible_collections.aistack.baremetal.plugins.module_utils._model_catalog import OPTIONAL_DEFAULTS, REQUIRED_FIELDS

ROW_FIELDS = tuple(REQUIRED_FIELDS) + tuple(k for k in OPTIONAL_DEFAULTS if k not in ("source", "unverified"))


def row_from_facts(name: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog row from one model's facts: the catalog's fields, unknown ones left out."""
    row: dict[str, Any] = {key: facts[key] for key in ROW_FIELDS if facts.get(key) is not None}
    row["name"] = name
    # A separate projector layer (llama.cpp runner) or vision tensors in the model file (newer engine).
    row["projector_bytes"] = int(facts.get("projector_bytes") or 0) + int(facts.get("vision_bytes") or 0)
    if facts.get("vision_graph_bytes"):
        row["projector_graph_bytes"] = facts["vision_graph_bytes"]
    return row


def specs_from_facts(models: Any, problems: Problems, variable: str = "model_facts") -> dict[str, ModelSpec]:
    """Specs of the models a model_architecture source answered for; the others are left out."""
    result: dict[str, ModelSpec] = {}
    if models is None:
        return result
    if not isinstance(models, Sequence) or isinstance(models, (str, bytes)):
        problems.bad(variable, models, "the models list that aistack.baremetal.model_architecture returns")
        return result
    for index, item in enumerate(models):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            problems.bad(f"{variable}[{index}]", item, "a mapping with name, estimated and facts")
            continue
        facts = item.get("facts")
        if not item.get("estimated") or not isinstance(facts, Mapping):
            continue
        name = normalise_model_name(item["name"])
        where = f"{item.get('source') or 'model_architecture'} ({item.get('location') or 'unknown location'})"
        row = row_from_facts(name, facts)
        row["source"] = f"model_architecture: {where}"
        try:
            spec = spec_from_row(row, f"{variable}[{index}]", str(item.get("source") or "model_architecture"))
        except CapacityInputError as exc:
            problems.warning(
                f"models/{name}",
                f"not estimated from its architecture: {exc}",
                "Add an aistack_model_catalog_extra row for it (`ollama show --verbose` prints the fields)",
            )
            continue
        result[spec.name] = spec
    return result
