"""k3s_chart's Helm-job wait: when it stops, and what the failure says.

The conditions of roles/k3s_chart/tasks/wait.yml are rendered by ansible-core's
templating engine with the role's defaults and a Job as k8s_info returns it, so a
broken chart (the Helm controller retries its job up to 1000 times) ends the wait
after k3s_chart_failed_attempts failed pods instead of the whole timeout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "k3s_chart"
WAIT = yaml.safe_load((ROLE / "tasks" / "wait.yml").read_text(encoding="utf-8"))
JOB_WAIT = next(t for t in WAIT if t["name"].startswith("Wait for the Helm job"))
REPORT = next(t for t in WAIT if t["name"] == "Report a failed or missing Helm job")
FAIL = next(t for t in REPORT["block"] if "ansible.builtin.fail" in t)


def render(expression: str, job: dict[str, Any] | None, *, changed: bool = False, uid_before: str = "") -> Any:
    loader = DataLoader()
    variables: dict[str, Any] = loader.load_from_file(str(ROLE / "defaults" / "main.yml"), trusted_as_template=True)
    variables.update(
        k3s_chart_name="longhorn",
        k3s_chart_source={"repo": "https://charts.longhorn.io", "chart": "longhorn", "version": "1.12.1"},
        __k3s_chart_helmchart={"metadata": {"name": "longhorn", "namespace": "kube-system"}},
        __k3s_chart_file="longhorn.yaml",
        __k3s_chart_manifest={"changed": changed},
        __k3s_chart_job_uid_before=uid_before,
        __k3s_chart_job={"resources": [job] if job else []},
        __k3s_chart_log={"log_lines": ["Error: INSTALLATION FAILED: bad values"]},
    )
    return Templar(loader=loader, variables=variables).template(trust_as_template(expression))


def job(uid: str = "new", **status: Any) -> dict[str, Any]:
    return {"metadata": {"uid": uid}, "spec": {"backoffLimit": 1000}, "status": status}


def done(job_: dict[str, Any] | None, **kwargs: Any) -> bool:
    return bool(render("{{ " + JOB_WAIT["until"] + " }}", job_, **kwargs))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({"active": 1}, False),
        ({"active": 1, "failed": 2}, False),
        # The Helm controller's job would go on failing 1000 times; the wait stops at the third.
        ({"active": 1, "failed": 3}, True),
        ({"succeeded": 1}, True),
        ({"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}, True),
    ],
)
def test_wait_stops_on_success_or_repeated_failure(status: dict[str, Any], expected: bool) -> None:
    assert done(job(**status)) is expected


def test_wait_ignores_the_old_job_after_a_change() -> None:
    assert not done(job("old", failed=5), changed=True, uid_before="old")
    assert done(job("new", failed=3), changed=True, uid_before="old")
    assert not done(None)


def test_failed_attempts_is_the_knob() -> None:
    loader = DataLoader()
    assert loader.load_from_file(str(ROLE / "defaults" / "main.yml"))["k3s_chart_failed_attempts"] == 3
    assert "k3s_chart_failed_attempts" in JOB_WAIT["until"]


def test_failure_message_says_what_happened() -> None:
    failed = render(FAIL["ansible.builtin.fail"]["msg"], job(active=1, failed=3))
    assert "failed 3 time(s)" in failed
    assert "k3s_chart_failed_attempts" in failed
    assert "longhorn_chart" in failed
    assert "Error: INSTALLATION FAILED: bad values" in failed
    missing = render(FAIL["ansible.builtin.fail"]["msg"], None)
    assert "not created within 600 s (k3s_chart_timeout)" in missing
    running = render(FAIL["ansible.builtin.fail"]["msg"], job(active=1))
    assert "still running after 600 s" in running
    # The report runs for every job that did not succeed.
    assert render("{{ " + REPORT["when"] + " }}", job(active=1, failed=3))
    assert not render("{{ " + REPORT["when"] + " }}", job(succeeded=1))
