"""tests/tools/openwebui_schema.py: the committed shapes are what the real OpenAPI documents generate.

The reference documents of 0.6.12 and 0.12.4 (served by the real releases with
ENV=dev) are read from the shared reference material beside the clone
(AISTACK_SHARED overrides its path).
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui_profiles as cfg
from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui_schema as schema

ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("AISTACK_SHARED") or ROOT.parent / "shared")
DOCS = SHARED / "reference" / "openwebui"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("openwebui_schema_tool", ROOT / "tests/tools/openwebui_schema.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("version", ["0.6.12", "0.12.4"])
def test_committed_shapes_match_the_real_document(version: str) -> None:
    path = DOCS / f"openapi_{version}.json"
    if not path.exists():
        pytest.skip(f"{path} is not there")
    shapes = _generator().shapes(json.loads(path.read_text()))
    assert shapes == cfg.SHAPES[schema.DUMPED[version]]


def _fake(bodies: dict[str, Any]) -> dict[str, Any]:
    return {"bodies": bodies, "missing": []}


def test_families_group_equal_neighbours_and_leave_gaps_out() -> None:
    gen = _generator()
    a, b = _fake({"auth": {"X": "bool"}}), _fake({"auth": {"Y": "bool"}})
    releases = ["0.6.12", "0.6.13", "0.6.14", "0.6.15", "0.6.16", "0.7.0", "0.7.1"]
    dumped = {"0.6.12": a, "0.6.14": a, "0.6.16": b, "0.7.0": b}
    shapes, table, member = gen.families(dumped, releases)
    # 0.6.13 sits between two equal dumps: covered; 0.6.15 sits between different ones: left out
    assert table == [("0.6.12", "0.6.12", "0.6.15"), ("0.6.16", "0.6.16", "0.8.0")]
    assert set(shapes) == {"0.6.12", "0.6.16"}
    assert member == {"0.6.12": "0.6.12", "0.6.14": "0.6.12", "0.6.16": "0.6.16", "0.7.0": "0.6.16"}


def test_type_notation() -> None:
    gen = _generator()
    spec: dict[str, Any] = {
        "components": {"schemas": {"N": {"type": "object", "properties": {"a": {"type": "integer"}}}}}
    }
    assert gen.type_of(spec, {"anyOf": [{"type": "string"}, {"type": "null"}]}) == "str?"
    assert gen.type_of(spec, {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]}) == "int|str?"
    # members are sorted: the same union listed in another order is the same type
    assert gen.type_of(spec, {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}) == "int|str?"
    three = [{"type": "string"}, {"type": "number"}, {"type": "integer"}, {"type": "null"}]
    assert gen.type_of(spec, {"anyOf": three}) == "float|int|str?"
    assert gen.type_of(spec, {"$ref": "#/components/schemas/N"}) == {"a": "int"}
    assert gen.type_of(spec, {"type": "array"}) == "list"


def test_differences_rebuild_every_pair_of_families() -> None:
    gen = _generator()
    for old in cfg.SHAPES.values():
        for new in cfg.SHAPES.values():
            assert cfg.apply_changes(old, gen.changes(old, new)) == new


def test_changes_store_only_what_differs() -> None:
    gen = _generator()
    old = {"bodies": {"auth": {"A": "bool", "B": "str"}, "tasks": {"X": "int"}}, "missing": []}
    new = {"bodies": {"auth": {"B": "str", "C": "int"}, "tasks": {"X": "int"}}, "missing": ["audio"]}
    assert gen.changes(old, new) == {"bodies": {"auth": {"A": None, "C": "int"}}, "missing": ["audio"]}


def test_generated_data_holds_each_family_once_with_its_source() -> None:
    # the first family is complete, every later one only holds differences
    references = [reference for reference, _changes in schema.CHANGES]
    assert references == [reference for reference, _minimum, _below in schema.FAMILIES]
    assert set(schema.SOURCES) == set(schema.DUMPED)
    for version, source in schema.SOURCES.items():
        assert source.startswith(("served by a full install", "overlay: ")), (version, source)


def test_the_generator_reads_the_modules_endpoint_table() -> None:
    gen = _generator()
    assert gen.ENDPOINTS is cfg.ENDPOINTS
    assert gen.FLAT is cfg.FLAT_SECTIONS
