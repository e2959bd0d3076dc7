# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private helpers for the aistack.baremetal Ollama modules.

Everything here runs on the managed host, so it is standard library plus
ansible.module_utils only and stays compatible with the oldest target Python
ansible-core 2.19 supports (3.8): annotations are never evaluated at runtime.

Layers, from the bottom up:

* model names parsed and compared the way Ollama's ``types/model/name.go`` does;
* an NDJSON stream parser that reads one line at a time (pull progress of a
  40 GB model is never held in memory);
* ``OllamaClient``: JSON requests and streams over ``open_url`` with errors that
  name the URL, plus a pull that retries dropped connections and 5xx answers
  with backoff inside an overall deadline;
* ``ModelConverger``: the read-compare-act logic behind ``ollama_model``.
"""

from __future__ import annotations

import json
import re
import socket
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException
from urllib.error import HTTPError, URLError

from ansible.module_utils.urls import open_url

DEFAULT_URL = "http://127.0.0.1:11434"
DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

# Longest NDJSON line accepted; real progress lines are about 150 bytes.
MAX_LINE = 1 << 20
# Error bodies are read up to this size only.
MAX_ERROR_BODY = 1 << 16
# A keep_alive of "forever" shows an expires_at around year 2318.
FOREVER_YEAR = 2200

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


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class OllamaError(Exception):
    """Base error; ``str()`` is a complete, user-facing message."""


class OllamaNameError(OllamaError):
    """A model name Ollama would reject."""


class OllamaConnectionError(OllamaError):
    """The server could not be reached at all (refused, unknown host)."""


class OllamaTransientError(OllamaError):
    """A failure worth retrying: dropped connection, timeout, 5xx, truncated stream."""


class OllamaAPIError(OllamaError):
    """The server answered with an error status."""

    def __init__(self, message: str, url: str, status: int, server_message: str) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.server_message = server_message


class OllamaStreamError(OllamaError):
    """An ``{"error": ...}`` line inside an NDJSON stream (disk full, unknown model...)."""

    def __init__(self, message: str, server_message: str) -> None:
        super().__init__(message)
        self.server_message = server_message


class OllamaProtocolError(OllamaError):
    """The server sent something that is not the Ollama API."""


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

_MAX_PART = {"host": 350, "namespace": 80, "model": 80, "tag": 80}


def _valid_part(kind: str, part: str) -> bool:
    if not 1 <= len(part) <= _MAX_PART[kind]:
        return False
    for index, char in enumerate(part):
        if char.isascii() and (char.isalnum() or char == "_"):
            continue
        if index == 0:
            return False
        if char == "-":
            continue
        if char == "." and kind != "namespace":
            continue
        if char == ":" and kind == "host":
            continue
        return False
    return True


class ModelName:
    """A parsed model name: ``[scheme://][host/][namespace/]model[:tag]``."""

    __slots__ = ("host", "model", "namespace", "scheme", "tag")

    def __init__(self, host: str, namespace: str, model: str, tag: str, scheme: str = "https") -> None:
        self.host = host
        self.namespace = namespace
        self.model = model
        self.tag = tag
        self.scheme = scheme

    @classmethod
    def parse(cls, raw: str) -> ModelName:
        """Parse like Ollama's ParseName and fill the defaults; raise OllamaNameError if invalid."""
        if not isinstance(raw, str) or not raw.strip():
            raise OllamaNameError("invalid model name %r: the name is empty" % (raw,))
        text = raw.strip()
        tag = DEFAULT_TAG
        if text.rfind(":") > text.rfind("/"):
            text, _sep, tag = text.rpartition(":")
        parts = text.split("/")
        host, namespace, scheme = DEFAULT_HOST, DEFAULT_NAMESPACE, "https"
        if len(parts) == 1:
            model = parts[0]
        elif len(parts) == 2:
            namespace, model = parts
        else:
            model, namespace = parts[-1], parts[-2]
            host = "/".join(parts[:-2])
            if "://" in host:
                scheme, _sep, host = host.partition("://")
        name = cls(host, namespace, model, tag, scheme)
        for kind in ("host", "namespace", "model", "tag"):
            value = getattr(name, kind)
            if not _valid_part(kind, value):
                raise OllamaNameError(
                    "invalid model name %r: %s %r must start with a letter, digit or underscore and use only "
                    "letters, digits, '_', '-'%s (at most %d characters)"
                    % (raw, kind, value, "" if kind == "namespace" else " and '.'", _MAX_PART[kind])
                )
        return name

    def shortest(self) -> str:
        """The form /api/tags and /api/ps display (DisplayShortest)."""
        prefix = ""
        if self.host.lower() != DEFAULT_HOST:
            prefix = "%s/%s/" % (self.host, self.namespace)
        elif self.namespace.lower() != DEFAULT_NAMESPACE:
            prefix = "%s/" % self.namespace
        return "%s%s:%s" % (prefix, self.model, self.tag)

    def key(self) -> tuple[str, str, str, str]:
        """Case-insensitive identity (Ollama matches names with EqualFold)."""
        return (self.host.lower(), self.namespace.lower(), self.model.lower(), self.tag.lower())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelName) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        return "ModelName(%r)" % self.shortest()


def name_key(raw: str) -> tuple[str, str, str, str] | None:
    """Key of a name as the server reports it, or None when it does not parse."""
    try:
        return ModelName.parse(raw).key()
    except OllamaNameError:
        return None


def normalize_names(raw_names: t.Sequence[str]) -> list[ModelName]:
    """Parse every name, drop duplicates (keeping order); report all invalid names at once."""
    result: list[ModelName] = []
    seen: set[tuple[str, str, str, str]] = set()
    errors: list[str] = []
    for raw in raw_names:
        try:
            name = ModelName.parse(raw)
        except OllamaNameError as exc:
            errors.append(str(exc))
            continue
        if name.key() not in seen:
            seen.add(name.key())
            result.append(name)
    if errors:
        raise OllamaNameError("; ".join(errors))
    return result


# ---------------------------------------------------------------------------
# keep_alive and parameters
# ---------------------------------------------------------------------------

_DURATION_RE = re.compile(r"^-?(?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|ms|s|m|h))+$")
_NUMBER_RE = re.compile(r"^-?\d+(?:\.\d+)?$")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_keep_alive(value: t.Any) -> int | float | str | None:
    """Validate keep_alive the way Ollama accepts it; return what to send (None = server default)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise OllamaError("keep_alive must be a duration such as '10m' or a number of seconds, not a boolean")
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if _NUMBER_RE.match(text):
        number = float(text)
        return int(number) if number.is_integer() else number
    if _DURATION_RE.match(text):
        return text
    raise OllamaError(
        "keep_alive %r is not a duration (for example '30m', '24h', '1h30m') or a number of seconds; "
        "negative means forever, 0 unloads" % (value,)
    )


def keep_alive_seconds(value: int | float | str | None) -> float | None:
    """Seconds for a parsed keep_alive (negative = forever); None when unset."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    sign = -1.0 if value.startswith("-") else 1.0
    total = 0.0
    for amount, unit in re.findall(r"(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)", value):
        total += float(amount) * _UNIT_SECONDS[unit]
    return sign * total


def expires_forever(expires_at: str | None) -> bool:
    """True when an /api/ps expires_at is the far-future date of keep_alive < 0."""
    if not expires_at:
        return False
    try:
        return int(str(expires_at)[:4]) >= FOREVER_YEAR
    except ValueError:
        return False


def parse_parameters(text: str | None) -> dict[str, list[str]]:
    """Parse the ``parameters`` text of /api/show (``name value`` per line, repeated for stop)."""
    result: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        key, _sep, value = line.partition(" ")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            try:
                value = json.loads(value)
            except ValueError:
                value = value[1:-1]
        result.setdefault(key, []).append(value)
    return result


def _canonical_value(value: t.Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = float(value)
        return repr(int(number)) if number.is_integer() else repr(number)
    text = str(value)
    if _NUMBER_RE.match(text.strip()):
        return _canonical_value(float(text))
    if text.lower() in ("true", "false"):
        return text.lower()
    return text


def parameters_differ(wanted: dict[str, t.Any], current_text: str | None) -> dict[str, dict[str, t.Any]]:
    """Parameters asked for that /api/show reports differently: {name: {before, after}}."""
    current = parse_parameters(current_text)
    differences: dict[str, dict[str, t.Any]] = {}
    for key, value in sorted(wanted.items()):
        values = value if isinstance(value, (list, tuple)) else [value]
        want = [_canonical_value(item) for item in values]
        have = [_canonical_value(item) for item in current.get(key, [])]
        if sorted(want) != sorted(have):
            before: t.Any = current.get(key)
            if before is not None and len(before) == 1 and not isinstance(value, (list, tuple)):
                before = before[0]
            differences[key] = {"before": before, "after": value}
    return differences


# ---------------------------------------------------------------------------
# NDJSON
# ---------------------------------------------------------------------------


class _Readable(t.Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def iter_ndjson(stream: _Readable, max_line: int = MAX_LINE) -> t.Iterator[dict[str, t.Any]]:
    """Yield one JSON object per line, reading a line at a time.

    A last line without its newline that is not valid JSON means the connection
    was cut mid-line: that is an OllamaTransientError, as is a socket failure
    while reading. Anything else that is not a JSON object is a protocol error.
    """
    while True:
        try:
            line = stream.readline(max_line + 1)
        except (HTTPException, OSError, ValueError) as exc:
            raise OllamaTransientError("connection lost while reading the stream: %s" % _describe(exc)) from exc
        if not line:
            return
        complete = line.endswith(b"\n")
        if len(line) > max_line and not complete:
            raise OllamaProtocolError("stream line longer than %d bytes" % max_line)
        line = line.strip()
        if not line:
            continue
        try:
            item = json.loads(line.decode("utf-8"))
        except ValueError as exc:
            if not complete:
                raise OllamaTransientError("stream cut off in the middle of a line") from exc
            raise OllamaProtocolError("stream line is not JSON: %r" % line[:200]) from exc
        if not isinstance(item, dict):
            raise OllamaProtocolError("stream line is not a JSON object: %r" % line[:200])
        yield item


# ---------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    if reason is not None and reason is not exc:
        return str(reason)
    text = str(exc)
    return text or exc.__class__.__name__


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
        self._sleep = sleep
        self._clock = clock
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
                raise OllamaConnectionError("cannot reach Ollama at %s: %s" % (url, _describe(exc))) from exc
            raise OllamaTransientError("%s %s failed: %s" % (method, url, _describe(exc))) from exc
        except (HTTPException, OSError) as exc:
            raise OllamaTransientError("%s %s failed: %s" % (method, url, _describe(exc))) from exc

    def request(self, method: str, path: str, body: t.Any = None, timeout: float | None = None) -> t.Any:
        """One request; the JSON answer (None for an empty body, as DELETE /api/delete sends)."""
        url = self.endpoint(path)
        response = self._open(method, path, body, timeout)
        try:
            raw = response.read()
        except (HTTPException, OSError) as exc:
            raise OllamaTransientError(
                "%s %s: connection lost reading the answer: %s" % (method, url, _describe(exc))
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
        """Pull with retries: dropped connections, timeouts and 5xx are retried with
        exponential backoff (Ollama resumes partial blobs) until ``retries`` retries or
        ``pull_deadline`` seconds are used; an error line in the stream fails at once."""
        url = self.endpoint("/api/pull")
        body: dict[str, t.Any] = {"model": name, "stream": True}
        if insecure:
            body["insecure"] = True
        result = PullResult()
        deadline = self._clock() + self.pull_deadline
        delay = self.retry_delay
        while True:
            result.attempts += 1
            try:
                layers: dict[str, int] = {}
                last = ""
                for item in self.stream("/api/pull", body):
                    if "error" in item:
                        server = str(item["error"])
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
                remaining = deadline - self._clock()
                if result.attempts > self.retries or remaining <= delay:
                    why = "%d attempts" % result.attempts
                    if remaining <= delay:
                        why += ", deadline of %ds reached" % int(self.pull_deadline)
                    raise OllamaTransientError(
                        "pulling model %r from %s failed after %s: %s" % (name, url, why, exc)
                    ) from exc
                self._sleep(delay)
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


# ---------------------------------------------------------------------------
# Views of server objects
# ---------------------------------------------------------------------------


def model_view(entry: dict[str, t.Any]) -> dict[str, t.Any]:
    """An /api/tags entry reduced to what the modules return."""
    return {
        "name": entry.get("name") or entry.get("model"),
        "model": entry.get("model") or entry.get("name"),
        "digest": entry.get("digest"),
        "size": entry.get("size"),
        "modified_at": entry.get("modified_at"),
        "details": entry.get("details") or {},
    }


def loaded_view(entry: dict[str, t.Any]) -> dict[str, t.Any]:
    """An /api/ps entry reduced to what the modules return."""
    return {
        "name": entry.get("name") or entry.get("model"),
        "model": entry.get("model") or entry.get("name"),
        "digest": entry.get("digest"),
        "size": entry.get("size"),
        "size_vram": entry.get("size_vram"),
        "expires_at": entry.get("expires_at"),
        "context_length": entry.get("context_length"),
        "details": entry.get("details") or {},
    }


def index_by_name(entries: t.Iterable[dict[str, t.Any]]) -> dict[tuple[str, str, str, str], dict[str, t.Any]]:
    index: dict[tuple[str, str, str, str], dict[str, t.Any]] = {}
    for entry in entries:
        key = name_key(str(entry.get("name") or entry.get("model") or ""))
        if key is not None:
            index[key] = entry
    return index


def gather_info(client: OllamaClient, names: t.Sequence[str] = ()) -> dict[str, t.Any]:
    """Server version, installed and loaded models; filtered to ``names`` when given."""
    wanted = {n.key() for n in normalize_names(names)} if names else None
    version = client.version()
    installed = [model_view(m) for m in client.tags()]
    loaded = [loaded_view(m) for m in client.ps()]
    if wanted is not None:
        installed = [m for m in installed if name_key(str(m["name"])) in wanted]
        loaded = [m for m in loaded if name_key(str(m["name"])) in wanted]
    return {"version": version, "models": installed, "loaded": loaded}


# ---------------------------------------------------------------------------
# Convergence for ollama_model
# ---------------------------------------------------------------------------


class ModelConverger:
    """Read current state once, compare with what is asked, then act (or predict in check mode)."""

    def __init__(self, client: OllamaClient, params: dict[str, t.Any], check_mode: bool) -> None:
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.names = normalize_names(params["name"])
        self.keep_alive = parse_keep_alive(params.get("keep_alive"))
        self.result: dict[str, t.Any] = {
            "changed": False,
            "pulled": [],
            "updated": [],
            "deleted": [],
            "created": [],
            "preloaded": [],
            "unloaded": [],
            "models": [],
        }
        self._validate()

    def _validate(self) -> None:
        p = self.params
        creating = any(p.get(k) is not None for k in ("from", "parameters", "system", "template"))
        if creating:
            if p.get("from") is None:
                raise OllamaError("parameters, system and template create a derived model and need 'from'")
            if len(self.names) != 1:
                raise OllamaError("a derived model ('from') is created under exactly one name")
            if p["state"] != "present":
                raise OllamaError("a derived model ('from') needs state=present")
            ModelName.parse(p["from"])
        if p.get("loaded") is not None and p["state"] == "absent":
            raise OllamaError("'loaded' cannot be combined with state=absent (deleting a model unloads it)")
        seconds = keep_alive_seconds(self.keep_alive)
        if p.get("loaded") is True and seconds == 0:
            raise OllamaError("keep_alive 0 unloads a model; use loaded=false instead")
        if self.keep_alive is not None and p.get("loaded") is not True:
            raise OllamaError("keep_alive only applies with loaded=true")

    # -- helpers -----------------------------------------------------------

    def _mark(self, kind: str, name: str) -> None:
        self.result[kind].append(name)
        self.result["changed"] = True

    def _pull_many(self, names: list[ModelName], kind: str) -> dict[str, PullResult]:
        """Pull names with bounded concurrency; raise one error listing every failure."""
        results: dict[str, PullResult] = {}
        if not names:
            return results
        workers = max(1, min(int(self.params.get("pull_concurrency") or 1), len(names)))
        insecure = bool(self.params.get("insecure"))
        failures: list[str] = []
        outcomes: list[tuple[ModelName, PullResult | None, OllamaError | None]] = []
        if workers == 1:
            for name in names:
                try:
                    outcomes.append((name, self.client.pull(name.shortest(), insecure), None))
                except OllamaError as exc:
                    outcomes.append((name, None, exc))
                    break
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [(n, pool.submit(self.client.pull, n.shortest(), insecure)) for n in names]
                for name, future in futures:
                    try:
                        outcomes.append((name, future.result(), None))
                    except OllamaError as exc:
                        outcomes.append((name, None, exc))
        for name, pulled, error in outcomes:
            if error is not None:
                failures.append(str(error))
            elif pulled is not None:
                results[name.shortest()] = pulled
                if kind:
                    self._mark(kind, name.shortest())
        if failures:
            raise OllamaError("; ".join(failures))
        return results

    # -- main --------------------------------------------------------------

    def run(self) -> dict[str, t.Any]:
        p = self.params
        state = p["state"]
        installed = index_by_name(self.client.tags())
        before = {n.shortest(): (installed.get(n.key()) or {}).get("digest") for n in self.names}
        pulls: dict[str, PullResult] = {}
        need_refresh = False

        if state == "absent":
            for name in self.names:
                entry = installed.get(name.key())
                if entry is None:
                    continue
                if not self.check_mode:
                    self.client.delete(str(entry.get("name") or name.shortest()))
                self._mark("deleted", name.shortest())
        elif p.get("from") is not None:
            need_refresh = self._converge_derived(installed)
        else:
            missing = [n for n in self.names if n.key() not in installed]
            present = [n for n in self.names if n.key() in installed]
            if self.check_mode:
                for name in missing:
                    self._mark("pulled", name.shortest())
            else:
                pulls.update(self._pull_many(missing, "pulled"))
                need_refresh = bool(missing)
                if state == "latest" and present:
                    pulls.update(self._pull_many(present, ""))
                    need_refresh = True

        if need_refresh:
            installed = index_by_name(self.client.tags())

        if state == "latest" and not self.check_mode:
            for name in self.names:
                old = before.get(name.shortest())
                new = (installed.get(name.key()) or {}).get("digest")
                if old is not None and new != old:
                    self._mark("updated", name.shortest())

        loaded: tuple[set[tuple[str, str, str, str]], set[tuple[str, str, str, str]]] | None = None
        if p.get("loaded") is not None:
            loaded = self._converge_loaded(installed)

        self._report(installed, before, pulls, loaded)
        return self.result

    def _converge_derived(self, installed: dict[tuple[str, str, str, str], dict[str, t.Any]]) -> bool:
        p = self.params
        name = self.names[0]
        base = ModelName.parse(p["from"])
        spec: dict[str, t.Any] = {"from": base.shortest()}
        for key in ("parameters", "system", "template"):
            if p.get(key) is not None:
                spec[key] = p[key]
        differences: dict[str, t.Any] = {}
        if name.key() in installed:
            shown = self.client.show(name.shortest()) or {}
            parent = str((shown.get("details") or {}).get("parent_model") or "")
            if parent and name_key(parent) != base.key():
                differences["from"] = {"before": parent, "after": base.shortest()}
            for key in ("system", "template"):
                if key in spec and (shown.get(key) or "") != spec[key]:
                    differences[key] = {"before": shown.get(key) or "", "after": spec[key]}
            if "parameters" in spec:
                differences.update(parameters_differ(spec["parameters"], shown.get("parameters")))
        else:
            differences["model"] = {"before": None, "after": name.shortest()}
        self.result["differences"] = differences
        if not differences:
            return False
        if self.check_mode:
            if base.key() not in installed:
                self._mark("pulled", base.shortest())
            self._mark("created", name.shortest())
            return False
        if base.key() not in installed:
            # Pull the base with retries first; create would pull it without them.
            self._pull_many([base], "pulled")
        self.client.create(name.shortest(), spec)
        self._mark("created", name.shortest())
        return True

    def _converge_loaded(
        self, installed: dict[tuple[str, str, str, str], dict[str, t.Any]]
    ) -> tuple[set[tuple[str, str, str, str]], set[tuple[str, str, str, str]]]:
        """Load or unload; return the names loaded (before, after)."""
        want_loaded = bool(self.params["loaded"])
        running = index_by_name(self.client.ps())
        seconds = keep_alive_seconds(self.keep_alive)
        loaded = set(running)
        for name in self.names:
            entry = running.get(name.key())
            if want_loaded:
                if entry is not None:
                    forever = expires_forever(entry.get("expires_at"))
                    if seconds is None or (seconds < 0) == forever:
                        continue
                exists = name.key() in installed or name.shortest() in self.result["pulled"]
                if not exists and not self.check_mode:
                    raise OllamaError(
                        "cannot load model %r at %s: it is not installed" % (name.shortest(), self.client.url)
                    )
                if not self.check_mode:
                    self.client.load(name.shortest(), self.keep_alive)
                loaded.add(name.key())
                self._mark("preloaded", name.shortest())
            elif entry is not None:
                if not self.check_mode:
                    self.client.unload(str(entry.get("name") or name.shortest()))
                loaded.discard(name.key())
                self._mark("unloaded", name.shortest())
        return set(running), loaded

    def _report(
        self,
        installed: dict[tuple[str, str, str, str], dict[str, t.Any]],
        before: dict[str, str | None],
        pulls: dict[str, PullResult],
        loaded: tuple[set[tuple[str, str, str, str]], set[tuple[str, str, str, str]]] | None,
    ) -> None:
        r = self.result
        after: dict[str, str | None] = {}
        for name in self.names:
            short = name.shortest()
            entry = installed.get(name.key())
            digest = entry.get("digest") if entry else None
            if self.check_mode:
                if short in r["deleted"]:
                    digest = None
                elif short in r["pulled"] or short in r["created"]:
                    digest = "(unknown until pulled)" if short in r["pulled"] else "(unknown until created)"
            after[short] = digest
            item: dict[str, t.Any] = {
                "name": short,
                "present": digest is not None,
                "digest": digest,
                "digest_before": before.get(short),
                "size": entry.get("size") if entry and digest == entry.get("digest") else None,
                "changed": any(
                    short in r[k] for k in ("pulled", "updated", "deleted", "created", "preloaded", "unloaded")
                ),
                "attempts": pulls[short].attempts if short in pulls else 0,
            }
            if loaded is not None:
                item["loaded"] = name.key() in loaded[1]
            r["models"].append(item)
        r["diff"] = {
            "before": {"models": {k: v for k, v in before.items() if v is not None}},
            "after": {"models": {k: v for k, v in after.items() if v is not None}},
        }
        if loaded is not None:
            r["diff"]["before"]["loaded"] = sorted(n.shortest() for n in self.names if n.key() in loaded[0])
            r["diff"]["after"]["loaded"] = sorted(n.shortest() for n in self.names if n.key() in loaded[1])
