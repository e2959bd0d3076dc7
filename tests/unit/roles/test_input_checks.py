"""Rules every role's input checks must keep, read from the task files as data.

An input check (``assert``/``fail``) exists to tell the operator which variable
to fix. With ``no_log: true`` Ansible replaces the whole failed result with
"the output has been hidden ...", so the operator never sees that name. An
assert's result holds only the text of its condition and its ``fail_msg``,
never the values, so a check on a secret needs no ``no_log`` (the message must
simply not template the secret).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
CHECKS = ("ansible.builtin.assert", "assert", "ansible.builtin.fail", "fail")
SECRET_WORDS = ("password", "_key", "token", "secret_key")


def _walk(name: str, items: Any, found: list[tuple[str, dict[str, Any]]]) -> None:
    for item in items or []:
        if not isinstance(item, dict):
            continue
        found.append((name, item))
        for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks"):
            _walk(name, item.get(key), found)


def _task_files() -> list[Path]:
    return sorted((ROOT / "roles").glob("*/tasks/*.yml")) + sorted((ROOT / "playbooks").rglob("*.yml"))


def _checks() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in _task_files():
        _walk(str(path.relative_to(ROOT)), yaml.safe_load(path.read_text()), found)
    return [(name, task) for name, task in found if any(key in task for key in CHECKS)]


def test_the_walk_finds_the_input_checks() -> None:
    # Guard against a walk that finds nothing and so passes vacuously.
    names = {name for name, _task in _checks()}
    assert "roles/monitoring/tasks/build.yml" in names
    assert len(names) > 10


@pytest.mark.parametrize(("name", "task"), _checks(), ids=lambda v: v if isinstance(v, str) else v.get("name"))
def test_an_input_check_shows_its_message(name: str, task: dict[str, Any]) -> None:
    assert not task.get("no_log"), (
        f"{name}: '{task.get('name')}' has no_log, which hides the message naming the variable to fix"
    )


@pytest.mark.parametrize(("name", "task"), _checks(), ids=lambda v: v if isinstance(v, str) else v.get("name"))
def test_an_input_check_message_templates_no_secret(name: str, task: dict[str, Any]) -> None:
    args = next(task[key] for key in CHECKS if key in task) or {}
    message = str(args.get("fail_msg") or args.get("msg") or "")
    # A message may name a secret variable, but never template its value.
    for expression in message.split("{{")[1:]:
        used = expression.split("}}", 1)[0]
        assert not any(word in used for word in SECRET_WORDS if "password_file" not in used), (
            f"{name}: '{task.get('name')}' templates a secret into its message: {{{{{used}}}}}"
        )
