"""A real S3-compatible server for the unit tests: moto in server mode.

Started once per test session through tests/integration/services/s3.sh (the
same script the integration tier uses; it installs moto into its own cached
virtualenv on first use), with signature checking on. Each test gets a fresh
bucket. ``CuttingProxy`` stands between a client and the server and cuts
every connection once a byte budget is spent: the S3 server "going down"
in the middle of an upload.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils._s3 import S3Client

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "integration" / "services" / "s3.sh"


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    region: str

    def client(self, **kwargs: Any) -> S3Client:
        opts: dict[str, Any] = {"region": self.region, "retries": 0, "retry_delay": 0.01}
        opts.update(kwargs)
        endpoint = opts.pop("endpoint", self.endpoint)
        access = opts.pop("access_key", self.access_key)
        secret = opts.pop("secret_key", self.secret_key)
        return S3Client(endpoint, access, secret, **opts)

    def params(self, bucket: str, **extra: Any) -> dict[str, Any]:
        """Module arguments for the connection options."""
        out = {
            "endpoint_url": self.endpoint,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region": self.region,
            "bucket": bucket,
            "retries": 0,
        }
        out.update(extra)
        return out


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    state = tmp_path_factory.mktemp("s3-state")
    env = dict(os.environ)
    out = subprocess.run(
        ["bash", str(SCRIPT), "start", str(state)], check=False, capture_output=True, text=True, env=env, timeout=900
    )
    try:
        if out.returncode != 0:
            pytest.fail(f"s3.sh start failed ({out.returncode}): {out.stderr[-2000:]}")
        conf = yaml.safe_load(out.stdout)
        yield S3Server(conf["s3_endpoint"], conf["s3_access_key"], conf["s3_secret_key"], conf["s3_region"])
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(state)], check=False, timeout=60)


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    """A fresh, empty bucket."""
    name = "t-" + secrets.token_hex(6)
    s3_server.client().request("PUT", name)
    return name


class CuttingProxy:
    """TCP proxy to ``upstream`` that closes everything after ``budget`` bytes.

    ``direction`` "up" counts request bytes (a cut mid-upload), "down" answer
    bytes (a cut mid-download).
    """

    def __init__(self, upstream: str, budget: int, direction: str = "up") -> None:
        self.direction = direction
        host, port = upstream.rsplit("//", 1)[-1].split(":")
        self.upstream = (host, int(port))
        self.budget = budget
        self.sent = 0
        self.cut = False
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn = self.listener.accept()[0]
            except OSError:
                return
            if self.cut:
                conn.close()
                continue
            up = socket.create_connection(self.upstream)
            down = self.direction == "down"
            threading.Thread(target=self._pump, args=(conn, up, not down), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, conn, down), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, counted: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if counted:
                    with self.lock:
                        self.sent += len(data)
                        if self.sent > self.budget:
                            self.cut = True
                if self.cut:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.listener.close()
