"""Print how long plan mode takes to build every platform manifest per inventory.

Runs ``ansible-playbook playbooks/plan.yml --tags manifests`` (the platform part of
plan mode, no host contacted) for inventories/example and inventories/multinode,
and prints wall time, manifest files and objects. A figure, not a test.

    python benchmarks/platform_manifests.py [inventory ...]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    playbook = shutil.which("ansible-playbook")
    if not playbook:
        print("ansible-playbook not found: source scripts/lib.sh && ensure_venv", file=sys.stderr)
        return 1
    inventories = argv or ["example", "multinode"]
    print(f"{'inventory':<12} {'seconds':>8} {'files':>6} {'objects':>8}")
    for name in inventories:
        with tempfile.TemporaryDirectory() as out:
            start = time.monotonic()
            command = [playbook, "playbooks/plan.yml", "-i", f"inventories/{name}", "--tags", "manifests"]
            command += ["-e", f"preflight_report_dir={out}"]
            run = subprocess.run(  # noqa: S603 - fixed argv, our own playbook
                command,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
                env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")),
            )
            seconds = time.monotonic() - start
            if run.returncode != 0:
                print(run.stdout[-3000:], file=sys.stderr)
                return 1
            files = sorted(Path(out, "manifests").glob("*.yaml"))
            objects = sum(len([d for d in yaml.safe_load_all(f.read_text()) if d]) for f in files)
            print(f"{name:<12} {seconds:>8.1f} {len(files):>6} {objects:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
