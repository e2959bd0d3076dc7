"""Benchmark openwebui_config against a real Open WebUI: a full apply and a no-op run.

Starts a fresh instance of each version with tests/harness/openwebui.sh (cached
virtualenvs; the first install takes minutes), creates the admin, then times
  - the full apply of the realistic settings set (fresh instance: every section written),
  - the no-op run that follows (nothing written), repeated --repeat times,
and prints the HTTP requests (reads/writes/sign-ins) of each. Stops the instances.

    .venv/bin/python benchmarks/openwebui_config_bench.py              # 0.6.12 and 0.12.4
    .venv/bin/python benchmarks/openwebui_config_bench.py --version 0.12.4 --repeat 5
    .venv/bin/python benchmarks/openwebui_config_bench.py --url http://127.0.0.1:8080 \
        --email admin@example.com   # an instance that runs already; password from $OPENWEBUI_PASSWORD
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui import Client
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_admin import ensure_admin
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_config import apply

HARNESS = ROOT / "tests" / "harness" / "openwebui.sh"
BASH = "/bin/bash"

SETTINGS: dict[str, Any] = {
    "ollama": {
        "enable": True,
        "urls": [
            {"url": "http://127.0.0.1:11434", "tags": ["primary"]},
            {"url": "http://127.0.0.1:11435", "tags": ["standalone"]},
        ],
    },
    "openai": {"enable": True, "urls": [{"url": "http://127.0.0.1:9099", "key": "pipelines-bench-key"}]},
    "auth": {"enable_signup": False, "default_user_role": "user", "jwt_expires_in": "4w"},
    "models": {"default_models": ["llama3.1:8b"]},
    "retrieval": {
        "file_max_size": 5120,
        "file_max_count": 10,
        "web": {"enable_web_search": True, "web_search_engine": "searxng"},
    },
    "banners": [{"id": "bench", "type": "info", "content": "benchmark", "dismissible": True}],
    "tasks": {"enable_title_generation": True},
}


def timed(client: Client) -> tuple[float, dict[str, Any], bool]:
    start = time.perf_counter()
    result = apply(client, SETTINGS, check_mode=False)
    return time.perf_counter() - start, client.report(), bool(result["changed"])


def fmt(req: dict[str, Any]) -> str:
    return f"{req['total']:>3} requests ({req['reads']} GET, {req['writes']} POST, {req['signins']} sign-in)"


def bench(url: str, email: str, password: str, label: str, repeat: int) -> None:
    admin = ensure_admin(Client(url, email=email, password=password), "Bench admin", check_mode=False)
    token = admin["token"]
    seconds, req, changed = timed(Client(url, email=email, password=password))
    print(f"{label:>8}  full apply   {seconds * 1000:7.0f} ms  {fmt(req)}  changed={changed}")
    runs = []
    for _run in range(repeat):
        seconds, req, changed = timed(Client(url, api_key=token))
        runs.append(seconds)
        if changed or req["writes"]:
            raise SystemExit(f"no-op run changed something: {req}")
    print(
        f"{label:>8}  no-op run    {statistics.median(runs) * 1000:7.0f} ms  {fmt(req)}  changed=False"
        f"  (median of {repeat}, token auth)"
    )
    seconds, req, _changed = timed(Client(url, email=email, password=password))
    print(f"{label:>8}  no-op+signin {seconds * 1000:7.0f} ms  {fmt(req)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="append", help="Open WebUI version(s) to start (default 0.6.12, 0.12.4)")
    parser.add_argument("--url", help="benchmark this running instance instead of starting one")
    parser.add_argument("--email", default="admin@example.com")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.url:
        password = os.environ.get("OPENWEBUI_PASSWORD")
        if not password:
            raise SystemExit("set OPENWEBUI_PASSWORD")
        bench(args.url, args.email, password, "given", args.repeat)
        return
    versions = args.version or ["0.6.12", "0.12.4"]
    subprocess.run([BASH, str(HARNESS), "install", *versions], check=True)  # noqa: S603
    for version in versions:
        with tempfile.TemporaryDirectory(prefix=f"owui-bench-{version}-") as data:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            start = [BASH, str(HARNESS), "start", version, str(port), data]
            subprocess.run(start, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
            try:
                subprocess.run([BASH, str(HARNESS), "wait", url, "240"], check=True)  # noqa: S603
                bench(url, args.email, "Bb1!" + secrets.token_urlsafe(12), version, args.repeat)
            finally:
                subprocess.run([BASH, str(HARNESS), "stop", f"{data}/server.pid"], check=False)  # noqa: S603


if __name__ == "__main__":
    main()
