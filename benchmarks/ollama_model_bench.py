"""Benchmark ollama_model against the Ollama API emulator (a test double, not Ollama).

Not a timed test: it prints figures to compare with the goals of issue 3.

1. Converge the design's 12 models when all are present: HTTP requests the
   module made (goal: at most 2) and wall time of the module process (goal: < 1 s).
2. Pull an emulated model through two dropped connections, for a small and a
   large model with the same progress granularity, and print the peak RSS of
   the module process (goal: flat, independent of the model size).

Run: .venv/bin/python benchmarks/ollama_model_bench.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "emulators" / "ollama"))
import ollama_emulator as emu

MODULE = ROOT / "plugins" / "modules" / "ollama_model.py"
COLLECTIONS = ROOT / ".cache" / "collections"
DESIGN_MODELS = [entry[0] for entry in emu.CATALOG[:12]]


def control(url: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/_emulator/{path}", data=data, method="POST" if data else "GET")  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return json.loads(response.read())


def run_module(args: dict[str, Any]) -> tuple[dict[str, Any], float, int]:
    """Run the module as Ansible would (a separate process); return result, seconds, peak RSS KiB."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(MODULE), handle.name], stdout=subprocess.PIPE, env=env)  # noqa: S603
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    os.unlink(handle.name)
    result = json.loads(out)
    if status != 0 or result.get("failed"):
        raise SystemExit(f"module failed: {result.get('msg', out[:500])}")
    return result, elapsed, usage.ru_maxrss


def main() -> int:
    server = emu.EmulatorServer()
    server.start_background()
    url = server.url
    print(f"Ollama API emulator (test double) at {url}")

    control(url, "seed", {"models": DESIGN_MODELS})
    control(url, "stats/reset", {})
    result, elapsed, _rss = run_module({"url": url, "name": DESIGN_MODELS})
    requests = control(url, "stats")["requests"]
    print("\n1. converge 12 present models")
    print(f"   changed={result['changed']} HTTP requests={requests.get('total', 0)} {requests}")
    print(f"   module process wall time: {elapsed:.3f} s (goal: <= 2 requests, < 1 s)")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import ansible.module_utils.basic"], check=True)
    print(f"   of which Python + AnsibleModule import alone: {time.perf_counter() - start:.3f} s")

    print("\n2. pull through two dropped connections (progress line every 1 MiB)")
    control(url, "settings", {"progress_step": 1 << 20})
    for label, size in (("small", 1 << 30), ("large", 40 << 30)):
        name = f"bench/{label}:latest"
        control(url, "registry", {"model": name, "size": size})
        control(
            url, "faults", {"kind": "drop", "endpoint": "/api/pull", "model": name, "after_bytes": 20_000, "times": 2}
        )
        control(url, "stats/reset", {})
        result, elapsed, rss = run_module({"url": url, "name": name, "retry_delay": 0.05})
        lines = size // (1 << 20)
        print(
            f"   {label:5} {size / 2**30:5.0f} GiB, ~{lines} progress lines: attempts={result['models'][0]['attempts']}"
            f" peak RSS {rss / 1024:.1f} MiB, {elapsed:.2f} s"
        )
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
