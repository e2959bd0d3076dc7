"""Benchmark the stack without Kubernetes: failover time and the content playbooks' no-op rerun.

Runs the integration target tests/integration/targets/stack (runme.sh) outside
ansible-test, --repeat times per Open WebUI version, against a real Redis
(tests/integration/services/redis.sh), real Open WebUI (installed by
tests/harness/openwebui.sh) and two Ollama emulators (a test double: the
failover figure measures Open WebUI's side of the switch, not Ollama's), and
prints per version:

  - failover: seconds from stopping the primary to the first chat answered
    through the standalone, and the chat attempts it took;
  - no-op rerun of playbooks/models.yml + playbooks/webui_settings.yml:
    seconds, requests to each Ollama instance and to Open WebUI (and writes).

    .venv/bin/python benchmarks/stack_failover.py                  # 0.6.12 and 0.12.4, once
    .venv/bin/python benchmarks/stack_failover.py --version 0.12.4 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "integration" / "targets" / "stack"
REDIS = ROOT / "tests" / "integration" / "services" / "redis.sh"
HARNESS = ROOT / "tests" / "harness" / "openwebui.sh"
BASH = "/bin/bash"


def run_once(version: str, work: Path, redis_yaml: str, env: dict[str, str]) -> dict[str, Any]:
    cache = os.environ.get("AISTACK_CACHE") or str(Path.home() / ".cache" / "aistack")
    config = work / f"config-{version}.yml"
    config.write_text(
        "---\n"
        + redis_yaml
        + f'openwebui_harness: "env AISTACK_CACHE={cache} bash {HARNESS}"\n'
        + f'openwebui_versions: ["{version}"]\n'
        + "openwebui_admin_email: admin@example.com\n"
        + f'openwebui_admin_password: "Aa1!{secrets.token_urlsafe(12)}"\n'
    )
    out = work / f"out-{version}"
    out.mkdir(exist_ok=True)
    run_env = dict(env, AISTACK_STACK_CONFIG=str(config), AISTACK_STACK_VERSIONS=version, OUTPUT_DIR=str(out))
    subprocess.run([BASH, "runme.sh"], cwd=TARGET, env=run_env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return json.loads((out / "stack" / version / "figures.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--version", action="append", help="Open WebUI version (repeatable); default 0.6.12, 0.12.4")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    versions = args.version or ["0.6.12", "0.12.4"]
    venv = Path(os.environ.get("AISTACK_VENV") or ROOT / ".venv")
    env = dict(os.environ, PATH=f"{venv / 'bin'}:{os.environ['PATH']}", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    subprocess.run([BASH, str(HARNESS), "install", *versions], check=True, env=env)  # noqa: S603
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        redis_state = work / "redis"
        redis_yaml = subprocess.run(  # noqa: S603
            [BASH, str(REDIS), "start", str(redis_state)], check=True, capture_output=True, text=True, env=env
        ).stdout
        try:
            rows = []
            for version in versions:
                runs = [run_once(version, work, redis_yaml, env) for _repeat in range(args.repeat)]
                rows.append((version, runs))
        finally:
            subprocess.run([BASH, str(REDIS), "stop", str(redis_state)], check=False, env=env)  # noqa: S603
    print(
        "| Open WebUI | failover s (median) | attempts | no-op rerun s | Ollama requests primary/standalone "
        "| Open WebUI requests (writes) |"
    )
    print("|---|---|---|---|---|---|")
    for version, runs in rows:
        last = runs[-1]["rerun"]
        print(
            f"| {version} | {statistics.median(r['failover_seconds'] for r in runs):.2f} "
            f"| {max(r['failover_attempts'] for r in runs)} "
            f"| {statistics.median(r['rerun']['seconds'] for r in runs):.2f} "
            f"| {last['ollama_requests']['primary']}/{last['ollama_requests']['standalone']} "
            f"| {last['openwebui_requests']} ({last['openwebui_writes']}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
