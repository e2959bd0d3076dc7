"""Ollama's store layout, names and the verified, atomic writes."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_store import (
    DigestMismatch,
    ModelName,
    Store,
    StoreError,
    parse_manifest,
    parse_name,
)
from ansible_collections.aistack.baremetal.tests.unit.ollama_store_helper import digest, store_files, write_model


@pytest.mark.parametrize(
    ("text", "parts", "short"),
    [
        ("llama3.2:1b", ("registry.ollama.ai", "library", "llama3.2", "1b"), "llama3.2:1b"),
        ("llama3.2", ("registry.ollama.ai", "library", "llama3.2", "latest"), "llama3.2:latest"),
        ("me/tiny:q8_0", ("registry.ollama.ai", "me", "tiny", "q8_0"), "me/tiny:q8_0"),
        ("localhost:5000/ns/m:v1", ("localhost:5000", "ns", "m", "v1"), "localhost:5000/ns/m:v1"),
        ("https://hf.co/org/repo:Q4_K_M", ("hf.co", "org", "repo", "Q4_K_M"), "hf.co/org/repo:Q4_K_M"),
    ],
)
def test_parse_name_completes_like_ollama(text: str, parts: tuple[str, str, str, str], short: str) -> None:
    name = parse_name(text)
    assert (name.host, name.namespace, name.model, name.tag) == parts
    assert str(name) == short


@pytest.mark.parametrize("text", ["", "a/b/c/d", "../x", "ns.with.dot/m", "m:-tag", "m:"])
def test_parse_name_rejects(text: str) -> None:
    with pytest.raises(StoreError):
        parse_name(text)


def test_paths_follow_ollamas_layout(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    name = ModelName("registry.ollama.ai", "library", "llama3.2", "1b")
    assert store.manifest_path(name) == str(tmp_path / "manifests/registry.ollama.ai/library/llama3.2/1b")
    assert store.blob_path("sha256:" + "ab" * 32) == str(tmp_path / "blobs" / ("sha256-" + "ab" * 32))
    with pytest.raises(StoreError, match="not a sha256 digest"):
        store.blob_path("sha256:xyz")


def test_parse_manifest_lists_config_then_layers_once(tmp_path: Path) -> None:
    model = write_model(tmp_path)
    layers = parse_manifest(model.manifest, "m")
    doc = json.loads(model.manifest)
    assert [layer.digest for layer in layers] == [doc["config"]["digest"]] + [x["digest"] for x in doc["layers"]]
    assert all(layer.size == len(model.blobs[layer.digest]) for layer in layers)
    doc["layers"].append(dict(doc["layers"][0]))
    assert len(parse_manifest(json.dumps(doc).encode(), "m")) == len(layers)
    with pytest.raises(StoreError, match="not JSON"):
        parse_manifest(b"{", "m")
    doc["layers"][0]["digest"] = "md5:00"
    with pytest.raises(StoreError, match="not a sha256 digest"):
        parse_manifest(json.dumps(doc).encode(), "m")


def test_verify_blob(tmp_path: Path) -> None:
    model = write_model(tmp_path)
    store = Store(str(tmp_path))
    for dgst, data in model.blobs.items():
        store.verify_blob(dgst, len(data))
    victim = next(iter(model.blobs))
    path = model.blob_path(tmp_path, victim)
    path.write_bytes(b"X" + path.read_bytes()[1:])
    with pytest.raises(DigestMismatch, match="is corrupted: its content hashes to sha256:"):
        store.verify_blob(victim)
    path.unlink()
    with pytest.raises(StoreError, match="is missing"):
        store.verify_blob(victim)


def test_write_blob_is_verified_and_atomic(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    data = b"hello blob"
    store.write_blob(digest(data), len(data), lambda write: write(data))
    assert (tmp_path / "blobs" / digest(data).replace(":", "-")).read_bytes() == data
    with pytest.raises(DigestMismatch, match="nothing was written"):
        store.write_blob(digest(b"other"), 5, lambda write: write(b"wrong"))
    assert store_files(tmp_path) == {"blobs/" + digest(data).replace(":", "-"): data}


def test_enospc_at_the_write_call_leaves_nothing(tmp_path: Path) -> None:
    """Simulated full disk: the write call fails with ENOSPC (a real tmpfs is used in test_ollama_archive)."""
    store = Store(str(tmp_path))

    def fill(write):  # type: ignore[no-untyped-def]
        write(b"first chunk")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StoreError) as exc:
        store.write_blob(digest(b"x"), 1, fill)
    assert "no space left on device (ENOSPC)" in str(exc.value)
    assert str(tmp_path / "blobs") in str(exc.value)
    assert store_files(tmp_path) == {}


def test_write_manifest_replaces_atomically(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    name = parse_name("tiny")
    store.write_manifest(name, b"one")
    store.write_manifest(name, b"two")
    assert store.read_manifest(name) == b"two"
    assert sorted(store_files(tmp_path)) == ["manifests/registry.ollama.ai/library/tiny/latest"]
    assert oct(Path(store.manifest_path(name)).stat().st_mode & 0o777) == "0o644"
