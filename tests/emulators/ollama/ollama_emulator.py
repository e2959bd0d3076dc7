# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ollama API emulator: a TEST DOUBLE, not Ollama.

An HTTP server that implements the parts of the Ollama REST API that the
aistack.baremetal modules and roles use, with the semantics documented in
shared/reference/ollama/notes.md (Ollama v0.33 behaviour):

* a fake remote registry with manifests, content-addressed layers and digests
  (``/_emulator/publish`` re-publishes a model so its digest changes);
* a local store: /api/tags, /api/show, /api/copy, /api/create, /api/delete;
* /api/pull streaming NDJSON progress (``pulling manifest``, per-layer
  ``digest/total/completed``, ``verifying sha256 digest``, ``writing manifest``,
  ``removing unused layers``, ``success``), resuming partial blobs after a drop;
* runners with keep_alive expiry: /api/generate, /api/chat, /api/embed, /api/ps;
* /api/version, ``GET /``;
* error shapes ``{"error": "..."}`` with Ollama's status codes; errors after the
  first stream line arrive as a final error line with HTTP 200.

Each behaviour names the ollama/ollama source it follows (checked against tag
v0.33.0-rc2): file and function in a comment next to the code.

Fault injection (``POST /_emulator/faults``): connection dropped after N bytes,
HTTP status answers, delays, slow streams, disk-full and unknown-model error
lines, unreachable registry, a transient in-stream pull error
(``stream_error``). ``GET /_emulator/stats`` counts API requests.
Every answer carries ``X-Ollama-Emulator: 1`` so it is never mistaken for Ollama.

Settings (``POST /_emulator/settings``): ``progress_step``,
``default_keep_alive``, ``vram`` (bytes of emulated GPU memory, 0 = CPU-only
host), ``unload_delay`` (seconds an expired runner stays in /api/ps) and
``timing`` (see ``Timing``: load time, prompt and token rates, parallel slots
per runner with a queue behind them). Without ``timing`` a completion answers
at once with fixed durations, as before.

Run: ``python ollama_emulator.py --port 0 --port-file PORTFILE [--vram BYTES]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import decimal
import hashlib
import json
import os
import re
import socket
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any

from emulator_http import BackgroundServer

API_VERSION = "0.33.0"
DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
FOREVER = dt.timedelta(seconds=(2**63 - 1) / 1e9)  # Go's max time.Duration, ~292 years
MEDIA = "application/vnd.ollama.image"

# (name, total bytes, family, parameter_size, quantization, blocks, context, embedding)
CATALOG: list[tuple[str, int, str, str, str, int, int, bool]] = [
    ("llama3.2:1b", 1_321_098_329, "llama", "1.2B", "Q8_0", 16, 131072, False),
    ("llama3.2:3b", 2_019_393_189, "llama", "3.2B", "Q4_K_M", 28, 131072, False),
    ("mistral:7b", 4_372_824_384, "llama", "7.2B", "Q4_K_M", 32, 32768, False),
    ("llama3.1:8b", 4_920_753_328, "llama", "8.0B", "Q4_K_M", 32, 131072, False),
    ("qwen2.5-coder:14b", 8_988_124_298, "qwen2", "14.8B", "Q4_K_M", 48, 32768, False),
    ("deepseek-r1:14b", 8_988_112_040, "qwen2", "14.8B", "Q4_K_M", 48, 131072, False),
    ("devstral:24b", 14_333_927_918, "llama", "23.6B", "Q4_K_M", 40, 131072, False),
    ("qwen2.5-coder:32b", 19_851_349_898, "qwen2", "32.8B", "Q4_K_M", 64, 32768, False),
    ("deepseek-r1:32b", 19_851_337_809, "qwen2", "32.8B", "Q4_K_M", 64, 131072, False),
    ("llama3.3:70b", 42_520_413_916, "llama", "70.6B", "Q4_K_M", 80, 131072, False),
    ("qwen2.5:72b", 47_415_715_018, "qwen2", "72.7B", "Q4_K_M", 80, 32768, False),
    ("codellama:70b", 38_860_172_960, "llama", "69B", "Q4_0", 80, 16384, False),
    ("nomic-embed-text:v1.5", 274_302_450, "nomic-bert", "137M", "F16", 12, 2048, True),
    ("tinyllama:1.1b", 637_700_138, "llama", "1B", "Q4_0", 22, 2048, False),
    ("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", 807_694_464, "llama", "1.2B", "Q4_K_M", 16, 131072, False),
]
# Registry tags that point at the same manifest as another tag.
ALIASES = {
    "llama3.2:latest": "llama3.2:3b",
    "llama3.1:latest": "llama3.1:8b",
    "mistral:latest": "mistral:7b",
    "devstral:latest": "devstral:24b",
    "llama3.3:latest": "llama3.3:70b",
    "nomic-embed-text:latest": "nomic-embed-text:v1.5",
    "tinyllama:latest": "tinyllama:1.1b",
}
TEMPLATE = "{{ if .System }}<|system|>{{ .System }}{{ end }}<|user|>{{ .Prompt }}<|assistant|>"
BASE_PARAMETERS: dict[str, list[Any]] = {"stop": ["<|user|>", "<|assistant|>"]}


# ---------------------------------------------------------------------------
# Names (types/model/name.go)
# ---------------------------------------------------------------------------


class NameError_(ValueError):
    pass


def _valid(kind: str, part: str) -> bool:
    limit = 350 if kind == "host" else 80
    if not 1 <= len(part) <= limit:
        return False
    for i, c in enumerate(part):
        if c.isascii() and (c.isalnum() or c == "_"):
            continue
        if i == 0:
            return False
        if c == "-" or (c == "." and kind != "namespace") or (c == ":" and kind == "host"):
            continue
        return False
    return True


def parse_name(raw: str) -> tuple[str, str, str, str]:
    """(host, namespace, model, tag) with defaults; NameError_ when invalid."""
    if not isinstance(raw, str) or not raw:
        raise NameError_(raw)
    s, tag = raw, "latest"
    if s.rfind(":") > s.rfind("/"):
        s, _unused, tag = s.rpartition(":")
    parts = s.split("/")
    host, ns = DEFAULT_HOST, DEFAULT_NAMESPACE
    if len(parts) == 1:
        model = parts[0]
    elif len(parts) == 2:
        ns, model = parts
    else:
        host, ns, model = "/".join(parts[:-2]), parts[-2], parts[-1]
        if "://" in host:
            host = host.split("://", 1)[1]
    for kind, value in (("host", host), ("namespace", ns), ("model", model), ("tag", tag)):
        if not _valid(kind, value):
            raise NameError_(raw)
    return host, ns, model, tag


# internal/modelref/modelref.go: a ":local" / ":cloud" suffix (or a tag ending
# in "-cloud") says where the model runs; it is not part of the stored name.
SOURCE_LOCAL, SOURCE_CLOUD = "local", "cloud"


def parse_source_suffix(raw: str) -> tuple[str, str | None]:
    """(base, source) as modelref.go parseSourceSuffix splits them."""
    idx = raw.rfind(":")
    if idx >= 0:
        suffix_raw = raw[idx + 1 :].strip()
        suffix = suffix_raw.lower()
        if suffix in (SOURCE_CLOUD, SOURCE_LOCAL):
            return raw[:idx], suffix
        if "/" not in suffix_raw and suffix.endswith("-cloud"):
            return raw[: idx + 1] + suffix_raw[: -len("-cloud")], SOURCE_CLOUD
    return raw, None


def parse_ref(raw: str, pull: bool) -> tuple[tuple[str, str, str, str], str | None]:
    """A request's model name after modelref.go ParseRef (and NormalizePullName when ``pull``).

    server/model_resolver.go: pull and delete use parseNormalizePullModelRef (a
    cloud model keeps the legacy stored form ``model:cloud`` / ``model:tag-cloud``);
    generate, chat, embed and show use parseAndValidateModelRef (the suffix is
    stripped). Raises NameError_ (the message is the server's) when invalid.
    """
    text = (raw or "").strip() if isinstance(raw, str) else ""
    if not text:
        raise NameError_("model is required")
    base, source = parse_source_suffix(text)
    if source is not None and parse_source_suffix(base)[1] is not None:
        raise NameError_(f"use either :local or :cloud, not both: {json.dumps(text)}")
    if pull and source == SOURCE_CLOUD:
        # modelref.go toLegacyCloudPullName
        base = base + ("-cloud" if base.rfind(":") > base.rfind("/") else ":cloud")
    return parse_name(base), source


def shortest(name: tuple[str, str, str, str]) -> str:
    host, ns, model, tag = name
    if host.lower() != DEFAULT_HOST:
        return f"{host}/{ns}/{model}:{tag}"
    if ns.lower() != DEFAULT_NAMESPACE:
        return f"{ns}/{model}:{tag}"
    return f"{model}:{tag}"


def key_of(name: tuple[str, str, str, str]) -> tuple[str, ...]:
    return tuple(p.lower() for p in name)


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).astimezone()


def go_time(value: dt.datetime) -> str:
    return value.isoformat()


_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_parse_duration(text: str) -> float:
    """Seconds of a Go duration string, as Go's time.ParseDuration reads it; ValueError with Go's message."""
    orig, s = text, text
    quoted = json.dumps(orig)
    negative = False
    if s[:1] in ("-", "+"):
        negative, s = s[0] == "-", s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    while s:
        match = re.match(r"(\d*)(?:\.(\d*))?", s)
        assert match is not None
        whole, frac = match.group(1), match.group(2)
        if not whole and not frac:
            raise ValueError(f"time: invalid duration {quoted}")
        s = s[match.end() :]
        unit = re.match(r"[^0-9.]*", s).group(0)  # type: ignore[union-attr]
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _GO_UNITS:
            raise ValueError(f"time: unknown unit {json.dumps(unit)} in duration {quoted}")
        s = s[len(unit) :]
        total += float(f"{whole or 0}.{frac or 0}") * _GO_UNITS[unit]
    if total > (2**63 - 1) / 1e9:
        raise ValueError(f"time: invalid duration {quoted}")
    return -total if negative else total


def parse_keep_alive(value: Any, default: float) -> float | None:
    """Seconds (negative = forever); None when the request carries no keep_alive.

    api/types.go Duration.UnmarshalJSON: a JSON number is seconds (negative =
    forever), a string goes through time.ParseDuration, so "300" is refused
    (missing unit) and answered 400 by the handler's ShouldBindJSON; any other
    JSON type is "Unsupported type".
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("Unsupported type: 'bool'")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"Unsupported type: '{type(value).__name__}'")
    return go_parse_duration(value)


def go_value(value: Any) -> str:
    """``fmt.Sprintf("%#v", v)`` of a value decoded from JSON by Go (numbers are float64)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = float(value)
        if number == 0:
            return "0"
        # strconv 'g' with the shortest precision switches to an exponent at 1e+06 (and below 1e-04).
        sign, digits, exponent = decimal.Decimal(repr(number)).normalize().as_tuple()
        text = "".join(map(str, digits))
        point = len(digits) + int(exponent)
        mantissa_exp = point - 1
        head = "-" if sign else ""
        if mantissa_exp < -4 or mantissa_exp >= 6:
            body = text[0] + ("." + text[1:] if len(text) > 1 else "")
            return f"{head}{body}e{'-' if mantissa_exp < 0 else '+'}{abs(mantissa_exp):02d}"
        if point <= 0:
            return f"{head}0.{'0' * -point}{text}"
        if point >= len(text):
            return head + text + "0" * (point - len(text))
        return f"{head}{text[:point]}.{text[point:]}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


# ---------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------


class RemoteModel:
    def __init__(self, name: str, size: int, family: str, psize: str, quant: str, blocks: int, ctx: int, embed: bool):
        self.name = name
        self.size = size
        self.family = family
        self.parameter_size = psize
        self.quant = quant
        self.blocks = blocks
        self.context = ctx
        self.embedding = embed
        self.revision = 1

    def layers(self) -> list[dict[str, Any]]:
        seed = f"{self.name}@{self.revision}"
        small = [
            ("template", TEMPLATE.encode()),
            ("license", b"emulated license text"),
            ("params", json.dumps(BASE_PARAMETERS).encode()),
        ]
        model_size = self.size - sum(len(b) for _unused, b in small)
        layers = [{"mediaType": f"{MEDIA}.model", "digest": "sha256:" + sha(seed + ":model"), "size": model_size}]
        for kind, blob in small:
            layers.append({"mediaType": f"{MEDIA}.{kind}", "digest": "sha256:" + sha(blob), "size": len(blob)})
        return layers

    def manifest(self) -> bytes:
        config = json.dumps({"model_format": "gguf", "model_family": self.family, "rev": self.revision}).encode()
        body = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "digest": "sha256:" + sha(config),
                "size": len(config),
            },
            "layers": self.layers(),
        }
        return json.dumps(body, separators=(",", ":")).encode()


class LocalModel:
    def __init__(self, name: str, manifest: bytes, remote: RemoteModel) -> None:
        self.name = name  # display form, case as first pulled
        self.manifest = manifest
        self.remote = remote
        self.modified_at = now()
        self.parameters: dict[str, list[Any]] = {k: list(v) for k, v in BASE_PARAMETERS.items()}
        self.system = ""
        self.template = TEMPLATE
        self.parent_model = ""

    @property
    def digest(self) -> str:
        return sha(self.manifest)

    @property
    def layers(self) -> list[dict[str, Any]]:
        return list(json.loads(self.manifest)["layers"])

    @property
    def size(self) -> int:
        return sum(int(layer["size"]) for layer in self.layers)

    @property
    def model_file(self) -> str:
        """Digest of the model blob: what server/sched.go schedulerModelKey keys runners by (ModelPath)."""
        return next(layer["digest"] for layer in self.layers if layer["mediaType"] == f"{MEDIA}.model")

    def details(self) -> dict[str, Any]:
        r = self.remote
        return {
            "parent_model": self.parent_model,
            "format": "gguf",
            "family": r.family,
            "families": [r.family],
            "parameter_size": r.parameter_size,
            "quantization_level": r.quant,
        }


# Options that change the runner itself (api/types.go Runner); a request with
# other values reloads the model (server/sched.go runnerRef.needsReload).
RUNNER_OPTIONS = ("num_ctx", "num_batch", "num_gpu", "main_gpu", "use_mmap", "num_thread")


class Runner:
    """A loaded model. ``model`` is the one it was first loaded under: server/sched.go
    getRunner reuses a runner for any name of the same model file (useLoadedRunner
    leaves runner.model alone), and routes.go PsHandler shows runner.model's name
    and digest."""

    def __init__(self, model: LocalModel, expires: dt.datetime, num_ctx: int, options: dict[str, Any]) -> None:
        self.model = model
        self.expires = expires
        self.num_ctx = num_ctx
        self.options = options
        self.unloading = False
        self.size = model.size
        self.size_vram = 0
        # Timing mode: set once the load time has passed; the request that created the
        # runner waits it out, the others wait on this event.
        self.ready = threading.Event()
        self.fresh = True
        self.slots: threading.BoundedSemaphore | None = None


class Timing:
    """How long a completion takes, set by a test so that every figure is known.

    * ``load_seconds``: a request that starts a runner waits this long before it is
      scheduled; requests arriving meanwhile wait for the same load (server/sched.go
      processPending starts one runner per model, and the others wait on it).
      server/routes.go GenerateHandler/ChatHandler report ``load_duration`` as the
      time from the handler's start to the runner being scheduled (checkpointStart
      to checkpointLoaded), so it includes that wait.
    * ``num_parallel``: slots per runner (OLLAMA_NUM_PARALLEL). llm/server.go
      llmServer.Completion acquires one of ``numParallel`` semaphore slots before it
      sends the request to the runner, so a request beyond the slots waits there,
      after checkpointLoaded: the wait is in ``total_duration`` only, never in
      ``load_duration``, ``prompt_eval_duration`` or ``eval_duration``.
    * ``prompt_rate``: prompt tokens per second (one token per word of the prompt);
      the prompt is processed before the first token is sampled.
    * ``token_rate``: generated tokens per second; each token is streamed when it is
      sampled, so the first arrives ``1/token_rate`` after the prompt. The runner
      (runner/llamarunner/runner.go) counts ``eval_count``/``eval_duration`` over the
      sampled tokens, measured here as the time from the end of the prompt to the
      last token.
    * ``tokens``: tokens generated when the request sets no ``num_predict``.

    ``token_rate`` 0 turns timing off (the fixed, instant answer)."""

    FIELDS = ("load_seconds", "num_parallel", "prompt_rate", "token_rate", "tokens")

    def __init__(self) -> None:
        self.load_seconds = 0.0
        self.num_parallel = 1
        self.prompt_rate = 0.0
        self.token_rate = 0.0
        self.tokens = 11

    def update(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key not in self.FIELDS:
                raise ValueError(f"unknown timing setting {key!r}")
            setattr(self, key, int(value) if key in ("num_parallel", "tokens") else float(value))
        self.num_parallel = max(1, self.num_parallel)

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.FIELDS}


class Fault:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.kind = str(spec["kind"])
        self.endpoint = str(spec.get("endpoint", "*"))
        self.model = spec.get("model")
        self.times = int(spec.get("times", 1))
        self.spec = spec

    def matches(self, path: str, model: str | None) -> bool:
        if self.times == 0 or self.endpoint not in ("*", path):
            return False
        if self.model is None:
            return True
        try:
            return model is not None and key_of(parse_name(model)) == key_of(parse_name(str(self.model)))
        except NameError_:
            return False


class State:
    def __init__(
        self, progress_step: int = 0, default_keep_alive: float = 300.0, vram: int = 0, unload_delay: float = 0.5
    ) -> None:
        self.lock = threading.RLock()
        self.progress_step = progress_step
        self.default_keep_alive = default_keep_alive
        # Bytes of emulated GPU memory; 0 is a CPU-only host, where /api/ps shows size_vram 0.
        self.vram = vram
        # Seconds an expired runner stays in /api/ps: server/sched.go expireRunner only
        # hands the runner to processCompleted, which unloads it later (asynchronously).
        self.unload_delay = unload_delay
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.registry: dict[tuple[str, ...], RemoteModel] = {}
            for entry in CATALOG:
                self.add_remote(*entry)
            self.models: dict[tuple[str, ...], LocalModel] = {}
            self.blobs: dict[str, int] = {}  # digest -> bytes present (== size when complete)
            self.runners: dict[str, Runner] = {}  # model file digest -> runner
            self.faults: list[Fault] = []
            self.requests: Counter[str] = Counter()
            self.timing = Timing()

    def add_remote(
        self,
        name: str,
        size: int,
        family: str = "llama",
        psize: str = "8.0B",
        quant: str = "Q4_K_M",
        blocks: int = 32,
        ctx: int = 8192,
        embed: bool = False,
    ) -> RemoteModel:
        remote = RemoteModel(shortest(parse_name(name)), size, family, psize, quant, blocks, ctx, embed)
        self.registry[key_of(parse_name(name))] = remote
        return remote

    def remote(self, name: tuple[str, str, str, str]) -> RemoteModel | None:
        remote = self.registry.get(key_of(name))
        if remote is None:
            alias = ALIASES.get(shortest(name).lower())
            if alias is not None:
                remote = self.registry.get(key_of(parse_name(alias)))
        if remote is None and name[0].lower() == "hf.co" and name[3].lower() == "latest":
            # types/model/name.go fills the tag "latest"; Hugging Face's registry answers
            # it with the repository's default quantization (Q4_K_M when it has one).
            tags = [r for k, r in self.registry.items() if k[:3] == key_of(name)[:3]]
            tags.sort(key=lambda r: (not r.name.lower().endswith(":q4_k_m"), r.name))
            remote = tags[0] if tags else None
        return remote

    def local(self, raw: str) -> LocalModel | None:
        try:
            return self.models.get(key_of(parse_name(raw)))
        except NameError_:
            return None

    def take_fault(self, kinds: tuple[str, ...], path: str, model: str | None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.kind in kinds and fault.matches(path, model):
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def install(self, name: tuple[str, str, str, str], remote: RemoteModel, display: str | None = None) -> LocalModel:
        manifest = remote.manifest()
        for layer in json.loads(manifest)["layers"]:
            self.blobs[layer["digest"]] = int(layer["size"])
        existing = self.models.get(key_of(name))
        model = LocalModel(existing.name if existing else (display or shortest(name)), manifest, remote)
        self.models[key_of(name)] = model
        return model

    def prune(self) -> bool:
        used = {layer["digest"] for m in self.models.values() for layer in m.layers}
        unused = [d for d, n in self.blobs.items() if d not in used and n > 0]
        for digest in unused:
            del self.blobs[digest]
        return bool(unused)

    def live_runners(self) -> list[tuple[str, Runner]]:
        """Runners still listed by /api/ps: an expired one stays ``unload_delay`` seconds
        (server/sched.go processCompleted unloads it after the expiry, asynchronously)."""
        current = now()
        gone = dt.timedelta(seconds=self.unload_delay)
        for key in [k for k, r in self.runners.items() if r.expires + gone <= current]:
            del self.runners[key]
        return sorted(self.runners.items(), key=lambda kv: kv[1].expires, reverse=True)

    def vram_used(self, skip: str | None = None) -> int:
        return sum(r.size_vram for k, r in self.runners.items() if k != skip)


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class Dropped(Exception):
    """The handler cut the connection on purpose (fault injection)."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ollama-emulator"
    state: State

    # -- plumbing ----------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            sys.stderr.write("emulator %s %s\n" % (self.address_string(), format % args))

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return None
        return json.loads(raw)

    def _headers(self, status: int, ctype: str, length: int | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("X-Ollama-Emulator", "1")
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _json(self, status: int, data: Any, head: bool = False) -> None:
        raw = b"" if data is None else json.dumps(data).encode()
        self._headers(status, "application/json; charset=utf-8", len(raw))
        if not head:
            self.wfile.write(raw)

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _start_stream(self, budget: int | None, slow: float) -> None:
        self._headers(200, "application/x-ndjson", None)
        self._budget = budget
        self._slow = slow

    def _line(self, data: dict[str, Any]) -> None:
        raw = json.dumps(data).encode() + b"\n"
        if self._slow:
            time.sleep(self._slow)
        chunk = b"%x\r\n%s\r\n" % (len(raw), raw)
        if self._budget is not None:
            if len(raw) > self._budget:
                # Promise the whole chunk, send part of it, then cut the connection.
                self.wfile.write(b"%x\r\n" % len(raw) + raw[: self._budget])
                self.wfile.flush()
                self._budget = 0
                raise Dropped()
            self._budget -= len(raw)
        self.wfile.write(chunk)
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/_emulator/"):
            self._control(method, path)
            return
        try:
            body = self._body() if method in ("POST", "DELETE") else None
        except ValueError:
            self._error(400, "invalid character in request body")
            return
        with self.state.lock:
            self.state.requests[f"{method} {path}"] += 1
            self.state.requests["total"] += 1
        model = body.get("model") if isinstance(body, dict) else None
        model = model if isinstance(model, str) else (body.get("name") if isinstance(body, dict) else None)
        fault = self.state.take_fault(("status",), path, model if isinstance(model, str) else None)
        delay = self.state.take_fault(("delay",), path, model if isinstance(model, str) else None)
        if delay is not None:
            time.sleep(float(delay.spec.get("seconds", 1)))
        if fault is not None:
            self._error(int(fault.spec.get("status", 500)), str(fault.spec.get("message", "emulated server error")))
            return
        drop_now = self.state.take_fault(("drop_before_answer",), path, model if isinstance(model, str) else None)
        if drop_now is not None:
            self._drop()
            return
        routes = {
            ("GET", "/"): self.root,
            ("HEAD", "/"): self.root,
            ("GET", "/api/version"): self.version,
            ("HEAD", "/api/version"): self.version,
            ("GET", "/api/tags"): self.tags,
            ("HEAD", "/api/tags"): self.tags,
            ("GET", "/api/ps"): self.ps,
            ("POST", "/api/show"): self.show,
            ("POST", "/api/pull"): self.pull,
            ("DELETE", "/api/delete"): self.delete,
            ("POST", "/api/copy"): self.copy,
            ("POST", "/api/create"): self.create,
            ("POST", "/api/generate"): self.generate,
            ("POST", "/api/chat"): self.chat,
            ("POST", "/api/embed"): self.embed,
        }
        handler = routes.get((method, path))
        if handler is None:
            known = {p for _unused, p in routes}
            self._json(405 if path in known else 404, None if path in known else {"error": "404 page not found"})
            return
        try:
            handler(body if isinstance(body, dict) else ({} if body is None else {"__invalid__": body}))
        except Dropped:
            self._drop()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- simple endpoints --------------------------------------------------

    def root(self, _body: dict[str, Any]) -> None:
        raw = b"Ollama is running"
        self._headers(200, "text/plain; charset=utf-8", len(raw))
        if self.command != "HEAD":
            self.wfile.write(raw)

    def version(self, _body: dict[str, Any]) -> None:
        self._json(200, {"version": API_VERSION}, head=self.command == "HEAD")

    def _tag_entry(self, m: LocalModel) -> dict[str, Any]:
        return {
            "name": m.name,
            "model": m.name,
            "modified_at": go_time(m.modified_at),
            "size": m.size,
            "digest": m.digest,
            "details": m.details(),
        }

    def tags(self, _body: dict[str, Any]) -> None:
        with self.state.lock:
            models = sorted(self.state.models.values(), key=lambda m: m.modified_at, reverse=True)
            data = {"models": [self._tag_entry(m) for m in models]}
        self._json(200, data, head=self.command == "HEAD")

    def ps(self, _body: dict[str, Any]) -> None:
        # server/routes.go PsHandler: one entry per runner, under the name and digest
        # of runner.model (the first name it was loaded under), latest expiry first.
        with self.state.lock:
            out = []
            for _key, runner in self.state.live_runners():
                m = runner.model
                out.append(
                    {
                        "name": m.name,
                        "model": m.name,
                        "size": runner.size,
                        "digest": m.digest,
                        "details": m.details(),
                        "expires_at": go_time(runner.expires),
                        "size_vram": runner.size_vram,
                        "context_length": runner.num_ctx,
                    }
                )
        self._json(200, {"models": out})

    def _model_arg(self, body: dict[str, Any]) -> str | None:
        value = body.get("model") or body.get("name")
        return value if isinstance(value, str) and value else None

    def show(self, body: dict[str, Any]) -> None:
        raw = self._model_arg(body)
        if not body:
            self._error(400, "missing request body")
            return
        if raw is None:
            self._error(400, "model is required")
            return
        resolved = self._resolve(raw, pull=False)
        if resolved is None:
            return
        with self.state.lock:
            m = self.state.models.get(key_of(resolved))
            if m is None:
                self._error(404, f"model '{raw}' not found")
                return
            r = m.remote
            # server/routes.go GetModelInfo prints each parameter with "%-*s %#v":
            # numbers are float64 there, so 1048576 reads "1.048576e+06".
            lines = []
            for k in sorted(m.parameters):
                for v in m.parameters[k]:
                    lines.append(f"{k:<30} {go_value(v)}")
            modelfile = '# Modelfile generated by "ollama show"\n'
            modelfile += f'FROM {m.parent_model or m.name}\nTEMPLATE """{m.template}"""\n'
            if m.system:
                modelfile += f'SYSTEM """{m.system}"""\n'
            modelfile += "".join(f"PARAMETER {line}\n" for line in lines)
            data = {
                "license": "emulated license text",
                "modelfile": modelfile,
                "parameters": "\n".join(lines),
                "template": m.template,
                "details": m.details(),
                "model_info": {
                    "general.architecture": r.family,
                    "general.parameter_count": int(
                        float(r.parameter_size.rstrip("BM")) * (1e9 if r.parameter_size.endswith("B") else 1e6)
                    ),
                    f"{r.family}.block_count": r.blocks,
                    f"{r.family}.context_length": r.context,
                    f"{r.family}.embedding_length": 4096,
                    f"{r.family}.attention.head_count": 32,
                    f"{r.family}.attention.head_count_kv": 8,
                },
                "capabilities": ["embedding"] if r.embedding else ["completion"],
                "modified_at": go_time(m.modified_at),
            }
            if m.system:
                data["system"] = m.system
        self._json(200, data)

    def delete(self, body: dict[str, Any]) -> None:
        raw = self._model_arg(body)
        try:
            name, _source = parse_ref(raw or "", pull=True)
        except NameError_:
            self._error(400, f'name "{raw}" is invalid')
            return
        with self.state.lock:
            if key_of(name) not in self.state.models:
                self._error(404, f"model '{raw}' not found")
                return
            # server/routes.go DeleteHandler removes the manifest and its unused layers
            # only: the scheduler is not told, so a loaded runner stays in /api/ps, and
            # with the name gone it can no longer be unloaded by name (ollama rm, in
            # cmd/cmd.go DeleteHandler, unloads first for that reason).
            del self.state.models[key_of(name)]
            self.state.prune()
        self._headers(200, "text/plain; charset=utf-8", 0)

    def copy(self, body: dict[str, Any]) -> None:
        src, dst = body.get("source"), body.get("destination")
        for label, value in (("source", src), ("destination", dst)):
            try:
                parse_name(value if isinstance(value, str) else "")
            except NameError_:
                self._error(400, f'{label} "{value}" is invalid')
                return
        with self.state.lock:
            m = self.state.local(str(src))
            if m is None:
                self._error(404, f'model "{src}" not found')
                return
            dname = parse_name(str(dst))
            copy = LocalModel(shortest(dname), m.manifest, m.remote)
            copy.parameters, copy.system, copy.template = dict(m.parameters), m.system, m.template
            copy.parent_model = m.parent_model
            self.state.models[key_of(dname)] = copy
        self._headers(200, "text/plain; charset=utf-8", 0)

    # -- pull --------------------------------------------------------------

    def pull(self, body: dict[str, Any]) -> None:
        raw = self._model_arg(body)
        try:
            # server/routes.go PullHandler: parseNormalizePullModelRef ("x:local" pulls "x").
            name, _source = parse_ref(raw or "", pull=True)
        except NameError_ as exc:
            # routes.go writeModelRefParseError: a conflicting suffix keeps its own message.
            self._error(400, str(exc) if "not both" in str(exc) else "invalid model name")
            return
        stream = body.get("stream", True) is not False
        if stream:
            drop = self.state.take_fault(("drop",), "/api/pull", raw)
            slow = self.state.take_fault(("slow",), "/api/pull", raw)
            self._start_stream(
                int(drop.spec.get("after_bytes", 0)) if drop else None,
                float(slow.spec.get("seconds", 0.05)) if slow else 0.0,
            )
            error = self._do_pull(name, self._line)
            if error:
                self._line({"error": error})
            self._end_stream()
        else:
            last: dict[str, Any] = {}
            error = self._do_pull(name, last.update)
            if error:
                self._error(500, error)
            else:
                self._json(200, {"status": "success"})

    def _do_pull(self, name: tuple[str, str, str, str], emit: Any) -> str | None:
        raw = shortest(name)
        emit({"status": "pulling manifest"})
        if self.state.take_fault(("registry_unreachable",), "/api/pull", raw):
            return (
                f'pull model manifest: Get "https://{name[0]}/v2/{name[1]}/{name[2]}/manifests/{name[3]}": '
                f"dial tcp: lookup {name[0]}: no such host"
            )
        with self.state.lock:
            remote = self.state.remote(name)
        if remote is None or self.state.take_fault(("unknown_model",), "/api/pull", raw):
            return "pull model manifest: file does not exist"
        disk = self.state.take_fault(("disk_full",), "/api/pull", raw)
        disk_budget = int(disk.spec.get("after_bytes", 0)) if disk else None
        # server/download.go blobDownload.run: a part that keeps failing ends the pull
        # with "max retries exceeded: <cause>" after some bytes were written; the
        # partial blob stays, so the next pull resumes it.
        broken = self.state.take_fault(("stream_error",), "/api/pull", raw)
        broken_budget = int(broken.spec.get("after_bytes", 1)) if broken else None
        manifest = remote.manifest()
        for layer in json.loads(manifest)["layers"]:
            digest, total = layer["digest"], int(layer["size"])
            with self.state.lock:
                done = self.state.blobs.get(digest, 0)
            step = self.state.progress_step or max(total // 20, 1)
            label = f"pulling {digest[7:19]}"
            emit({"status": label, "digest": digest, "total": total, "completed": done})
            while done < total:
                grant = min(step, total - done)
                if disk_budget is not None:
                    if disk_budget < grant:
                        return f"write /root/.ollama/models/blobs/sha256-{digest[7:]}-partial: no space left on device"
                    disk_budget -= grant
                if broken is not None and broken_budget is not None:
                    if broken_budget <= 0:
                        return str(broken.spec.get("message", "max retries exceeded: unexpected EOF"))
                    grant = min(grant, broken_budget)
                    broken_budget -= grant
                done += grant
                with self.state.lock:
                    self.state.blobs[digest] = done
                emit({"status": label, "digest": digest, "total": total, "completed": done})
        emit({"status": "verifying sha256 digest"})
        emit({"status": "writing manifest"})
        with self.state.lock:
            self.state.install(name, remote, shortest(name))
            pruned = self.state.prune()
        if pruned:
            emit({"status": "removing unused layers"})
        emit({"status": "success"})
        return None

    # -- create ------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> None:
        raw = self._model_arg(body)
        try:
            name = parse_name(raw or "")
        except NameError_:
            self._error(400, "invalid model name")
            return
        base_raw = body.get("from")
        if not base_raw and not body.get("files"):
            self._error(400, "neither 'from' or 'files' was specified")
            return
        if body.get("files"):
            self._error(400, "the emulator supports 'from' only")
            return
        try:
            base_name = parse_name(str(base_raw))
        except NameError_:
            self._error(400, "invalid model name")
            return
        stream = body.get("stream", True) is not False
        lines: list[dict[str, Any]] = []
        emit = self._line if stream else lines.append
        if stream:
            self._start_stream(None, 0.0)
        error = self._do_create(name, base_name, body, emit)
        if stream:
            if error:
                self._line({"error": error})
            self._end_stream()
        elif error:
            self._error(500, error)
        else:
            self._json(200, {"status": "success"})

    def _do_create(
        self, name: tuple[str, str, str, str], base_name: tuple[str, str, str, str], body: dict[str, Any], emit: Any
    ) -> str | None:
        with self.state.lock:
            base = self.state.models.get(key_of(base_name))
        if base is None:
            error = self._do_pull(base_name, emit)
            if error:
                return error
            with self.state.lock:
                base = self.state.models[key_of(base_name)]
        emit({"status": "reading model metadata"})
        params = {k: list(v) for k, v in base.parameters.items()}
        for k, v in (body.get("parameters") or {}).items():
            params[k] = list(v) if isinstance(v, list) else [v]
        # server/create.go createModel: setTemplate/setSystem run only for a non-empty
        # value, so an empty system or template keeps the base model's.
        system = body.get("system") or base.system
        template = body.get("template") or base.template
        layers = [
            dict(layer) for layer in base.layers if not layer["mediaType"].endswith((".params", ".system", ".template"))
        ]
        for layer in layers:
            emit({"status": f"using existing layer {layer['digest']}"})
        for kind, blob in (("template", template), ("system", system), ("params", json.dumps(params, sort_keys=True))):
            if not blob:
                continue
            digest = "sha256:" + sha(str(blob))
            layers.append({"mediaType": f"{MEDIA}.{kind}", "digest": digest, "size": len(str(blob).encode())})
            emit({"status": f"creating new layer {digest}"})
        emit({"status": "writing manifest"})
        manifest_body = json.loads(base.manifest)
        manifest_body["layers"] = layers
        manifest = json.dumps(manifest_body, separators=(",", ":")).encode()
        with self.state.lock:
            for layer in layers:
                self.state.blobs[layer["digest"]] = int(layer["size"])
            existing = self.state.models.get(key_of(name))
            model = LocalModel(existing.name if existing else shortest(name), manifest, base.remote)
            model.parameters, model.system, model.template = params, system or "", template or ""
            model.parent_model = shortest(base_name)
            self.state.models[key_of(name)] = model
        emit({"status": "success"})
        return None

    # -- runners -----------------------------------------------------------

    def _resolve(self, raw: str, pull: bool) -> tuple[str, str, str, str] | None:
        """The stored name a request means (modelref rules); None when an error was sent."""
        try:
            name, source = parse_ref(raw, pull)
        except NameError_ as exc:
            message = str(exc)
            self._error(400, message if "not both" in message else "invalid model name")
            return None
        if source == SOURCE_CLOUD and not pull:
            # server/routes.go proxies ":cloud" requests to ollama.com; the emulator has no cloud.
            self._error(502, "remote model is unavailable (the emulator has no cloud)")
            return None
        return name

    def _schedule(self, body: dict[str, Any], kind: str) -> tuple[LocalModel, float | None] | None:
        """Common keep_alive parsing and model lookup; None when an error was sent."""
        try:
            # api/types.go Duration.UnmarshalJSON runs while the handler binds the body,
            # before the model is looked up: an invalid keep_alive is a 400 first.
            keep = parse_keep_alive(body.get("keep_alive"), self.state.default_keep_alive)
        except ValueError as exc:
            self._error(400, str(exc))
            return None
        raw = self._model_arg(body)
        if raw is None:
            self._error(400, "model is required")
            return None
        resolved = self._resolve(raw, pull=False)
        if resolved is None:
            return None
        with self.state.lock:
            m = self.state.models.get(key_of(resolved))
        if m is None:
            self._error(404, f'model "{raw}" not found, try pulling it first')
            return None
        return m, keep

    def _load(self, m: LocalModel, keep: float | None, options: dict[str, Any]) -> Runner:
        # server/sched.go: runners are keyed by model file (schedulerModelKey), so every
        # name of one file shares a runner that keeps the first name; a request whose
        # runner options differ (the model's parameters overlaid with the request's)
        # reloads it under the new name (runnerRef.needsReload).
        wanted = {k: v[0] for k, v in m.parameters.items() if k in RUNNER_OPTIONS and v}
        wanted.update({k: v for k, v in options.items() if k in RUNNER_OPTIONS})
        num_ctx = int(wanted.get("num_ctx") or min(4096, m.remote.context))
        wanted["num_ctx"] = num_ctx
        key = m.model_file
        with self.state.lock:
            self.state.live_runners()
            runner = self.state.runners.get(key)
            if runner is not None and (runner.unloading or runner.options != wanted):
                runner = None
            seconds = keep if keep is not None else (None if runner else self.state.default_keep_alive)
            if runner is None:
                runner = Runner(m, now(), num_ctx, wanted)
                kv = num_ctx * m.remote.blocks * 2 * 8 * 128 * 2
                runner.size = m.size + kv
                # The part that fits in the emulated GPU memory; the rest runs on the CPU.
                free = max(0, self.state.vram - self.state.vram_used(skip=key))
                runner.size_vram = min(runner.size, free)
                self.state.runners[key] = runner
                if seconds is None:
                    seconds = self.state.default_keep_alive
            if seconds is not None:
                runner.expires = now() + (FOREVER if seconds < 0 else dt.timedelta(seconds=seconds))
        return runner

    def _unload(self, m: LocalModel) -> None:
        # server/sched.go expireRunner: the runner of this model file expires now and is
        # unloaded later by processCompleted; /api/ps lists it until then.
        with self.state.lock:
            runner = self.state.runners.get(m.model_file)
            if runner is not None:
                runner.expires = now()
                runner.unloading = True

    def _completion(self, body: dict[str, Any], chat: bool) -> None:
        scheduled = self._schedule(body, "chat" if chat else "generate")
        if scheduled is None:
            return
        m, keep = scheduled
        prompt = ""
        if chat:
            messages = body.get("messages") or []
            prompt = " ".join(str(msg.get("content", "")) for msg in messages if isinstance(msg, dict))
            empty = not messages
        else:
            prompt = str(body.get("prompt") or "")
            empty = not prompt
        base = {"model": m.name, "created_at": go_time(now())}
        if empty and keep == 0:
            self._unload(m)
            reply = dict(base, done=True, done_reason="unload")
            reply.update({"message": {"role": "assistant", "content": ""}} if chat else {"response": ""})
            self._json(200, reply)
            return
        if m.remote.embedding:
            self._error(400, f'"{m.name}" does not support {"chat" if chat else "generate"}')
            return
        started = time.monotonic()
        runner = self._load(m, keep, body.get("options") or {})
        if self.state.timing.token_rate > 0 and not empty:
            self._timed_completion(runner, m, body, prompt, chat, base, started)
            return
        if empty:
            reply = dict(base, done=True, done_reason="load")
            reply.update({"message": {"role": "assistant", "content": ""}} if chat else {"response": ""})
            self._json(200, reply)
            return
        words = ["This", " is", " an", " emulated", " answer", " from", " the", " Ollama", " test", " double", "."]
        prompt_tokens = max(1, len(prompt.split()))
        eval_duration = len(words) * 20_000_000  # 50 tokens/s
        prompt_eval_duration = prompt_tokens * 2_000_000
        final = dict(
            base,
            done=True,
            done_reason="stop",
            total_duration=eval_duration + prompt_eval_duration + 1_000_000,
            load_duration=1_000_000,
            prompt_eval_count=prompt_tokens,
            prompt_eval_duration=prompt_eval_duration,
            eval_count=len(words),
            eval_duration=eval_duration,
        )
        if body.get("stream", True) is False:
            text = "".join(words)
            final.update(
                {"message": {"role": "assistant", "content": text}}
                if chat
                else {"response": text, "context": [1, 2, 3]}
            )
            self._json(200, final)
            return
        self._start_stream(None, 0.0)
        for word in words:
            piece = {"message": {"role": "assistant", "content": word}} if chat else {"response": word}
            self._line(dict(base, done=False, **piece))
        final.update({"message": {"role": "assistant", "content": ""}} if chat else {"response": ""})
        self._line(final)
        self._end_stream()

    def _timed_completion(
        self,
        runner: Runner,
        m: LocalModel,
        body: dict[str, Any],
        prompt: str,
        chat: bool,
        base: dict[str, Any],
        started: float,
    ) -> None:
        """A completion that takes the time ``State.timing`` says (see ``Timing``)."""
        timing = self.state.timing
        with self.state.lock:
            created, runner.fresh = runner.fresh, False
            if runner.slots is None:
                runner.slots = threading.BoundedSemaphore(timing.num_parallel)
        if created:
            time.sleep(timing.load_seconds)
            runner.ready.set()
        else:
            runner.ready.wait()
        loaded = time.monotonic()
        options = body.get("options") or {}
        count = int(options.get("num_predict") or timing.tokens)
        if count < 0:
            count = timing.tokens
        prompt_tokens = max(1, len(prompt.split()))
        words = ["This", " is", " an", " emulated", " answer", " from", " the", " Ollama", " test", " double", "."]
        slots = runner.slots
        assert slots is not None
        with slots:
            prompt_start = time.monotonic()
            if timing.prompt_rate > 0:
                time.sleep(prompt_tokens / timing.prompt_rate)
            eval_start = time.monotonic()
            stream = body.get("stream", True) is not False
            if stream:
                self._start_stream(None, 0.0)
            text = []
            step = 1.0 / timing.token_rate
            for index in range(count):
                # Sleep until this token's due time, so the rate does not drift.
                due = eval_start + (index + 1) * step
                time.sleep(max(0.0, due - time.monotonic()))
                word = words[index % len(words)]
                text.append(word)
                if stream:
                    piece = {"message": {"role": "assistant", "content": word}} if chat else {"response": word}
                    self._line(dict(base, created_at=go_time(now()), done=False, **piece))
            end = time.monotonic()
        final = dict(
            base,
            created_at=go_time(now()),
            done=True,
            done_reason="length" if "num_predict" in options else "stop",
            total_duration=int((end - started) * 1e9),
            load_duration=int((loaded - started) * 1e9),
            prompt_eval_count=prompt_tokens,
            prompt_eval_duration=int((eval_start - prompt_start) * 1e9),
            eval_count=count,
            eval_duration=int((end - eval_start) * 1e9),
        )
        if not stream:
            final.update(
                {"message": {"role": "assistant", "content": "".join(text)}}
                if chat
                else {"response": "".join(text), "context": [1, 2, 3]}
            )
            self._json(200, final)
            return
        final.update({"message": {"role": "assistant", "content": ""}} if chat else {"response": ""})
        self._line(final)
        self._end_stream()

    def generate(self, body: dict[str, Any]) -> None:
        self._completion(body, chat=False)

    def chat(self, body: dict[str, Any]) -> None:
        self._completion(body, chat=True)

    def embed(self, body: dict[str, Any]) -> None:
        scheduled = self._schedule(body, "embed")
        if scheduled is None:
            return
        m, keep = scheduled
        self._load(m, keep, body.get("options") or {})
        inputs = body.get("input")
        items = [] if inputs in (None, "", []) else (inputs if isinstance(inputs, list) else [inputs])
        vectors = [[round((hash(str(i)) % 1000) / 1000.0, 3)] * 8 for i in items]
        self._json(
            200,
            {
                "model": m.name,
                "embeddings": vectors,
                "total_duration": 1_000_000,
                "load_duration": 500_000,
                "prompt_eval_count": len(items),
            },
        )

    # -- control -----------------------------------------------------------

    def _control(self, method: str, path: str) -> None:
        try:
            body = self._body() if method in ("POST", "DELETE") else None
        except ValueError:
            self._json(400, {"error": "bad json"})
            return
        body = body or {}
        state = self.state
        with state.lock:
            if (method, path) == ("GET", "/_emulator/stats"):
                self._json(200, {"requests": dict(state.requests)})
            elif (method, path) == ("POST", "/_emulator/stats/reset"):
                state.requests.clear()
                self._json(200, {"requests": {}})
            elif (method, path) == ("POST", "/_emulator/reset"):
                state.reset()
                self._json(200, {"reset": True})
            elif (method, path) == ("POST", "/_emulator/faults"):
                faults = body if isinstance(body, list) else [body]
                state.faults.extend(Fault(f) for f in faults)
                self._json(200, {"faults": len(state.faults)})
            elif (method, path) == ("DELETE", "/_emulator/faults"):
                state.faults.clear()
                self._json(200, {"faults": 0})
            elif (method, path) == ("POST", "/_emulator/publish"):
                remote = state.remote(parse_name(str(body["model"])))
                if remote is None:
                    self._json(404, {"error": "not in the emulated registry"})
                    return
                remote.revision += 1
                self._json(200, {"model": remote.name, "digest": sha(remote.manifest())})
            elif (method, path) == ("POST", "/_emulator/registry"):
                remote = state.add_remote(str(body["model"]), int(body["size"]), embed=bool(body.get("embedding")))
                self._json(200, {"model": remote.name, "digest": sha(remote.manifest())})
            elif (method, path) == ("POST", "/_emulator/seed"):
                for raw in body.get("models", []):
                    name = parse_name(raw)
                    remote = state.remote(name)
                    if remote is None:
                        self._json(404, {"error": f"{raw} not in the emulated registry"})
                        return
                    state.install(name, remote, shortest(name))
                self._json(200, {"models": len(state.models)})
            elif (method, path) == ("POST", "/_emulator/settings"):
                if "progress_step" in body:
                    state.progress_step = int(body["progress_step"])
                if "default_keep_alive" in body:
                    state.default_keep_alive = float(body["default_keep_alive"])
                if "vram" in body:
                    state.vram = int(body["vram"])
                if "unload_delay" in body:
                    state.unload_delay = float(body["unload_delay"])
                if "timing" in body:
                    try:
                        state.timing.update(dict(body["timing"]))
                    except (TypeError, ValueError) as exc:
                        self._json(400, {"error": str(exc)})
                        return
                self._json(
                    200,
                    {
                        "progress_step": state.progress_step,
                        "default_keep_alive": state.default_keep_alive,
                        "vram": state.vram,
                        "unload_delay": state.unload_delay,
                        "timing": state.timing.as_dict(),
                    },
                )
            else:
                self._json(404, {"error": f"unknown control endpoint {method} {path}"})


class EmulatorServer(BackgroundServer):
    """The emulator on ``host:port`` (0: a free port); ``with EmulatorServer() as srv:`` serves inside the block."""

    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: State | None = None, verbose: bool = False):
        self.state = state or State()
        self.verbose = verbose
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        super().__init__((host, port), handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ollama API emulator (test double, not Ollama)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--progress-step", type=int, default=0, help="bytes per progress line (0: 20 lines a layer)")
    parser.add_argument("--seed", action="append", default=[], help="model installed at start (repeatable)")
    parser.add_argument("--vram", type=int, default=0, help="bytes of emulated GPU memory (0: CPU-only host)")
    parser.add_argument(
        "--unload-delay", type=float, default=0.5, help="seconds an expired model stays in /api/ps (unload is async)"
    )
    parser.add_argument("--num-parallel", type=int, default=1, help="slots per loaded model (OLLAMA_NUM_PARALLEL)")
    parser.add_argument("--token-rate", type=float, default=0.0, help="tokens/s generated (0: instant fixed answer)")
    parser.add_argument("--prompt-rate", type=float, default=0.0, help="prompt tokens/s processed (0: instant)")
    parser.add_argument("--load-seconds", type=float, default=0.0, help="seconds to load a model not yet running")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    state = State(args.progress_step, vram=args.vram, unload_delay=args.unload_delay)
    state.timing.update(
        {
            "num_parallel": args.num_parallel,
            "token_rate": args.token_rate,
            "prompt_rate": args.prompt_rate,
            "load_seconds": args.load_seconds,
        }
    )
    server = EmulatorServer(args.host, args.port, state, args.verbose)
    for raw in args.seed:
        name = parse_name(raw)
        remote = server.state.remote(name)
        if remote is None:
            parser.error(f"--seed {raw}: not in the emulated registry")
        server.state.install(name, remote, shortest(name))
    if args.port_file:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(str(server.server_address[1]))
        os.replace(args.port_file + ".tmp", args.port_file)
    sys.stderr.write(f"ollama emulator (test double) listening on {server.url}\n")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
