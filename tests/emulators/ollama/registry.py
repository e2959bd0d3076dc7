# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ollama registry emulator: a test double of registry.ollama.ai's read API (not the registry).

It serves what a client needs to read a model without Ollama, over real HTTP
(stdlib http.server, loopback):

* ``GET|HEAD /v2/<namespace>/<model>/manifests/<tag>``: the manifest JSON
  (``application/vnd.docker.distribution.manifest.v2+json``), 404 with the
  distribution API's ``{"errors": [{"code": "MANIFEST_UNKNOWN", ...}]}``;
* ``GET|HEAD /v2/<namespace>/<model>/blobs/<digest>``: the blob, by default
  as a ``307`` redirect to ``/cdn/<digest>`` the way the real registry sends
  blobs to its CDN; ``BLOB_UNKNOWN`` 404 otherwise;
* ``Range: bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` answered with ``206`` and
  ``Content-Range``, ``416`` with ``Content-Range: bytes */size`` past the end.

Faults, set on ``Registry``:

* ``ignore_range = True``: answer ``200`` with the whole blob (a server or
  proxy that does not do ranges);
* ``drop_after = N`` and ``drops = K``: the next K blob answers send their
  headers and N body bytes, then close the connection;
* ``require_token = "x"``: manifests and blobs need ``Authorization: Bearer x``
  (401 otherwise); the CDN needs none, and ``cdn_rejects_auth`` makes it answer
  400 when one is sent (as signed-URL CDNs do);
* ``fail_status = (code, K)``: the next K requests answer ``code``.

Every request is recorded in ``Registry.requests`` as (method, path, Range header).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from emulator_http import BackgroundServer

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
MODEL_TYPE = "application/vnd.ollama.image.model"

_MANIFEST_PATH = re.compile(r"^/v2/([^/]+)/([^/]+)/manifests/([^/]+)$")
_BLOB_PATH = re.compile(r"^/v2/([^/]+)/([^/]+)/blobs/(sha256:[0-9a-f]{64})$")
_CDN_PATH = re.compile(r"^/cdn/(sha256:[0-9a-f]{64})$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    """Models, blobs and fault settings of one emulated registry."""

    def __init__(self) -> None:
        self.manifests: dict[tuple[str, str, str], bytes] = {}
        self.blobs: dict[str, bytes] = {}
        self.requests: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()
        self.redirect_blobs = True
        self.ignore_range = False
        self.drop_after: int | None = None
        self.drops = 0
        self.require_token: str | None = None
        self.cdn_rejects_auth = False
        self.fail_status: tuple[int, int] | None = None

    def add_blob(self, data: bytes) -> str:
        digest = digest_of(data)
        self.blobs[digest] = data
        return digest

    def add_model(
        self,
        namespace: str,
        model: str,
        tag: str,
        layers: list[tuple[str, bytes]],
        config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store the layers as blobs and the manifest that lists them; returns the manifest."""
        config_raw = json.dumps(config or {"model_format": "gguf", "file_type": "Q4_K_M"}).encode()
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "digest": self.add_blob(config_raw), "size": len(config_raw)},
            "layers": [
                {"mediaType": media, "digest": self.add_blob(data), "size": len(data)} for media, data in layers
            ],
        }
        self.manifests[(namespace, model, tag)] = json.dumps(manifest).encode()
        return manifest

    def take_drop(self) -> int | None:
        with self.lock:
            if self.drop_after is not None and self.drops > 0:
                self.drops -= 1
                return self.drop_after
        return None

    def take_failure(self) -> int | None:
        with self.lock:
            if self.fail_status and self.fail_status[1] > 0:
                code, left = self.fail_status
                self.fail_status = (code, left - 1)
                return code
        return None


class _Handler(BaseHTTPRequestHandler):
    server: RegistryServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, headers: dict[str, str], head: bool) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str, head: bool, extra: dict[str, str] | None = None) -> None:
        body = json.dumps({"errors": [{"code": code, "message": message, "detail": self.path}]}).encode()
        self._send(status, body, dict({"Content-Type": "application/json"}, **(extra or {})), head)

    def _authorised(self) -> bool:
        token = self.server.registry.require_token
        return token is None or self.headers.get("Authorization") == "Bearer %s" % token

    def _serve_blob(self, data: bytes, head: bool) -> None:
        registry = self.server.registry
        size = len(data)
        start, end, status = 0, size - 1, 200
        wanted = self.headers.get("Range")
        headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
        if wanted and not registry.ignore_range:
            match = _RANGE.match(wanted.strip())
            if not match or (not match.group(1) and not match.group(2)):
                unsatisfiable = {"Content-Range": "bytes */%d" % size}
                self._error(416, "RANGE_INVALID", "invalid range %r" % wanted, head, unsatisfiable)
                return
            if match.group(1):
                start = int(match.group(1))
                end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            else:
                start = max(size - int(match.group(2)), 0)
            if start >= size or end < start:
                self._error(416, "RANGE_INVALID", "range not satisfiable", head, {"Content-Range": "bytes */%d" % size})
                return
            status = 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, size)
        body = data[start : end + 1]
        drop = None if head else registry.take_drop()
        if drop is None:
            self._send(status, body, headers, head)
            return
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:drop])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self, head: bool) -> None:
        registry = self.server.registry
        path = self.path.split("?", 1)[0]
        with registry.lock:
            registry.requests.append((self.command, path, self.headers.get("Range")))
        failure = registry.take_failure()
        if failure is not None:
            self._error(failure, "UNAVAILABLE", "injected failure", head)
            return
        cdn = _CDN_PATH.match(path)
        if cdn:
            if registry.cdn_rejects_auth and self.headers.get("Authorization"):
                self._error(400, "INVALID_ARGUMENT", "the signed URL takes no Authorization header", head)
                return
            data = registry.blobs.get(cdn.group(1))
            if data is None:
                self._error(404, "BLOB_UNKNOWN", "blob unknown to registry", head)
                return
            self._serve_blob(data, head)
            return
        if not (_MANIFEST_PATH.match(path) or _BLOB_PATH.match(path)):
            self._error(404, "NOT_FOUND", "no route", head)
            return
        if not self._authorised():
            self._error(401, "UNAUTHORIZED", "authentication required", head, {"WWW-Authenticate": 'Bearer realm="x"'})
            return
        manifest = _MANIFEST_PATH.match(path)
        if manifest:
            raw = registry.manifests.get((manifest.group(1), manifest.group(2), manifest.group(3)))
            if raw is None:
                self._error(404, "MANIFEST_UNKNOWN", "manifest unknown", head)
                return
            self._send(200, raw, {"Content-Type": MANIFEST_TYPE, "Docker-Content-Digest": digest_of(raw)}, head)
            return
        blob = _BLOB_PATH.match(path)
        assert blob is not None
        digest = blob.group(3)
        if digest not in registry.blobs:
            self._error(404, "BLOB_UNKNOWN", "blob unknown to registry", head)
            return
        if registry.redirect_blobs:
            self._send(307, b"", {"Location": "/cdn/%s" % digest}, head)
            return
        self._serve_blob(registry.blobs[digest], head)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)


class RegistryServer(BackgroundServer):
    """The registry on ``host:port`` (0: a free port); ``with RegistryServer() as srv:`` serves inside the block."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, registry: Registry | None = None, verbose: bool = False):
        super().__init__((host, port), _Handler)
        self.registry = registry or Registry()
        self.verbose = verbose

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that reads what it needs and closes (a blob sent whole) is normal here.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return "http://%s:%d" % (host, port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ollama registry emulator (test double, not the registry)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAMESPACE/MODEL:TAG=GGUF",
        help="serve this GGUF file as the model layer of this name (repeatable)",
    )
    parser.add_argument("--ignore-range", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    server = RegistryServer(args.host, args.port, verbose=args.verbose)
    server.registry.ignore_range = args.ignore_range
    for spec in args.model:
        name, _sep, path = spec.partition("=")
        repo, _sep, tag = name.partition(":")
        namespace, _sep, model = repo.rpartition("/")
        layers = [(MODEL_TYPE, Path(path).read_bytes())]
        server.registry.add_model(namespace or "library", model, tag or "latest", layers)
    print(server.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
