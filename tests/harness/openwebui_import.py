"""Import Open WebUI release code over an installed release's dependencies, many times, quickly.

Used by ``tests/harness/openwebui.sh dump`` (the --no-deps overlay). Run with
the Python of the installed release (BASE) whose dependencies are used::

    python openwebui_import.py dump SOCKET SITE EXTRA DATA_DIR OUT.json LOG

asks the import server of BASE listening on SOCKET (started on first use,
ending after 30 idle minutes) to build the OpenAPI document of the release
unpacked in SITE: a forked child puts SITE and EXTRA in front of BASE's
packages, imports ``open_webui.main`` and writes ``app.openapi()`` to OUT.json,
its output to LOG. The exit status is the child's (1 on an import error, 124
when it took longer than 900 s).

Why a server: most of an import's time goes to BASE's own packages (torch,
transformers, langchain...), the same for every release dumped over BASE.
After each child the server imports the modules of BASE the child used, so
the next child finds them loaded and imports only what differs: the
release's code (and EXTRA). A module of BASE whose top-level name SITE or
EXTRA provides is dropped in the child before the import, so the release's
copy wins as it would in a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import traceback
from pathlib import Path

IDLE_SECONDS = 1800
CHILD_SECONDS = 900
# The environment of every import: offline, no telemetry, the OpenAPI document enabled.
ENVIRONMENT = {
    "ENV": "dev",
    "OFFLINE_MODE": "true",
    "HF_HUB_OFFLINE": "1",
    "WEBUI_SECRET_KEY": "dump",
    "RAG_EMBEDDING_ENGINE": "ollama",
    "ENABLE_OPENAI_API": "false",
    "ANONYMIZED_TELEMETRY": "false",
}
BASE_DIRS = tuple({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})


def _top_levels(*dirs: str) -> set[str]:
    names = set()
    for folder in dirs:
        for entry in Path(folder).iterdir() if Path(folder).is_dir() else ():
            if entry.name.endswith((".dist-info", ".egg-info", ".pth")) or entry.name in ("bin", "__pycache__"):
                continue
            names.add(entry.name.split(".", 1)[0])
    return names


def _base_modules() -> list[str]:
    found = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(BASE_DIRS):
            found.append(name)
    return sorted(found)


def _child(request: dict[str, str], conn: socket.socket, learned: Path) -> None:
    """Runs in the forked child: never returns."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    rc = 1
    try:
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(request["data"])
        os.environ.update(ENVIRONMENT)
        os.environ.update(
            DATA_DIR=request["data"], FRONTEND_BUILD_DIR=os.path.join(request["site"], "open_webui", "frontend")
        )
        shadowed = _top_levels(request["site"], request["extra"])
        for name in list(sys.modules):
            if name.split(".", 1)[0] in shadowed:
                del sys.modules[name]
        sys.path[0:0] = [request["site"], request["extra"]]
        importlib.invalidate_caches()
        main = importlib.import_module("open_webui.main")
        document = main.app.openapi()
        with open(request["out"], "w", encoding="utf-8") as handle:
            json.dump(document, handle)
        with open(learned, "a", encoding="utf-8") as handle:
            handle.write("\n".join(n for n in _base_modules() if n.split(".", 1)[0] not in shadowed) + "\n")
        rc = 0
    except BaseException:  # the log carries it; the parent needs only the status
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            conn.sendall(json.dumps({"rc": rc}).encode())
        finally:
            os._exit(rc)


def _preload(learned: Path, done: set[str]) -> None:
    if not learned.exists():
        return
    for name in sorted(set(learned.read_text(encoding="utf-8").split()) - done):
        done.add(name)
        # a module that does not import alone is left to the child
        with contextlib.suppress(BaseException):
            importlib.import_module(name)


def serve(sock_path: str) -> int:
    os.environ.update(ENVIRONMENT)
    scratch = Path(sock_path + ".d")
    scratch.mkdir(exist_ok=True)
    os.chdir(scratch)
    os.environ["DATA_DIR"] = str(scratch)
    learned = Path(sock_path + ".modules")
    learned.unlink(missing_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    Path(sock_path).unlink(missing_ok=True)
    server.bind(sock_path)
    server.listen(8)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are never waited for
    done: set[str] = set()
    last = time.monotonic()
    while time.monotonic() - last < IDLE_SECONDS:
        ready, _w, _x = select.select([server], [], [], 5)
        if not ready:
            _preload(learned, done)
            continue
        conn, _addr = server.accept()
        last = time.monotonic()
        request = json.loads(conn.makefile().readline())
        _preload(learned, done)
        if os.fork() == 0:
            server.close()
            _child(request, conn, learned)
        conn.close()
    Path(sock_path).unlink(missing_ok=True)
    return 0


def _connect(sock_path: str) -> socket.socket | None:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(sock_path)
    except OSError:
        client.close()
        return None
    return client


def dump(sock_path: str, site: str, extra: str, data: str, out: str, log: str) -> int:
    client = _connect(sock_path)
    if client is None:
        with open(sock_path + ".lock", "w", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            client = _connect(sock_path)
            if client is None:
                with open(sock_path + ".log", "a", encoding="utf-8") as server_log:
                    subprocess.Popen(  # this same file, with this same Python
                        [sys.executable, __file__, "serve", sock_path],
                        stdin=subprocess.DEVNULL,
                        stdout=server_log,
                        stderr=server_log,
                        start_new_session=True,
                    )
                for _attempt in range(600):
                    time.sleep(0.1)
                    client = _connect(sock_path)
                    if client is not None:
                        break
    if client is None:
        print(f"the import server on {sock_path} did not start", file=sys.stderr)
        return 1
    request = {"site": site, "extra": extra, "data": data, "out": out, "log": log}
    client.sendall((json.dumps(request) + "\n").encode())
    client.settimeout(CHILD_SECONDS)
    try:
        answer = client.makefile().read()
    except TimeoutError:
        return 124
    return int(json.loads(answer)["rc"]) if answer else 1


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "serve":
        return serve(argv[1])
    if len(argv) == 7 and argv[0] == "dump":
        return dump(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
