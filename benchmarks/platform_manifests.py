"""Print figures for the platform (layer 3) and AI-service (layer 4) manifests.

Plan mode: runs ``ansible-playbook playbooks/plan.yml --tags manifests`` (plan
mode's manifests, no host contacted) for inventories/example and
inventories/multinode, and prints wall time, manifest files and objects.

Molecule (``--molecule``): converges a scenario's layer on its Debian host
(``molecule converge``: the host is created and prepared when missing), then
converges it again and prints, per run, the seconds and the changed tasks from
the play recap; the second run is the no-op rerun (0 changed is what the
scenario's idempotence step asserts). The hosts are kept for a cheap rerun of
the figures; ``molecule destroy -s <scenario>`` removes them. Scenarios:
``platform`` (layer 3) and ``ai_services`` (layer 4). Figures, not a test.

    python benchmarks/platform_manifests.py [inventory ...]
    python benchmarks/platform_manifests.py --molecule [scenario ...]

Run it after ``source scripts/lib.sh && ensure_venv`` (ansible-playbook and
molecule on PATH, the collection linked).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RECAP = re.compile(r"^\W*(?P<host>[\w.-]+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s", re.MULTILINE)


def plan_figures(inventories: list[str]) -> int:
    playbook = shutil.which("ansible-playbook")
    if not playbook:
        print("ansible-playbook not found: source scripts/lib.sh && ensure_venv", file=sys.stderr)
        return 1
    print(f"{'inventory':<12} {'seconds':>8} {'files':>6} {'objects':>8}")
    for name in inventories:
        with tempfile.TemporaryDirectory() as out:
            start = time.monotonic()
            command = [playbook, "playbooks/plan.yml", "-i", f"inventories/{name}", "--tags", "manifests"]
            command += ["-e", f"aistack_report_root={out}"]
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
            files = sorted(Path(out, name, "manifests").glob("*.yaml"))
            objects = sum(len([d for d in yaml.safe_load_all(f.read_text()) if d]) for f in files)
            print(f"{name:<12} {seconds:>8.1f} {len(files):>6} {objects:>8}")
    return 0


def recap(output: str) -> tuple[int, int]:
    """(ok, changed) summed over the hosts of the last play recap in ``output``."""
    text = _ANSI.sub("", output)
    last = text.rfind("PLAY RECAP")
    if last < 0:
        raise ValueError("no PLAY RECAP in the output")
    rows = list(_RECAP.finditer(text, last))
    if not rows:
        raise ValueError("no host line in the PLAY RECAP")
    return sum(int(r["ok"]) for r in rows), sum(int(r["changed"]) for r in rows)


def molecule_figures(scenarios: list[str]) -> int:
    molecule = shutil.which("molecule")
    if not molecule:
        print("molecule not found: source scripts/lib.sh && ensure_venv", file=sys.stderr)
        return 1
    print(f"{'scenario':<12} {'run':<8} {'seconds':>8} {'ok':>5} {'changed':>8}")
    for scenario in scenarios:
        for label in ("converge", "rerun"):
            start = time.monotonic()
            run = subprocess.run(  # noqa: S603 - fixed argv, our own scenarios
                [molecule, "converge", "-s", scenario],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.monotonic() - start
            output = run.stdout + run.stderr
            if run.returncode != 0:
                print(output[-3000:], file=sys.stderr)
                return 1
            ok, changed = recap(output)
            print(f"{scenario:<12} {label:<8} {seconds:>8.1f} {ok:>5} {changed:>8}")
    print("(the first run includes creating and preparing a missing host; hosts kept: molecule destroy -s <scenario>)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Figures for the platform and AI-service manifests.")
    parser.add_argument("names", nargs="*", help="inventories (plan mode) or, with --molecule, scenarios")
    parser.add_argument("--molecule", action="store_true", help="time a converge and its no-op rerun in Molecule")
    args = parser.parse_args(argv)
    if args.molecule:
        return molecule_figures(args.names or ["platform", "ai_services"])
    return plan_figures(args.names or ["example", "multinode"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
