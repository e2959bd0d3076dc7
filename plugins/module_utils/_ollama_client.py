# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``OllamaClient``: JSON requests and NDJSON streams over ``open_url``.

Errors name the URL; a pull retries dropped connections and 5xx answers with
backoff inside an overall deadline.

Runs on the managed host: standard library plus ansible.module_utils only,
compatible with Python 3.8 (annotations are never evaluated at runtime).
"""

from __future__ import annotations

import json
import socket
import time
import typing as t
from http.client import HTTPException
from urllib.error import HTTPError, URLError

from ansible.module_utils.urls import open_url

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import (
    OllamaAPIError,
    OllamaConnectionError,
    OllamaProtocolError,
    OllamaStreamError,
    OllamaTransientError,
    describe,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_stream import iter_ndjson

DEFAULT_URL = "http://127.0.0.1:11434"
# An error line in a pull stream is retried when it names one of these causes
# (the server's blob download gave up on a flaky link: "max retries exceeded:
# <cause>", a stalled part, a cut or reset connection, a timeout) ...
TRANSIENT_PULL_ERRORS = (
    "max retries exceeded",
    "part stalled",
    "eof",
    "connection reset",
    "broken pipe",
    "i/o timeout",
    "tls handshake timeout",
    "deadline exceeded",
)
# ... unless it also names one of these, which another attempt cannot fix.
PERMANENT_PULL_ERRORS = (
    "file does not exist",
    "no space left on device",
    "unauthorized",
    "invalid model name",
    "insecure protocol",
    "digest mismatch",
)
# Error bodies are read up to this size only.
MAX_ERROR_BODY = 1 << 16


CONNECTION_OPTIONS_SPEC: dict[str, dict[str, t.Any]] = {
    "url": {"type": "str", "default": DEFAULT_URL},
    "token": {"type": "str", "no_log": True},
    "headers": {"type": "dict", "default": {}, "no_log": True},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 30},
}


def connection_argument_spec() -> dict[str, dict[str, t.Any]]:
    """Copy of the shared connection options (doc fragment aistack.baremetal.ollama)."""
    return {key: dict(value) for key, value in CONNECTION_OPTIONS_SPEC.items()}


def pull_error_is_transient(message: str) -> bool:
    """Whether an ``{"error": ...}`` line of a pull stream is worth another attempt."""
    lowered = message.lower()
    if any(marker in lowered for marker in PERMANENT_PULL_ERRORS):
        return False
    return any(marker in lowered for marker in TRANSIENT_PULL_ERRORS)


def _server_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:500]
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    return text[:500]


class PullResult:
    """What one pull did: attempts used, bytes of the layers, final status."""

    __slots__ = ("attempts", "layers", "status", "total_bytes")

    def __init__(self) -> None:
        self.attempts = 0
        self.layers = 0
        self.total_bytes = 0
        self.status = ""


class OllamaClient:
    """Minimal Ollama API client over ansible.module_utils.urls.open_url."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: str | None = None,
        headers: dict[str, t.Any] | None = None,
        validate_certs: bool = True,
        timeout: int = 30,
        stream_timeout: int = 600,
        retries: int = 5,
        retry_delay: float = 2.0,
        retry_max_delay: float = 30.0,
        pull_deadline: float = 14400.0,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = (url or DEFAULT_URL).rstrip("/")
        self.headers: dict[str, str] = {str(k): str(v) for k, v in (headers or {}).items()}
        if token:
            self.headers["Authorization"] = "Bearer %s" % token
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.stream_timeout = stream_timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self.retry_max_delay = retry_max_delay
        self.pull_deadline = pull_deadline
        self.sleep = sleep
        self.clock = clock
        self.requests = 0

    def endpoint(self, path: str) -> str:
        return self.url + path

    def _open(self, method: str, path: str, body: t.Any = None, timeout: float | None = None) -> t.Any:
        url = self.endpoint(path)
        headers = {"Accept": "application/json, application/x-ndjson"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        headers.update(self.headers)
        self.requests += 1
        try:
            return open_url(
                url,
                data=data,
                headers=headers,
                method=method,
                validate_certs=self.validate_certs,
                timeout=timeout or self.timeout,
                http_agent="aistack.baremetal-ollama",
            )
        except HTTPError as exc:
            try:
                raw = exc.read(MAX_ERROR_BODY) if exc.fp is not None else b""
            except (HTTPException, OSError):
                raw = b""
            server = _server_message(raw) or str(exc.reason)
            message = "%s %s returned HTTP %d: %s" % (method, url, exc.code, server)
            if exc.code >= 500:
                raise OllamaTransientError(message) from exc
            raise OllamaAPIError(message, url, exc.code, server) from exc
        except URLError as exc:
            reason = exc.reason
            if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
                raise OllamaConnectionError("cannot reach Ollama at %s: %s" % (url, describe(exc))) from exc
            raise OllamaTransientError("%s %s failed: %s" % (method, url, describe(exc))) from exc
        except (HTTPException, OSError) as exc:
            raise OllamaTransientError("%s %s failed: %s" % (method, url, describe(exc))) from exc

    def request(self, method: str, path: str, body: t.Any = None, timeout: float | None = None) -> t.Any:
        """One request; the JSON answer (None for an empty body, as DELETE /api/delete sends)."""
        url = self.endpoint(path)
        response = self._open(method, path, body, timeout)
        try:
            raw = response.read()
        except (HTTPException, OSError) as exc:
            raise OllamaTransientError(
                "%s %s: connection lost reading the answer: %s" % (method, url, describe(exc))
            ) from exc
        finally:
            response.close()
        if not raw.strip():
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            raise OllamaProtocolError(
                "%s %s did not answer JSON (is this Ollama?): %r" % (method, url, raw[:200])
            ) from exc

    def stream(self, path: str, body: t.Any, timeout: float | None = None) -> t.Iterator[dict[str, t.Any]]:
        """POST and yield NDJSON objects; the response is closed however the caller stops."""
        response = self._open("POST", path, body, timeout or self.stream_timeout)
        try:
            yield from iter_ndjson(response)
        finally:
            response.close()

    # -- endpoints ---------------------------------------------------------

    def version(self) -> str:
        data = self.request("GET", "/api/version")
        return str((data or {}).get("version", ""))

    def tags(self) -> list[dict[str, t.Any]]:
        data = self.request("GET", "/api/tags")
        if not isinstance(data, dict) or not isinstance(data.get("models"), list):
            raise OllamaProtocolError("GET %s did not return a model list" % self.endpoint("/api/tags"))
        return [m for m in data["models"] if isinstance(m, dict)]

    def ps(self) -> list[dict[str, t.Any]]:
        data = self.request("GET", "/api/ps")
        if not isinstance(data, dict) or not isinstance(data.get("models"), list):
            raise OllamaProtocolError("GET %s did not return a model list" % self.endpoint("/api/ps"))
        return [m for m in data["models"] if isinstance(m, dict)]

    def show(self, name: str) -> dict[str, t.Any] | None:
        """/api/show of a model, None when the server has no such model (404)."""
        try:
            data = self.request("POST", "/api/show", {"model": name})
        except OllamaAPIError as exc:
            if exc.status == 404:
                return None
            raise
        return data if isinstance(data, dict) else {}

    def delete(self, name: str) -> bool:
        """Delete a model; False when it was already gone (404)."""
        try:
            self.request("DELETE", "/api/delete", {"model": name})
        except OllamaAPIError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def _run_stream(self, what: str, path: str, body: dict[str, t.Any]) -> str:
        """Consume a progress stream; return the last status or raise on an error line."""
        url = self.endpoint(path)
        last = ""
        for item in self.stream(path, body):
            if "error" in item:
                server = str(item["error"])
                raise OllamaStreamError("%s failed at %s: %s" % (what, url, server), server)
            status = item.get("status")
            if isinstance(status, str):
                last = status
        return last

    def pull(self, name: str, insecure: bool = False) -> PullResult:
        """Pull with retries: dropped connections, timeouts, 5xx and transient error lines
        (see ``pull_error_is_transient``) are retried with exponential backoff (Ollama
        resumes partial blobs) until ``retries`` retries or ``pull_deadline`` seconds are
        used; any other error line (unknown model, disk full...) fails at once."""
        url = self.endpoint("/api/pull")
        body: dict[str, t.Any] = {"model": name, "stream": True}
        if insecure:
            body["insecure"] = True
        result = PullResult()
        deadline = self.clock() + self.pull_deadline
        delay = self.retry_delay
        while True:
            result.attempts += 1
            try:
                layers: dict[str, int] = {}
                last = ""
                for item in self.stream("/api/pull", body):
                    if "error" in item:
                        server = str(item["error"])
                        if pull_error_is_transient(server):
                            raise OllamaTransientError("%s reported: %s" % (url, server))
                        raise OllamaStreamError(
                            "pulling model %r from %s failed: %s" % (name, url, server),
                            server,
                        )
                    status = item.get("status")
                    if isinstance(status, str):
                        last = status
                    digest = item.get("digest")
                    total = item.get("total")
                    if isinstance(digest, str) and isinstance(total, int):
                        layers[digest] = total
                if last != "success":
                    raise OllamaTransientError(
                        "stream ended before 'success' (last status %r)" % (last or "none",),
                    )
                result.status = last
                result.layers = len(layers)
                result.total_bytes = sum(layers.values())
                return result
            except (OllamaTransientError, OllamaConnectionError) as exc:
                remaining = deadline - self.clock()
                if result.attempts > self.retries or remaining <= delay:
                    why = "%d attempts" % result.attempts
                    if remaining <= delay:
                        why += ", deadline of %ds reached" % int(self.pull_deadline)
                    raise OllamaTransientError(
                        "pulling model %r from %s failed after %s: %s" % (name, url, why, exc)
                    ) from exc
                self.sleep(delay)
                delay = min(delay * 2, self.retry_max_delay)

    def create(self, name: str, spec: dict[str, t.Any]) -> str:
        body = dict(spec)
        body["model"] = name
        body["stream"] = True
        return self._run_stream("creating model %r" % name, "/api/create", body)

    def load(self, name: str, keep_alive: int | float | str | None) -> str:
        """Load a model into memory (generate with no prompt; embed for embedding models)."""
        body: dict[str, t.Any] = {"model": name, "stream": False}
        if keep_alive is not None:
            body["keep_alive"] = keep_alive
        try:
            data = self.request("POST", "/api/generate", body, timeout=self.stream_timeout)
        except OllamaAPIError as exc:
            if exc.status == 400 and "does not support generate" in exc.server_message:
                embed: dict[str, t.Any] = {"model": name}
                if keep_alive is not None:
                    embed["keep_alive"] = keep_alive
                self.request("POST", "/api/embed", embed, timeout=self.stream_timeout)
                return "load"
            raise
        return str((data or {}).get("done_reason", ""))

    def unload(self, name: str) -> str:
        data = self.request("POST", "/api/generate", {"model": name, "keep_alive": 0, "stream": False})
        return str((data or {}).get("done_reason", ""))


def client_from_params(params: dict[str, t.Any], **extra: t.Any) -> OllamaClient:
    return OllamaClient(
        url=params["url"],
        token=params.get("token"),
        headers=params.get("headers"),
        validate_certs=params["validate_certs"],
        timeout=params["timeout"],
        **extra,
    )
