"""The monitoring role's Ollama exporter against the Ollama API emulator (a test double), over real HTTP.

The exporter runs as its own HTTP server here too, and /metrics is read the way
Prometheus reads it, then parsed line by line.
"""

from __future__ import annotations

import importlib.util
import json
import re
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "emulators" / "ollama"))
import ollama_emulator as emu

_SPEC = importlib.util.spec_from_file_location("ollama_exporter", ROOT / "roles/monitoring/files/ollama_exporter.py")
assert _SPEC is not None and _SPEC.loader is not None
exporter_mod = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(exporter_mod)

_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _server(vram: int = 0) -> emu.EmulatorServer:
    return emu.EmulatorServer(state=emu.State(vram=vram, unload_delay=0.2))


@pytest.fixture
def primary() -> Iterator[emu.EmulatorServer]:
    with _server(vram=5_800_000_000) as srv:
        yield srv


@pytest.fixture
def standalone() -> Iterator[emu.EmulatorServer]:
    with _server() as srv:
        yield srv


def api(server: emu.EmulatorServer, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method="GET" if body is None else "POST")
    with urllib.request.urlopen(request) as response:
        raw = response.read()
    return json.loads(raw) if raw.strip() else None


def seed(server: emu.EmulatorServer, *names: str) -> None:
    for name in names:
        api(server, "/api/pull", {"model": name, "stream": False})


def serve(exporter: Any) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), exporter_mod.make_handler(exporter))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def scrape(url: str) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    with urllib.request.urlopen(url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = _LINE.match(line)
        assert match, f"not an exposition line: {line!r}"
        name, labels, value = match.groups()
        key = tuple(sorted(_LABEL.findall(labels or "")))
        samples[(name, key)] = float(value)
    return text, samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    assert key in samples, f"{name}{labels} missing; have {sorted(k for k in samples if k[0] == name)}"
    return samples[key]


def make(instances: list[dict[str, Any]], **extra: Any) -> Any:
    return exporter_mod.Exporter({"instances": instances, "timeout": 2, **extra})


def test_loaded_models_memory_vram_and_expiry(primary: emu.EmulatorServer, standalone: emu.EmulatorServer) -> None:
    seed(primary, "llama3.1:8b", "tinyllama", "mistral:7b")
    seed(standalone, "llama3.1:8b")
    before = time.time()
    api(primary, "/api/generate", {"model": "llama3.1:8b", "prompt": "", "keep_alive": "10m"})
    api(primary, "/api/generate", {"model": "tinyllama", "prompt": "", "keep_alive": -1})
    exporter = make(
        [
            {"name": "primary", "url": primary.url, "hot_models": ["llama3.1:8b", "mistral:7b"]},
            {"name": "standalone", "url": standalone.url},
        ]
    )
    httpd, url = serve(exporter)
    try:
        text, samples = scrape(url)
    finally:
        httpd.shutdown()
        httpd.server_close()
    ps = {m["name"]: m for m in api(primary, "/api/ps")["models"]}
    tags = {m["name"]: m for m in api(primary, "/api/tags")["models"]}
    assert value(samples, "ollama_up", instance_name="primary") == 1
    assert value(samples, "ollama_up", instance_name="standalone") == 1
    assert value(samples, "ollama_models_installed", instance_name="primary") == 3
    assert value(samples, "ollama_models_installed", instance_name="standalone") == 1
    assert value(samples, "ollama_models_loaded", instance_name="primary") == 2
    assert value(samples, "ollama_models_loaded", instance_name="standalone") == 0
    for name in ("llama3.1:8b", "tinyllama:latest"):
        labels = {"instance_name": "primary", "model": name}
        assert value(samples, "ollama_model_memory_bytes", **labels) == ps[name]["size"]
        assert value(samples, "ollama_model_vram_bytes", **labels) == ps[name]["size_vram"]
        assert value(samples, "ollama_model_context_length", **labels) == ps[name]["context_length"]
    # The emulated 5.8 GB GPU holds the first model whole and part of the second.
    assert ps["llama3.1:8b"]["size_vram"] == ps["llama3.1:8b"]["size"]
    assert 0 < ps["tinyllama:latest"]["size_vram"] < ps["tinyllama:latest"]["size"]
    assert (
        value(samples, "ollama_model_installed_bytes", instance_name="primary", model="mistral:7b")
        == (tags["mistral:7b"]["size"])
    )
    expiry = value(samples, "ollama_model_expiry_timestamp_seconds", instance_name="primary", model="llama3.1:8b")
    assert before + 590 < expiry < time.time() + 610
    forever = value(samples, "ollama_model_expiry_timestamp_seconds", instance_name="primary", model="tinyllama:latest")
    assert forever > time.time() + 100 * 365 * 86400
    assert value(samples, "ollama_hot_model_loaded", instance_name="primary", model="llama3.1:8b") == 1
    assert value(samples, "ollama_hot_model_loaded", instance_name="primary", model="mistral:7b") == 0
    info = [k for k in samples if k[0] == "ollama_model_loaded_info"]
    assert len(info) == 2
    assert ("quantization", "Q4_K_M") in next(k[1] for k in info if ("model", "llama3.1:8b") in k[1])
    assert value(samples, "ollama_scrape_errors_total", instance_name="primary", endpoint="/api/ps") == 0
    # Every metric written is declared once, with HELP and TYPE.
    for name in {k[0] for k in samples}:
        assert name in exporter_mod.METRICS
        assert text.count(f"# TYPE {name} ") == 1


def test_an_instance_that_is_down_or_failing_is_reported(primary: emu.EmulatorServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    api(primary, "/_emulator/faults", {"kind": "status", "endpoint": "/api/tags", "status": 500, "times": 1})
    exporter = make([{"name": "primary", "url": primary.url}, {"name": "gone", "url": dead}])
    samples = {(s[0], tuple(sorted(s[1].items()))): s[2] for s in exporter.samples()}
    assert value(samples, "ollama_up", instance_name="gone") == 0
    assert value(samples, "ollama_up", instance_name="primary") == 0
    assert value(samples, "ollama_scrape_errors_total", instance_name="primary", endpoint="/api/tags") == 1
    assert value(samples, "ollama_scrape_errors_total", instance_name="primary", endpoint="/api/ps") == 0
    assert value(samples, "ollama_scrape_errors_total", instance_name="gone", endpoint="/api/ps") == 1
    assert ("ollama_models_installed", (("instance_name", "primary"),)) not in samples
    # The fault was one-shot: the next scrape finds the instance up, the counter keeps its count.
    samples = {(s[0], tuple(sorted(s[1].items()))): s[2] for s in exporter.samples()}
    assert value(samples, "ollama_up", instance_name="primary") == 1
    assert value(samples, "ollama_scrape_errors_total", instance_name="primary", endpoint="/api/tags") == 1
    assert value(samples, "ollama_scrape_errors_total", instance_name="gone", endpoint="/api/ps") == 2


def test_hot_models_missing_from_memory_are_loaded_timed_and_failures_counted(primary: emu.EmulatorServer) -> None:
    seed(primary, "llama3.1:8b")
    api(primary, "/_emulator/faults", {"kind": "delay", "endpoint": "/api/generate", "seconds": 0.3, "times": 1})
    exporter = make(
        [{"name": "primary", "url": primary.url, "hot_models": ["llama3.1:8b", "mistral:7b"]}],
        reload_hot=True,
        hot_keep_alive="24h",
    )
    done = exporter.reload_missing()
    # llama3.1:8b loads; mistral:7b is not installed, so Ollama refuses to load it (404).
    assert done == [("primary", "llama3.1:8b", True), ("primary", "mistral:7b", False)]
    ps = api(primary, "/api/ps")["models"]
    assert [m["name"] for m in ps] == ["llama3.1:8b"]
    expires = exporter_mod.parse_time(ps[0]["expires_at"])
    assert expires is not None and abs(expires - (time.time() + 86400)) < 60
    samples = {(s[0], tuple(sorted(s[1].items()))): s[2] for s in exporter.samples()}
    labels = {"instance_name": "primary", "model": "llama3.1:8b"}
    assert value(samples, "ollama_model_loads_total", **labels) == 1
    assert value(samples, "ollama_model_load_failures_total", **labels) == 0
    assert 0.3 <= value(samples, "ollama_model_load_duration_seconds", **labels) < 5
    assert value(samples, "ollama_model_load_failures_total", instance_name="primary", model="mistral:7b") == 1
    assert value(samples, "ollama_hot_model_loaded", **labels) == 1
    # A loaded hot model is left alone.
    requests = api(primary, "/_emulator/stats")["requests"].get("POST /api/generate", 0)
    assert exporter.reload_missing() == [("primary", "mistral:7b", False)]
    assert api(primary, "/_emulator/stats")["requests"].get("POST /api/generate", 0) == requests + 1


def test_reading_only_never_loads(primary: emu.EmulatorServer) -> None:
    seed(primary, "llama3.1:8b")
    exporter = make([{"name": "primary", "url": primary.url, "hot_models": ["llama3.1:8b"]}])
    httpd, url = serve(exporter)
    try:
        _text, samples = scrape(url)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert value(samples, "ollama_hot_model_loaded", instance_name="primary", model="llama3.1:8b") == 0
    assert "POST /api/generate" not in api(primary, "/_emulator/stats")["requests"]


def test_go_times_and_rendering() -> None:
    assert exporter_mod.parse_time("2026-01-02T03:04:05.123456789Z") == pytest.approx(1767323045.123456789)
    assert exporter_mod.parse_time("2026-01-02T04:04:05+01:00") == 1767323045
    assert exporter_mod.parse_time("soon") is None
    text = exporter_mod.render(
        [("ollama_up", {"instance_name": 'a"b\\c\nd'}, 1.0), ("ollama_scrape_duration_seconds", {}, 0.25)]
    )
    assert 'ollama_up{instance_name="a\\"b\\\\c\\nd"} 1\n' in text
    assert "ollama_scrape_duration_seconds 0.25\n" in text
    with pytest.raises(ValueError, match="instances"):
        exporter_mod.Exporter({"instances": []})
