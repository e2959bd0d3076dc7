"""Dump the fewest Open WebUI releases that tell every listed release's family.

Usage::

    python tests/tools/openwebui_bisect.py [--jobs N] [--dry-run]

Starts from the OpenAPI documents already in ``$AISTACK_CACHE/openwebui/``
and, while two neighbouring dumped releases (in the order of
tests/tools/openwebui_releases.txt) have different request shapes and
undumped releases lie between them, dumps the middle one with
``tests/harness/openwebui.sh dump`` (``--jobs`` at a time). Neighbours with
equal shapes cover the releases between them (one family), so the releases
where the shapes change are found by bisection instead of dumping all of
them. A release that cannot be dumped is skipped; when only such releases are
left between two different neighbours, they stay without a family and
openwebui_config refuses them. Then run ``openwebui_schema.py --write --cache``.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
HARNESS = HERE.parents[1] / "tests" / "harness" / "openwebui.sh"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("openwebui_schema_tool", HERE / "openwebui_schema.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def next_dumps(known: list[str], shapes: dict[str, Any], skip: set[str], busy: set[str]) -> list[str]:
    """The middle release of every gap between two dumped neighbours whose shapes differ, widest first."""
    dumped = [v for v in known if v in shapes]
    wanted = []
    for low, high in itertools.pairwise(dumped):
        if shapes[low] == shapes[high]:
            continue
        between = known[known.index(low) + 1 : known.index(high)]
        if any(v in busy for v in between):
            continue
        open_ = [v for v in between if v not in skip]
        if open_:
            wanted.append((len(between), open_[len(open_) // 2]))
    return [v for _width, v in sorted(wanted, reverse=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--jobs", type=int, default=1, help="dumps at a time")
    parser.add_argument("--dry-run", action="store_true", help="print the next dumps and stop")
    options = parser.parse_args(argv)
    gen = _generator()
    known = gen.known_releases()
    shapes: dict[str, Any] = {}
    skip: set[str] = set()
    running: dict[str, subprocess.Popen[bytes]] = {}
    while True:
        for spec in gen.CACHE.glob("*/openapi.json"):
            if spec.parent.name in known and spec.parent.name not in shapes:
                shapes[spec.parent.name] = gen.shapes(json.loads(spec.read_text()))
        for version, process in list(running.items()):
            if process.poll() is not None:
                del running[version]
                if process.returncode != 0:
                    skip.add(version)
                print(f"{version}: {'dumped' if process.returncode == 0 else 'FAILED'}", flush=True)
        todo = next_dumps(known, shapes, skip, set(running))
        # the oldest and newest listed releases are always dumped (after the gaps)
        todo += [v for v in (known[0], known[-1]) if v not in shapes and v not in skip and v not in running]
        if options.dry_run:
            print(" ".join(todo))
            return 0
        while todo and len(running) < options.jobs:
            version = todo.pop(0)
            print(f"{version}: dumping", flush=True)
            running[version] = subprocess.Popen(["bash", str(HARNESS), "dump", version])
        if not running and not todo:
            break
        time.sleep(5)
    print("no family left undetermined; refused (no document): " + (" ".join(sorted(skip)) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
