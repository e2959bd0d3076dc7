"""The argument_specs <-> defaults checker must catch each kind of drift."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

_SPEC = importlib.util.spec_from_file_location(
    "check_argument_specs", Path(__file__).resolve().parents[2] / "tools" / "check_argument_specs.py"
)
assert _SPEC is not None and _SPEC.loader is not None
checker = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(checker)


def make_role(tmp_path: Path, defaults: dict[str, object], options: dict[str, object] | None) -> Path:
    role = tmp_path / "demo"
    (role / "defaults").mkdir(parents=True)
    (role / "defaults" / "main.yml").write_text(yaml.safe_dump(defaults))
    if options is not None:
        (role / "meta").mkdir()
        spec = {"argument_specs": {"main": {"short_description": "x", "options": options}}}
        (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(spec))
    return role


def test_matching_role_has_no_problems(tmp_path: Path) -> None:
    role = make_role(tmp_path, {"demo_port": 80}, {"demo_port": {"type": "int", "description": "Port.", "default": 80}})
    assert checker.check_role(role) == []


@pytest.mark.parametrize(
    ("defaults", "options", "expected"),
    [
        ({"demo_a": 1, "demo_b": 2}, {"demo_a": {"description": "A."}}, "'demo_b' is in defaults/main.yml but not"),
        ({"demo_a": 1}, {"demo_a": {"description": "A."}, "demo_c": {"description": "C."}}, "'demo_c' is in meta"),
        ({"other_a": 1}, {"other_a": {"description": "A."}}, "not prefixed with the role name"),
        ({"demo_a": 1}, {"demo_a": {"type": "int"}}, "has no description"),
        ({"demo_a": 1}, {"demo_a": {"description": "A.", "default": 2}}, "default differs"),
        ({"demo_a": 1}, None, "meta/argument_specs.yml is missing"),
    ],
)
def test_each_drift_is_reported(
    tmp_path: Path, defaults: dict[str, object], options: dict[str, object] | None, expected: str
) -> None:
    problems = checker.check_role(make_role(tmp_path, defaults, options))
    assert any(expected in p for p in problems), problems


def test_required_option_without_default_is_allowed(tmp_path: Path) -> None:
    role = make_role(tmp_path, {}, {"demo_token": {"description": "T.", "required": True}})
    assert checker.check_role(role) == []
