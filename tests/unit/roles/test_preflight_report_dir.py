"""The preflight role's own default report directory (the role used without the playbooks).

Rendered by ansible-core's templating engine from roles/preflight/defaults/main.yml:
the same <root>/<inventory> layout as playbooks/vars/reports.yml, with reports/
beside the calling playbook as the root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

ROOT = Path(__file__).resolve().parents[3]
DEFAULTS = ROOT / "roles" / "preflight" / "defaults" / "main.yml"


def render(**magic: Any) -> str:
    loader = DataLoader()
    variables: dict[str, Any] = loader.load_from_file(str(DEFAULTS), trusted_as_template=True)
    variables.update(playbook_dir="/srv/site", **magic)
    return str(Templar(loader=loader, variables=variables).template(variables["preflight_report_dir"]))


@pytest.mark.parametrize(
    ("magic", "expected"),
    [
        ({"inventory_dir": "/srv/site/inventories/prod"}, "/srv/site/reports/prod"),
        ({"inventory_dir": None}, "/srv/site/reports/inventory"),
        ({}, "/srv/site/reports/inventory"),
    ],
)
def test_the_default_keeps_one_directory_per_inventory(magic: dict[str, Any], expected: str) -> None:
    assert render(**magic) == expected
