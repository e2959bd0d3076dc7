"""k3s_chart's NOTICE in prepare-only mode says what happens to the objects file.

Rendered by ansible-core's templating engine with the role's defaults and vars:
with post-install objects, the NOTICE says they are written now and that k3s
retries the file until the chart's kinds exist (docs/platform.md cites k3s's
deploy controller for that); without them it says nothing about an objects file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "k3s_chart"
PRESENT = yaml.safe_load((ROLE / "tasks" / "present.yml").read_text(encoding="utf-8"))
NOTICE = next(t for t in PRESENT if t["name"].startswith("Say that k3s is not running"))


def render(post_objects: list[dict[str, Any]]) -> str:
    loader = DataLoader()
    variables: dict[str, Any] = {}
    for part in ("defaults", "vars"):
        variables.update(loader.load_from_file(str(ROLE / part / "main.yml"), trusted_as_template=True))
    variables.update(k3s_chart_name="kube-prometheus-stack", k3s_chart_wait=False, k3s_chart_post_objects=post_objects)
    message = NOTICE["ansible.builtin.debug"]["msg"]
    return str(Templar(loader=loader, variables=variables).template(trust_as_template(message)))


def test_the_notice_says_the_objects_file_is_retried_until_its_kinds_exist() -> None:
    text = render([{"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "x"}}])
    assert text.startswith("NOTICE: kube-prometheus-stack: manifest written to /var/lib/rancher/k3s/server/manifests/")
    assert "kube-prometheus-stack-objects.yaml are written now too" in text
    assert "retries it every 15 s" in text
    assert "AddOn kube-prometheus-stack-objects in kube-system" in text


def test_the_notice_without_objects_names_no_objects_file() -> None:
    text = render([])
    assert "objects" not in text
    assert text.endswith("k3s installs the chart when it starts.")
