"""Generate plugins/module_utils/_openwebui_schema.py from Open WebUI OpenAPI documents.

Usage::

    python tests/tools/openwebui_schema.py [--write | --check] VERSION=SPEC.json ...
    python tests/tools/openwebui_schema.py [--write | --check] --cache

``--cache`` reads every ``$AISTACK_CACHE/openwebui/<version>/openapi.json``
that ``tests/harness/openwebui.sh openapi|dump`` left there. Without
``--write``/``--check`` the module text is printed.

What it does:

* reduces each release's OpenAPI document to the request shapes
  openwebui_config uses (the POST body of every managed section, the fields
  of a tool server connection and of a banner, which read/write endpoints
  exist);
* groups the dumped releases into *families*: consecutive dumped releases
  (in the order of tests/tools/openwebui_releases.txt) with identical
  shapes. A family covers the releases from its first to its last dumped
  release, so an undumped release between two dumped releases of one family
  is covered; where two neighbouring dumps differ, the releases between them
  are left out, and the module refuses them until their documents are
  dumped. After the newest dumped release, its family also covers the later
  patch releases of the same minor version (0.12.4 covers 0.12.5...), never
  a new minor version.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pprint
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "plugins" / "module_utils" / "_openwebui_schema.py"
RELEASES_FILE = Path(__file__).with_name("openwebui_releases.txt")
CACHE = Path(os.environ.get("AISTACK_CACHE") or Path.home() / ".cache" / "aistack") / "openwebui"


def _collection() -> ModuleType:
    """The module's own helpers (endpoints, flat sections, apply_changes), so both read one table.

    Outside pytest the collection is made importable the way scripts/lib.sh
    does it: .cache/collections/ansible_collections/aistack/baremetal -> the clone.
    """
    try:
        return importlib.import_module("ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_profiles")
    except ModuleNotFoundError:
        namespace = ROOT / ".cache" / "collections" / "ansible_collections" / "aistack"
        namespace.mkdir(parents=True, exist_ok=True)
        if not (namespace / "baremetal").exists():
            (namespace / "baremetal").symlink_to(ROOT)
        sys.path.insert(0, str(ROOT / ".cache" / "collections"))
        return importlib.import_module("ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_profiles")


_CONFIG = _collection()
ENDPOINTS: dict[str, tuple[str, str]] = _CONFIG.ENDPOINTS
FLAT: tuple[str, ...] = _CONFIG.FLAT_SECTIONS
apply_changes = _CONFIG.apply_changes

HEADER = '''# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request shapes of the Open WebUI admin endpoints, per release family. GENERATED DATA.

Written by ``tests/tools/openwebui_schema.py`` from the OpenAPI documents
that the releases serve with ``ENV=dev``; do not edit by hand. To add a
release: ``tests/harness/openwebui.sh dump VERSION`` then
``python tests/tools/openwebui_schema.py --write --cache``.

``CHANGES`` holds one entry per family, oldest first: ``(reference release,
differences)``. The first entry is complete; every later one holds only what
differs from the family before it (a key set to ``None`` is gone, a dict is
merged key by key, anything else replaces). ``_openwebui_profiles.SHAPES``
rebuilds each family's full shapes from them. The shapes are:

* ``bodies``: section -> POST body of its update endpoint, field name -> type
  (``bool``, ``int``, ``float``, ``str``, ``list``, ``dict``, ``any``, unions
  joined with ``|``; a trailing ``?`` means ``null`` is accepted; a nested
  dict is a nested object). ``models`` is the default-models body,
  ``tool_server`` one tool server connection, ``banner`` one banner.
* ``missing``: sections whose read or write endpoint the release lacks.

``FAMILIES`` maps release ranges to their reference: ``(reference, minimum,
below)``, ``minimum <= version < below``. ``DUMPED`` lists every release whose
document was read, with the family it fell into; ``SOURCES`` says how each
document was made: served by a full install of the release, or built by
importing the release's code (installed without dependencies) over another
release's installed dependencies (``tests/harness/openwebui.sh dump``).
``UNCOVERED`` lists the releases of tests/tools/openwebui_releases.txt that
no family covers yet (refused until their documents are dumped).
"""

from __future__ import annotations

from typing import Any

'''


def parse_version(text: str) -> tuple[int, int, int]:
    if not re.match(r"^\d+\.\d+\.\d+$", text):
        raise SystemExit(f"not a release version: {text!r}")
    return _CONFIG.parse_version(text)


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def type_of(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """An OpenAPI schema as the compact type notation (a str, or a dict for an object)."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        options = [_resolve(spec, o) for o in schema["anyOf"]]
        nullable = any(o.get("type") == "null" for o in options)
        rest = [o for o in options if o.get("type") != "null"]
        if len(rest) == 1:
            kind = type_of(spec, rest[0])
            if isinstance(kind, str):
                return kind + "?" if nullable and not kind.endswith("?") else kind
            return kind  # a nested object that may be null keeps its tree
        kinds = [type_of(spec, o) for o in rest]
        if all(isinstance(k, str) and k != "any" for k in kinds):
            # Sorted: a union is a set of types, and releases list the same
            # members in different orders; equal shapes must compare equal.
            members = sorted({member for k in kinds for member in k.rstrip("?").split("|")})
            return "|".join(members) + ("?" if nullable else "")
        return "any"
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        return {name: type_of(spec, sub) for name, sub in schema["properties"].items()}
    names = {"boolean": "bool", "integer": "int", "number": "float", "string": "str", "array": "list", "object": "dict"}
    return names.get(kind, "any")


def _body(spec: dict[str, Any], path: str) -> dict[str, Any] | None:
    operation = spec["paths"].get(path, {}).get("post")
    if not operation or "requestBody" not in operation:
        return None
    return _resolve(spec, operation["requestBody"]["content"]["application/json"]["schema"])


def shapes(spec: dict[str, Any]) -> dict[str, Any]:
    """The request shapes openwebui_config needs, from one OpenAPI document."""
    bodies: dict[str, Any] = {}
    missing = []
    for section, (read, write) in ENDPOINTS.items():
        if "get" not in spec["paths"].get(read, {}) or "post" not in spec["paths"].get(write, {}):
            missing.append(section)
            continue
        body = _body(spec, write)
        if section in FLAT and body is not None:
            bodies[section] = type_of(spec, body)
        elif section == "models" and body is not None:
            bodies["models"] = type_of(spec, body)
        elif section == "tool_servers" and body is not None:
            item = _resolve(spec, body["properties"]["TOOL_SERVER_CONNECTIONS"]["items"])
            bodies["tool_server"] = type_of(spec, item)
        elif section == "banners" and body is not None:
            item = _resolve(spec, body["properties"]["banners"]["items"])
            bodies["banner"] = type_of(spec, item)
    return {"bodies": bodies, "missing": missing}


def known_releases() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in RELEASES_FILE.read_text().splitlines())
    return sorted((line for line in lines if line), key=parse_version)


def families(
    dumped: dict[str, dict[str, Any]], releases: list[str] | None = None
) -> tuple[dict[str, Any], list[tuple[str, str, str]], dict[str, str]]:
    """Group dumped releases into families: (shapes per reference, families, dumped version -> reference)."""
    known = sorted(set(releases if releases is not None else known_releases()) | set(dumped), key=parse_version)
    order = sorted(dumped, key=parse_version)
    runs: list[list[str]] = []
    for version in order:
        if runs and dumped[runs[-1][0]] == dumped[version]:
            runs[-1].append(version)
        else:
            runs.append([version])
    shapes_of: dict[str, Any] = {}
    table = []
    member = {}
    for index, run in enumerate(runs):
        reference, last = run[0], run[-1]
        shapes_of[reference] = dumped[reference]
        later = [v for v in known if parse_version(v) > parse_version(last)]
        if index + 1 == len(runs):
            major, minor, _patch = parse_version(last)
            below = f"{major}.{minor + 1}.0"
        elif later:
            below = later[0]  # the first release after the last dump of this family
        else:  # pragma: no cover - the next run's first dump is always later
            below = runs[index + 1][0]
        table.append((reference, reference, below))
        member.update(dict.fromkeys(run, reference))
    return shapes_of, table, member


def changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What turns ``old`` into ``new`` under ``apply_changes``: removed keys as None, dicts key by key."""
    out: dict[str, Any] = {}
    for key in sorted(set(old) | set(new)):
        if key not in new:
            out[key] = None
        elif key not in old:
            out[key] = new[key]
        elif isinstance(old[key], dict) and isinstance(new[key], dict):
            inner = changes(old[key], new[key])
            if inner:
                out[key] = inner
        elif old[key] != new[key]:
            out[key] = new[key]
    return out


def render(dumped: dict[str, dict[str, Any]], sources: dict[str, str] | None = None) -> str:
    releases, table, member = families(dumped)
    chain = []
    previous: dict[str, Any] = {}
    for reference, _minimum, _below in table:
        difference = changes(previous, releases[reference])
        if apply_changes(previous, difference) != releases[reference]:  # pragma: no cover - a bug here
            raise SystemExit(f"the differences of {reference} do not rebuild its shapes")
        chain.append((reference, difference))
        previous = releases[reference]
    text = HEADER
    text += "CHANGES: tuple[tuple[str, dict[str, Any]], ...] = " + pprint.pformat(tuple(chain), width=110) + "\n\n"
    text += "FAMILIES: tuple[tuple[str, str, str], ...] = " + pprint.pformat(tuple(table), width=110) + "\n\n"
    text += "DUMPED: dict[str, str] = " + pprint.pformat(member, width=110, sort_dicts=False) + "\n\n"
    known = sources or {}
    made = {v: known.get(v, "given to the generator") for v in sorted(dumped, key=parse_version)}
    text += "SOURCES: dict[str, str] = " + pprint.pformat(made, width=110, sort_dicts=False) + "\n\n"
    listed = [v for v in known_releases() if not any(_inside(v, minimum, below) for _r, minimum, below in table)]
    text += "UNCOVERED: tuple[str, ...] = " + pprint.pformat(tuple(listed), width=110) + "\n"
    return text


def _inside(version: str, minimum: str, below: str) -> bool:
    return parse_version(minimum) <= parse_version(version) < parse_version(below)


def _ruff_format(text: str) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    command = [str(ruff) if ruff.exists() else "ruff", "format", "--stdin-filename", str(TARGET), "-"]
    done = subprocess.run(command, input=text, capture_output=True, text=True, check=True, cwd=ROOT)
    return done.stdout


def load(args: list[str], cache: bool) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Shapes per release and how each document was made (the harness's openapi.source)."""
    pairs: list[tuple[str, Path]] = []
    if cache:
        for spec in sorted(CACHE.glob("*/openapi.json")):
            pairs.append((spec.parent.name, spec))
    for arg in args:
        version, _sep, path = arg.partition("=")
        if not path:
            raise SystemExit(f"expected VERSION=SPEC.json, got {arg!r}")
        pairs.append((version, Path(path)))
    if not pairs:
        raise SystemExit("no OpenAPI documents given (VERSION=SPEC.json or --cache)")
    dumped, sources = {}, {}
    for version, path in pairs:
        parse_version(version)
        dumped[version] = shapes(json.loads(path.read_text()))
        source = path.with_name("openapi.source")
        if path.name == "openapi.json" and source.exists():
            sources[version] = source.read_text().strip()
    return dumped, sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"write {TARGET.relative_to(ROOT)}")
    mode.add_argument("--check", action="store_true", help="exit 1 when the file differs from what would be written")
    parser.add_argument("--cache", action="store_true", help="read the documents the harness dumped")
    parser.add_argument("specs", nargs="*", metavar="VERSION=SPEC.json")
    options = parser.parse_args(argv)
    text = _ruff_format(render(*load(options.specs, options.cache)))
    if options.write:
        TARGET.write_text(text)
    elif options.check:
        if TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is not what the documents generate", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
