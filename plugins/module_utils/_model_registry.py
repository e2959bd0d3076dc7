# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only client for an Ollama model registry (registry.ollama.ai and compatible).

One job: fetch a model's manifest and read byte ranges of its blobs, over
``ansible.module_utils.urls.open_url``. The registry speaks the OCI
distribution API:

* ``GET /v2/<namespace>/<model>/manifests/<tag>`` with
  ``Accept: application/vnd.docker.distribution.manifest.v2+json`` returns
  ``{"config": {...}, "layers": [{"mediaType", "digest", "size"}...]}``; the
  GGUF weights are the layer of media type ``application/vnd.ollama.image.model``
  (a vision model adds ``...image.projector``);
* ``GET /v2/<namespace>/<model>/blobs/<digest>`` returns a blob, usually as a
  redirect to a CDN; with ``Range: bytes=a-b`` the answer is ``206`` with a
  ``Content-Range`` header.

Ranged reads are bounded and robust: a server that ignores ``Range`` (``200``
with the whole blob) is read only as far as needed and closed; a connection
that drops mid-body keeps the bytes already read and resumes from there, up to
``retries`` times, then fails naming the URL.
"""

from __future__ import annotations

import json
import re
import time
import typing as t
from http.client import HTTPException
from urllib.error import HTTPError, URLError

from ansible.module_utils.urls import open_url

DEFAULT_REGISTRY_HOST = "registry.ollama.ai"
MANIFEST_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_MODEL = "application/vnd.ollama.image.model"
MEDIA_PROJECTOR = "application/vnd.ollama.image.projector"
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")

MAX_MANIFEST = 1 << 20
MAX_ERROR_BODY = 1 << 14
CHUNK = 1 << 16
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class RegistryError(Exception):
    """The registry could not answer (unreachable, error status, broken answer); ``str()`` names the URL."""


class RegistryNotFound(RegistryError):
    """The registry has no such model, tag or blob (404)."""


class _Dropped(Exception):
    """A body that ended before its Content-Length."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, URLError) and not isinstance(exc, HTTPError):
        return str(exc.reason)
    return str(exc) or exc.__class__.__name__


def _error_message(exc: HTTPError) -> str:
    try:
        raw = exc.read(MAX_ERROR_BODY) if exc.fp is not None else b""
    except (HTTPException, OSError):
        raw = b""
    try:
        errors = json.loads(raw).get("errors") or []
        return "; ".join(str(e.get("message") or e.get("code")) for e in errors) or str(exc.reason)
    except (ValueError, AttributeError, TypeError):
        return raw.decode("utf-8", "replace").strip()[:200] or str(exc.reason)


class RegistryClient:
    """Manifests and ranged blob reads of one registry base URL."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        headers: t.Mapping[str, t.Any] | None = None,
        validate_certs: bool = True,
        timeout: int = 30,
        retries: int = 3,
        retry_delay: float = 1.0,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {str(k): str(v) for k, v in (headers or {}).items()}
        self.token = token
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self._sleep = sleep
        self.requests = 0
        self.range_ignored = False
        # Set when the registry could not be reached at all, so later models do not wait again.
        self.unreachable: str | None = None

    def manifest_url(self, namespace: str, model: str, tag: str) -> str:
        return "%s/v2/%s/%s/manifests/%s" % (self.base_url, namespace, model, tag)

    def blob_url(self, namespace: str, model: str, digest: str) -> str:
        return "%s/v2/%s/%s/blobs/%s" % (self.base_url, namespace, model, digest)

    def _open(self, url: str, headers: dict[str, str]) -> t.Any:
        headers = dict(headers, **self.headers)
        unredirected: list[str] = []
        if self.token:
            headers["Authorization"] = "Bearer %s" % self.token
            # A blob answer is a redirect to a CDN with its own signed URL: keep the token to the registry.
            unredirected.append("Authorization")
        self.requests += 1
        return open_url(
            url,
            headers=headers,
            method="GET",
            validate_certs=self.validate_certs,
            timeout=self.timeout,
            follow_redirects="safe",
            unredirected_headers=unredirected,
            http_agent="aistack.baremetal-model-architecture",
        )

    def manifest(self, namespace: str, model: str, tag: str) -> dict[str, t.Any]:
        """The manifest, validated: a dict with a ``layers`` list of mediaType/digest/size."""
        url = self.manifest_url(namespace, model, tag)
        attempt = 0
        while True:
            try:
                response = self._open(url, {"Accept": MANIFEST_ACCEPT})
                try:
                    raw = response.read(MAX_MANIFEST + 1)
                finally:
                    response.close()
                break
            except HTTPError as exc:
                message = _error_message(exc)
                if exc.code == 404:
                    raise RegistryNotFound("GET %s: HTTP 404 (%s)" % (url, message)) from exc
                if exc.code < 500 or attempt >= self.retries:
                    raise RegistryError("GET %s returned HTTP %d: %s" % (url, exc.code, message)) from exc
            except (URLError, HTTPException, OSError) as exc:
                if attempt >= self.retries:
                    message = "GET %s failed after %d attempts: %s" % (url, attempt + 1, _describe(exc))
                    if isinstance(exc, URLError):
                        self.unreachable = message
                    raise RegistryError(message) from exc
            attempt += 1
            self._sleep(self.retry_delay * attempt)
        if len(raw) > MAX_MANIFEST:
            raise RegistryError("GET %s: the manifest is larger than %d bytes" % (url, MAX_MANIFEST))
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise RegistryError("GET %s: the answer is not JSON (%s)" % (url, exc)) from exc
        layers = data.get("layers") if isinstance(data, dict) else None
        if not isinstance(layers, list):
            raise RegistryError("GET %s: the answer is not an image manifest (no layers list)" % url)
        for layer in layers:
            if (
                not isinstance(layer, dict)
                or not isinstance(layer.get("mediaType"), str)
                or not DIGEST_RE.match(str(layer.get("digest")))
                or not isinstance(layer.get("size"), int)
                or layer["size"] < 0
            ):
                raise RegistryError("GET %s: malformed layer in the manifest: %r" % (url, layer))
        manifest: dict[str, t.Any] = data
        return manifest

    def read_range(self, url: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of a blob; fewer only when the blob ends first."""
        out = bytearray()
        attempt = 0
        while start + len(out) < end:
            pos = start + len(out)
            try:
                done = self._read_into(url, pos, end, out)
            except HTTPError as exc:
                if exc.code == 416:
                    return bytes(out)  # the start lies beyond the blob's end
                message = _error_message(exc)
                if exc.code == 404:
                    raise RegistryNotFound("GET %s: HTTP 404 (%s)" % (url, message)) from exc
                if exc.code < 500 or attempt >= self.retries:
                    raise RegistryError("GET %s returned HTTP %d: %s" % (url, exc.code, message)) from exc
            except (_Dropped, URLError, HTTPException, OSError) as exc:
                if attempt >= self.retries:
                    raise RegistryError(
                        "GET %s (bytes %d-%d) failed after %d attempts: %s"
                        % (url, start, end - 1, attempt + 1, _describe(exc))
                    ) from exc
            else:
                if done:
                    break  # the blob ended before `end`
                continue  # everything asked for arrived: the loop condition ends it
            attempt += 1
            self._sleep(self.retry_delay * attempt)
        return bytes(out)

    def _read_into(self, url: str, pos: int, end: int, out: bytearray) -> bool:
        """One request from ``pos``; appends to ``out``; True when the blob ended before ``end``."""
        response = self._open(url, {"Range": "bytes=%d-%d" % (pos, end - 1)})
        try:
            status = response.getcode()
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            skip = 0
            if status == 206:
                match = _CONTENT_RANGE.match(response.headers.get("Content-Range") or "")
                if not match or int(match.group(1)) != pos:
                    raise RegistryError(
                        "GET %s: asked for bytes from %d, got Content-Range %r"
                        % (url, pos, response.headers.get("Content-Range"))
                    )
            elif status == 200:
                # Range ignored: the body is the whole blob from byte 0.
                self.range_ignored = True
                skip = pos
            else:
                raise RegistryError("GET %s: unexpected HTTP %d for a ranged read" % (url, status))
            received = 0
            wanted = end - pos
            while skip:
                chunk = response.read(min(CHUNK, skip))
                if not chunk:
                    break
                skip -= len(chunk)
                received += len(chunk)
            taken = 0
            while taken < wanted and not skip:
                chunk = response.read(min(CHUNK, wanted - taken))
                if not chunk:
                    break
                out += chunk
                taken += len(chunk)
                received += len(chunk)
            if taken >= wanted:
                return False
            if expected is not None and received < expected:
                raise _Dropped("the connection closed after %d of %d bytes" % (received, expected))
            return True
        finally:
            response.close()
