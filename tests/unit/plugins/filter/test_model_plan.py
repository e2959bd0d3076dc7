"""The aistack.baremetal.model_plan filter: errors become AnsibleFilterError, names in messages are configurable."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.filter.model_plan import FilterModule


def test_registered_and_plans() -> None:
    model_plan = FilterModule().filters()["model_plan"]
    (only,) = model_plan({"primary": [{"name": "llama3.1:8b", "tier": "hot"}]}, {"primary": "http://o:11434"})
    assert only["preload"] == ["llama3.1:8b"]


def test_error_names_the_callers_variables() -> None:
    model_plan = FilterModule().filters()["model_plan"]
    with pytest.raises(AnsibleFilterError, match=r"aistack_models\.primary\[0\]\.tier"):
        model_plan({"primary": [{"name": "x", "tier": "tepid"}]}, {"primary": "http://o"}, "aistack_models")
