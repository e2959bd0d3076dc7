# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus exporter for Ollama instances (Python standard library only).

Ollama has no Prometheus endpoint. On every scrape of ``/metrics`` this
exporter asks each configured instance for ``GET /api/ps`` (the models in
memory: size, VRAM part, expiry, context) and ``GET /api/tags`` (the models
on disk), and answers in the Prometheus text format.

Hot models (the inventory's ``tier: hot``) are meant to stay in memory. With
``reload_hot`` set, a background loop loads a hot model that is missing from
``/api/ps`` the way the collection's ``models`` role does (an empty
``/api/generate`` with the hot keep_alive), times the load, and counts
failures: that is where the model load time and the "model failing to load"
alert come from. Without it the exporter only reads.

Configuration: a JSON file (``--config``)::

    {"instances": [{"name": "primary", "url": "http://ollama:11434", "hot_models": ["llama3.1:8b"]}],
     "timeout": 5, "reload_hot": true, "hot_keep_alive": "24h", "reload_interval": 60}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_PORT = 9877
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Every metric this exporter writes: name -> (type, help). The dashboard and the
# alert rules may use only these (a contract test checks it).
METRICS: dict[str, tuple[str, str]] = {
    "ollama_up": ("gauge", "1 when the instance answered /api/ps and /api/tags in this scrape, else 0."),
    "ollama_scrape_duration_seconds": ("gauge", "Seconds the instance took to answer this scrape."),
    "ollama_scrape_errors_total": ("counter", "Failed requests to the instance, by endpoint."),
    "ollama_models_installed": ("gauge", "Models on disk (/api/tags)."),
    "ollama_model_installed_bytes": ("gauge", "Size on disk of each installed model (/api/tags size)."),
    "ollama_models_loaded": ("gauge", "Models in memory (/api/ps)."),
    "ollama_model_loaded_info": ("gauge", "1 per model in memory, with its details as labels (/api/ps)."),
    "ollama_model_memory_bytes": ("gauge", "Memory of each loaded model, weights and KV cache (/api/ps size)."),
    "ollama_model_vram_bytes": ("gauge", "Part of each loaded model in GPU memory (/api/ps size_vram)."),
    "ollama_model_expiry_timestamp_seconds": ("gauge", "When each loaded model is unloaded (/api/ps expires_at)."),
    "ollama_model_context_length": ("gauge", "Context length each loaded model runs with (/api/ps)."),
    "ollama_hot_model_loaded": ("gauge", "1 when a hot model of the instance is in memory, 0 when it is not."),
    "ollama_model_load_duration_seconds": ("gauge", "Seconds the exporter's last load of a hot model took."),
    "ollama_model_loads_total": ("counter", "Loads of hot models the exporter made."),
    "ollama_model_load_failures_total": ("counter", "Loads of hot models that failed (Ollama answered an error)."),
}

_GO_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


class OllamaError(Exception):
    """An instance did not answer as expected."""


def parse_time(text: str) -> float | None:
    """Unix seconds of a Go RFC 3339 time (nanoseconds allowed); None if not one."""
    match = _GO_TIME.match(text or "")
    if not match:
        return None
    base, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    stamp = dt.datetime.fromisoformat(base + zone).timestamp()
    return stamp + (float("0" + fraction) if fraction else 0.0)


def get_json(url: str, timeout: float, body: dict[str, Any] | None = None) -> Any:
    """GET (or POST ``body``) ``url`` and decode the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http to the cluster)
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:200]
        raise OllamaError(f"{url}: HTTP {exc.code} {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise OllamaError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise OllamaError(f"{url}: answer is not JSON") from None


class Exporter:
    """The exporter's state: configuration, counters, last loads."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.instances: list[dict[str, Any]] = []
        for entry in config.get("instances") or []:
            self.instances.append(
                {
                    "name": str(entry["name"]),
                    "url": str(entry["url"]).rstrip("/"),
                    "hot_models": [str(m) for m in entry.get("hot_models") or []],
                }
            )
        if not self.instances:
            raise ValueError("config: instances must list at least one {name, url}")
        self.timeout = float(config.get("timeout", 5))
        self.load_timeout = float(config.get("load_timeout", 600))
        self.reload_hot = bool(config.get("reload_hot", False))
        self.hot_keep_alive = config.get("hot_keep_alive", "24h")
        self.lock = threading.Lock()
        self.errors: dict[tuple[str, str], int] = {}
        self.loads: dict[tuple[str, str], int] = {}
        self.load_failures: dict[tuple[str, str], int] = {}
        self.load_seconds: dict[tuple[str, str], float] = {}
        for inst in self.instances:
            for endpoint in ("/api/ps", "/api/tags"):
                self.errors[(inst["name"], endpoint)] = 0
            for model in inst["hot_models"]:
                self.loads[(inst["name"], model)] = 0
                self.load_failures[(inst["name"], model)] = 0

    def _fetch(self, inst: dict[str, Any], endpoint: str) -> list[dict[str, Any]] | None:
        try:
            data = get_json(inst["url"] + endpoint, self.timeout)
            models = data.get("models") if isinstance(data, dict) else None
            if not isinstance(models, list):
                raise OllamaError(f"{inst['url']}{endpoint}: no models list in the answer")
            return [m for m in models if isinstance(m, dict)]
        except OllamaError as exc:
            with self.lock:
                self.errors[(inst["name"], endpoint)] += 1
            sys.stderr.write(f"ollama_exporter: {inst['name']}: {exc}\n")
            return None

    def loaded_names(self, inst: dict[str, Any]) -> set[str] | None:
        """Names of the models in memory, or None when /api/ps failed."""
        running = self._fetch(inst, "/api/ps")
        return None if running is None else _names(running)

    def load(self, inst: dict[str, Any], model: str) -> bool:
        """Load ``model`` (an empty generate request), timing it; True when it loaded."""
        key = (inst["name"], model)
        start = time.monotonic()
        try:
            get_json(
                inst["url"] + "/api/generate",
                self.load_timeout,
                {"model": model, "prompt": "", "keep_alive": self.hot_keep_alive, "stream": False},
            )
        except OllamaError as exc:
            with self.lock:
                self.load_failures[key] += 1
            sys.stderr.write(f"ollama_exporter: {inst['name']}: loading {model} failed: {exc}\n")
            return False
        with self.lock:
            self.loads[key] += 1
            self.load_seconds[key] = time.monotonic() - start
        return True

    def reload_missing(self) -> list[tuple[str, str, bool]]:
        """Load every hot model missing from /api/ps; [(instance, model, loaded)]."""
        done = []
        for inst in self.instances:
            if not inst["hot_models"]:
                continue
            loaded = self.loaded_names(inst)
            if loaded is None:
                continue
            for model in inst["hot_models"]:
                if not _is_loaded(model, loaded):
                    done.append((inst["name"], model, self.load(inst, model)))
        return done

    def samples(self) -> list[tuple[str, dict[str, str], float]]:
        """Every sample of one scrape: (metric, labels, value)."""
        out: list[tuple[str, dict[str, str], float]] = []
        for inst in self.instances:
            name = inst["name"]
            start = time.monotonic()
            running = self._fetch(inst, "/api/ps")
            installed = self._fetch(inst, "/api/tags")
            up = running is not None and installed is not None
            out.append(("ollama_up", {"instance_name": name}, 1.0 if up else 0.0))
            out.append(("ollama_scrape_duration_seconds", {"instance_name": name}, time.monotonic() - start))
            if installed is not None:
                out.append(("ollama_models_installed", {"instance_name": name}, float(len(installed))))
                for m in installed:
                    out.append(
                        ("ollama_model_installed_bytes", {"instance_name": name, "model": _name(m)}, _num(m, "size"))
                    )
            if running is not None:
                out.append(("ollama_models_loaded", {"instance_name": name}, float(len(running))))
                for m in running:
                    labels = {"instance_name": name, "model": _name(m)}
                    details = m.get("details") if isinstance(m.get("details"), dict) else {}
                    info = dict(
                        labels,
                        digest=str(m.get("digest") or ""),
                        family=str(details.get("family") or ""),
                        parameter_size=str(details.get("parameter_size") or ""),
                        quantization=str(details.get("quantization_level") or ""),
                    )
                    out.append(("ollama_model_loaded_info", info, 1.0))
                    out.append(("ollama_model_memory_bytes", labels, _num(m, "size")))
                    out.append(("ollama_model_vram_bytes", labels, _num(m, "size_vram")))
                    expiry = parse_time(str(m.get("expires_at") or ""))
                    if expiry is not None:
                        out.append(("ollama_model_expiry_timestamp_seconds", labels, expiry))
                    if "context_length" in m:
                        out.append(("ollama_model_context_length", labels, _num(m, "context_length")))
                names = _names(running)
                for model in inst["hot_models"]:
                    value = 1.0 if _is_loaded(model, names) else 0.0
                    out.append(("ollama_hot_model_loaded", {"instance_name": name, "model": model}, value))
        with self.lock:
            for (name, endpoint), count in sorted(self.errors.items()):
                out.append(("ollama_scrape_errors_total", {"instance_name": name, "endpoint": endpoint}, float(count)))
            for (name, model), count in sorted(self.loads.items()):
                labels = {"instance_name": name, "model": model}
                out.append(("ollama_model_loads_total", labels, float(count)))
                out.append(("ollama_model_load_failures_total", labels, float(self.load_failures[(name, model)])))
            for (name, model), seconds in sorted(self.load_seconds.items()):
                out.append(("ollama_model_load_duration_seconds", {"instance_name": name, "model": model}, seconds))
        return out


def _num(model: dict[str, Any], key: str) -> float:
    value = model.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _name(model: dict[str, Any]) -> str:
    return str(model.get("name") or model.get("model") or "")


def _names(models: list[dict[str, Any]]) -> set[str]:
    return {_name(m) for m in models} | {str(m.get("model") or "") for m in models}


def _is_loaded(model: str, names: set[str]) -> bool:
    """Whether ``model`` is among ``names`` (a name without a tag means ``:latest``)."""
    wanted = model if ":" in model.rsplit("/", 1)[-1] else model + ":latest"
    return model in names or wanted in names


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def render(samples: list[tuple[str, dict[str, str], float]]) -> str:
    """The Prometheus text exposition of ``samples`` (grouped per metric, HELP and TYPE once)."""
    lines: list[str] = []
    for metric, (kind, text) in METRICS.items():
        rows = [s for s in samples if s[0] == metric]
        if not rows:
            continue
        lines.append(f"# HELP {metric} {text}")
        lines.append(f"# TYPE {metric} {kind}")
        for _metric, labels, value in rows:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            lines.append(f"{metric}{{{label_text}}} {_value(value)}" if label_text else f"{metric} {_value(value)}")
    return "\n".join(lines) + "\n"


def make_handler(exporter: Exporter) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                body = render(exporter.samples()).encode()
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE)
            elif path in ("/", "/healthz"):
                body = b"ollama exporter: see /metrics\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            else:
                body = b"not found\n"
                self.send_response(404)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def reload_loop(exporter: Exporter, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        exporter.reload_missing()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Prometheus exporter for Ollama's /api/ps and /api/tags")
    parser.add_argument("--config", required=True, help="JSON configuration file")
    parser.add_argument("--listen", default="0.0.0.0")  # noqa: S104 (a pod's port)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as handle:
        config = json.load(handle)
    exporter = Exporter(config)
    stop = threading.Event()
    if exporter.reload_hot:
        interval = float(config.get("reload_interval", 60))
        threading.Thread(target=reload_loop, args=(exporter, interval, stop), daemon=True).start()
    server = ThreadingHTTPServer((args.listen, args.port), make_handler(exporter))
    sys.stderr.write(f"ollama_exporter: listening on {args.listen}:{args.port}\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
