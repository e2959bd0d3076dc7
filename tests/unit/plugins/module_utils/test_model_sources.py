"""Unit tests for _model_sources.py and _model_registry.py over real HTTP on loopback.

The registry is tests/emulators/ollama/registry.py (a test double of the
registry's manifest/blob API with ranges and faults); the Ollama instance is a
small /api/show + /api/tags stub below, answering from a real GGUF header the
way Ollama does (arrays null unless ``verbose``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _gguf as g
from ansible_collections.aistack.baremetal.plugins.module_utils import _model_sources as s
from ansible_collections.aistack.baremetal.plugins.module_utils._model_registry import RegistryClient
from ansible_collections.aistack.baremetal.tests.unit import gguf_models as gm

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "emulators" / "ollama"))
import registry as emu

MODEL = "application/vnd.ollama.image.model"
PROJECTOR = "application/vnd.ollama.image.projector"


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    out = {name: gm.cached_model(name).read_bytes() for name in gm.MODELS}
    out["llama-full"] = gm.cached_model("llama3.1:8b", small_vocab=False).read_bytes()
    return out


@pytest.fixture
def registry() -> Iterator[emu.RegistryServer]:
    with emu.RegistryServer() as server:
        yield server


def _source(
    server: emu.RegistryServer,
    cache: s.FactCache | None = None,
    initial: int = 2 << 20,
    limit: int = 64 << 20,
    **kw: Any,
) -> tuple[s.RegistrySource, dict[str, RegistryClient]]:
    clients: dict[str, RegistryClient] = {}

    def client_for(name: s.ModelName) -> RegistryClient:
        base = s.registry_base(name, server.url)
        clients.setdefault(base, RegistryClient(base, retry_delay=0, timeout=5, **kw))
        return clients[base]

    return s.RegistrySource(client_for, cache or s.FactCache(None), initial, limit), clients


def _blob_requests(server: emu.RegistryServer) -> list[tuple[str, str, str | None]]:
    return [r for r in server.registry.requests if r[1].startswith("/cdn/") or "/blobs/" in r[1]]


def _describe(name: str, *sources: Any) -> dict[str, Any]:
    return s.describe_one(name, s.ModelName.parse(name), list(sources))


# -- registry ----------------------------------------------------------------


def test_registry_reads_only_the_header_with_growing_ranges(
    registry: emu.RegistryServer, files: dict[str, bytes], tmp_path: Path
) -> None:
    blob = files["llama-full"] + b"\x00" * (3 << 20)  # tensor data after the header that must not be read
    manifest = registry.registry.add_model("library", "llama3.1", "8b", [(MODEL, blob)])
    cache = s.FactCache(str(tmp_path / "cache"))
    source, clients = _source(registry, cache)
    result = _describe("llama3.1:8b", source)
    assert result["estimated"] is True and result["source"] == "registry" and result["cached"] is False
    facts = result["facts"]
    assert (facts["architecture"], facts["block_count"], facts["vocab_size"]) == ("llama", 32, 128256)
    assert facts["size_bytes"] == len(blob) + manifest["config"]["size"] and facts["model_bytes"] == len(blob)
    ranges = [r[2] for r in registry.registry.requests if r[1].startswith("/cdn/")]
    assert ranges == ["bytes=0-2097151", "bytes=2097152-4194303", "bytes=4194304-8388607"]
    # the blob answer is a redirect to the CDN, followed with the Range header kept
    assert [r[1].split("/")[-2] for r in registry.registry.requests if "/blobs/" in r[1]] == ["blobs"] * 3
    assert clients[registry.url].range_ignored is False
    digest = manifest["layers"][0]["digest"]
    entry = json.loads((tmp_path / "cache" / (digest.replace(":", "-") + ".json")).read_text())
    assert entry["digest"] == digest and entry["facts"]["block_count"] == 32

    # second run: the manifest is read again, the blob not at all
    before = len(_blob_requests(registry))
    again = _describe("llama3.1:8b", _source(registry, cache)[0])
    assert again["cached"] is True and again["facts"]["block_count"] == 32
    assert len(_blob_requests(registry)) == before


def test_registry_that_ignores_range_is_read_only_as_far_as_needed(
    registry: emu.RegistryServer, files: dict[str, bytes]
) -> None:
    blob = files["gemma3:12b"] + os.urandom(8 << 20)
    registry.registry.add_model("library", "gemma3", "12b", [(MODEL, blob)])
    registry.registry.ignore_range = True
    source, clients = _source(registry, initial=4096)
    result = _describe("gemma3:12b", source)
    assert result["estimated"] is True and result["facts"]["sliding_window"] == 1024
    assert clients[registry.url].range_ignored is True
    # every answer was a 200 with the whole 8 MiB blob; the client read a few KiB of each and closed
    assert len([r for r in registry.registry.requests if r[1].startswith("/cdn/")]) <= 6


def test_dropped_connections_resume_where_they_stopped(registry: emu.RegistryServer, files: dict[str, bytes]) -> None:
    registry.registry.add_model("library", "llama3.1", "8b", [(MODEL, files["llama-full"])])
    registry.registry.drop_after, registry.registry.drops = 500_000, 3
    source, _clients = _source(registry, retries=3)
    result = _describe("llama3.1:8b", source)
    assert result["estimated"] is True and result["facts"]["vocab_size"] == 128256
    starts = [int(r[2].split("=")[1].split("-")[0]) for r in registry.registry.requests if r[1].startswith("/cdn/")]
    assert starts[:4] == [0, 500_000, 1_000_000, 1_500_000]


def test_connection_that_keeps_dropping_fails_naming_the_url(
    registry: emu.RegistryServer, files: dict[str, bytes]
) -> None:
    manifest = registry.registry.add_model("library", "llama3.1", "8b", [(MODEL, files["llama-full"])])
    registry.registry.drop_after, registry.registry.drops = 1000, 100
    source, _clients = _source(registry, retries=2)
    result = _describe("llama3.1:8b", source)
    assert result["estimated"] is False
    url = "%s/v2/library/llama3.1/blobs/%s" % (registry.url, manifest["layers"][0]["digest"])
    assert "failed after 3 attempts" in result["reason"] and url in result["reason"]
    assert "connection closed after 1000 of" in result["reason"]


def test_server_errors_are_retried(registry: emu.RegistryServer, files: dict[str, bytes]) -> None:
    registry.registry.add_model("library", "qwen3", "30b", [(MODEL, files["qwen3:30b"])])
    registry.registry.fail_status = (503, 2)
    result = _describe("qwen3:30b", _source(registry, retries=3)[0])
    assert result["estimated"] is True and result["facts"]["expert_count"] == 128


def test_unknown_model_and_unknown_tag(registry: emu.RegistryServer) -> None:
    result = _describe("nosuchmodel:1b", _source(registry)[0])
    assert result["estimated"] is False and result["source"] is None
    assert (
        "HTTP 404 (manifest unknown)" in result["reason"] and "/v2/library/nosuchmodel/manifests/1b" in result["reason"]
    )
    assert "url" in result["reason"] and "artifact_dir" in result["reason"]  # says what to provide


def test_manifest_without_gguf_layer(registry: emu.RegistryServer) -> None:
    registry.registry.add_model("library", "flux", "latest", [("application/vnd.ollama.image.tensor", b"x")])
    result = _describe("flux", _source(registry)[0])
    assert "has no GGUF model layer" in result["reason"] and "image.tensor" in result["reason"]


def test_blob_that_is_not_gguf(registry: emu.RegistryServer) -> None:
    registry.registry.add_model("library", "odd", "latest", [(MODEL, b'{"not": "gguf"}' * 10)])
    result = _describe("odd", _source(registry)[0])
    assert result["estimated"] is False and "not a GGUF file" in result["reason"]


def test_header_larger_than_the_limit(registry: emu.RegistryServer, files: dict[str, bytes]) -> None:
    registry.registry.add_model("library", "llama3.1", "8b", [(MODEL, files["llama-full"])])
    result = _describe("llama3.1:8b", _source(registry, initial=1 << 20, limit=2 << 20)[0])
    assert "larger than the read limit of 2097152 bytes" in result["reason"]
    assert max(int(r[2].split("-")[1]) for r in _blob_requests(registry) if r[2]) < 2 << 20


def test_projector_and_token_stay_with_the_registry(registry: emu.RegistryServer, files: dict[str, bytes]) -> None:
    registry.registry.add_model("library", "gemma3", "12b", [(MODEL, files["gemma3:12b"]), (PROJECTOR, b"p" * 1000)])
    registry.registry.require_token = "sekrit"
    registry.registry.cdn_rejects_auth = True
    denied = _describe("gemma3:12b", _source(registry)[0])
    assert denied["estimated"] is False and "HTTP 401" in denied["reason"]
    result = _describe("gemma3:12b", _source(registry, token="sekrit")[0])
    assert result["estimated"] is True and result["facts"]["projector_bytes"] == 1000
    assert "sekrit" not in json.dumps(result)


def test_unreachable_registry_is_not_asked_again(files: dict[str, bytes]) -> None:
    clients: dict[str, RegistryClient] = {}

    def client_for(name: s.ModelName) -> RegistryClient:
        return clients.setdefault("x", RegistryClient("http://127.0.0.1:9", retries=1, retry_delay=0, timeout=2))

    source = s.RegistrySource(client_for, s.FactCache(None), 4096, 1 << 20)
    first = _describe("a", source)
    second = _describe("b", source)
    assert "failed after 2 attempts" in first["reason"]
    assert "not asked again" in second["reason"] and clients["x"].requests == 2


def test_registry_base_for_names() -> None:
    assert s.registry_base(s.ModelName.parse("llama3.1"), "http://mirror:5000/") == "http://mirror:5000"
    assert s.registry_base(s.ModelName.parse("hf.co/bartowski/X-GGUF:Q4_K_M"), "http://mirror") == "https://hf.co"
    assert s.registry_base(s.ModelName.parse("http://localhost:5000/ns/m:v1"), None) == "http://localhost:5000"


# -- artifact directory --------------------------------------------------------


def _store(root: Path, host: str, ns: str, model: str, tag: str, blob: bytes, write_blob: bool = True) -> str:
    digest = emu.digest_of(blob)
    if write_blob:
        (root / "blobs").mkdir(parents=True, exist_ok=True)
        (root / "blobs" / digest.replace(":", "-")).write_bytes(blob)
    path = root / "manifests" / host / ns / model
    path.mkdir(parents=True, exist_ok=True)
    manifest = {
        "schemaVersion": 2,
        "config": {"mediaType": emu.CONFIG_TYPE, "digest": emu.digest_of(b"{}"), "size": 2},
        "layers": [{"mediaType": MODEL, "digest": digest, "size": len(blob)}],
    }
    (path / tag).write_text(json.dumps(manifest))
    return digest


def test_ollama_store_in_artifact_dir(tmp_path: Path, files: dict[str, bytes]) -> None:
    store = tmp_path / "art" / "models"  # artifact_dir/models/{manifests,blobs} is found too
    digest = _store(store, "registry.ollama.ai", "library", "Qwen3", "30B", files["qwen3:30b"])
    cache = s.FactCache(str(tmp_path / "cache"))
    source = s.ArtifactSource(str(tmp_path / "art"), {}, cache, 4096, 1 << 20)
    result = _describe("qwen3:30b", source)  # the store kept the case of the first pull
    assert result["estimated"] is True and result["source"] == "artifact" and result["digest"] == digest
    assert result["facts"]["expert_used_count"] == 8
    assert result["location"] == str(store / "blobs" / digest.replace(":", "-"))
    assert (tmp_path / "cache" / (digest.replace(":", "-") + ".json")).is_file()
    missing = _describe("qwen3:235b", source)
    assert "no manifest for qwen3:235b under" in missing["reason"]


def test_store_with_missing_blob_and_gguf_files(tmp_path: Path, files: dict[str, bytes]) -> None:
    _store(tmp_path, "registry.ollama.ai", "library", "gpt-oss", "20b", files["gpt-oss:20b"], write_blob=False)
    (tmp_path / "ds.gguf").write_bytes(files["deepseek-v2:16b"])
    source = s.ArtifactSource(
        str(tmp_path), {"deepseek-v2:16b": "ds.gguf", "x:1": "/nope.gguf"}, s.FactCache(None), 64, 1 << 20
    )
    assert "which is missing" in _describe("gpt-oss:20b", source)["reason"]
    result = _describe("deepseek-v2:16b", source)
    assert result["estimated"] is True and result["location"] == str(tmp_path / "ds.gguf")
    assert result["facts"]["leading_dense_block_count"] == 1
    assert "/nope.gguf does not exist" in _describe("x:1", source)["reason"]


def test_truncated_blob_in_the_store(tmp_path: Path, files: dict[str, bytes]) -> None:
    digest = _store(tmp_path, "registry.ollama.ai", "library", "cut", "latest", files["gemma3:12b"])
    (tmp_path / "blobs" / digest.replace(":", "-")).write_bytes(files["gemma3:12b"][:1000])
    result = _describe("cut", s.ArtifactSource(str(tmp_path), {}, s.FactCache(None), 1024, 1 << 20))
    assert result["estimated"] is False and "truncated GGUF header" in result["reason"]


# -- the fact cache ------------------------------------------------------------


def test_cache_ignores_damaged_entries_and_check_mode_writes_nothing(tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    cache = s.FactCache(str(tmp_path))
    (tmp_path / ("sha256-" + "a" * 64 + ".json")).write_text("{half")
    assert cache.get(digest) is None
    cache.put(digest, {"block_count": 1}, "here")
    assert cache.get(digest) == {"block_count": 1}
    other = "sha256:" + "b" * 64
    s.FactCache(str(tmp_path), writable=False).put(other, {"block_count": 2}, "here")
    assert cache.get(other) is None
    assert cache.get("sha256:../../etc") is None  # only real digests name files


def test_unwritable_cache_is_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = s.FactCache(str(blocker / "sub"))
    cache.put("sha256:" + "c" * 64, {}, "here")
    assert cache.warnings and "cannot write the fact cache" in cache.warnings[0]


# -- Ollama instance -------------------------------------------------------------


class _OllamaStub(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.calls.append(("GET", self.path, None))
        if self.path == "/api/tags" and self.server.tags_broken:
            self._json(500, {"error": "boom"})
        elif self.path == "/api/tags":
            self._json(200, {"models": [{"name": n, "size": 123, "digest": "d" * 64} for n in self.server.models]})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.calls.append(("POST", self.path, body))
        header = self.server.models.get(body.get("model"))
        if self.path != "/api/show" or header is None:
            self._json(404, {"error": "model '%s' not found" % body.get("model")})
            return
        info = {}
        for key, value in header.metadata.items():
            info[key] = value if not isinstance(value, list) or body.get("verbose") else None
        info["general.parameter_count"] = header.parameter_count
        answer: dict[str, Any] = {"details": {"quantization_level": "Q4_K_M"}, "model_info": info}
        if body.get("verbose"):
            answer["tensors"] = [{"name": t.name, "type": t.type_name, "shape": list(t.shape)} for t in header.tensors]
        self._json(200, answer)


@pytest.fixture
def ollama(files: dict[str, bytes]) -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _OllamaStub)
    server.calls = []
    server.tags_broken = False
    server.models = {"gemma3:12b": g.parse_header(files["gemma3:12b"], keep_array_items=1 << 20)}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def test_instance_answers_with_verbose_only_when_arrays_are_hidden(ollama: Any) -> None:
    source = s.OllamaSource(s.OllamaClient(url=ollama.url))
    result = _describe("gemma3:12b", source)
    assert result["estimated"] is True and result["source"] == "ollama"
    assert result["facts"]["vocab_size"] == 64 and result["facts"]["tied_embeddings"] is True
    assert result["facts"]["size_bytes"] == 123 and result["digest"] == "sha256:" + "d" * 64
    shows = [c[2]["verbose"] for c in ollama.calls if c[1] == "/api/show"]
    assert shows == [False, True]


def test_first_source_that_answers_wins(ollama: Any, registry: emu.RegistryServer, files: dict[str, bytes]) -> None:
    registry.registry.add_model("library", "qwen3", "30b", [(MODEL, files["qwen3:30b"])])
    sources = [s.OllamaSource(s.OllamaClient(url=ollama.url)), _source(registry)[0]]
    result = _describe("qwen3:30b", *sources)
    assert result["source"] == "registry"
    assert result["attempts"] == [
        {"source": "ollama", "result": "%s/api/show: the model is not on the instance" % ollama.url}
    ]
    assert _describe("gemma3:12b", *sources)["source"] == "ollama"


def test_instance_down_is_tried_once(registry: emu.RegistryServer) -> None:
    source = s.OllamaSource(s.OllamaClient(url="http://127.0.0.1:9", timeout=2))
    first, second = _describe("a", source), _describe("b", source)
    assert "failed: cannot reach Ollama at http://127.0.0.1:9/api/show" in first["reason"]
    assert "not asked again" in second["reason"]


def test_instance_without_tags_still_answers(ollama: Any) -> None:
    ollama.tags_broken = True
    result = _describe("gemma3:12b", s.OllamaSource(s.OllamaClient(url=ollama.url)))
    assert result["estimated"] is True and result["facts"]["size_bytes"] is None and result["digest"] is None


def test_artifact_dir_without_a_store(tmp_path: Path) -> None:
    result = _describe("llama3.1:8b", s.ArtifactSource(str(tmp_path), {}, s.FactCache(None), 64, 1 << 20))
    assert result["estimated"] is False
    assert "no gguf_files entry for the model, and %s holds no Ollama model store" % tmp_path in result["reason"]
