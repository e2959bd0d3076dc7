"""Model archive: real Ollama-format stores written by the test, a real S3 server (moto).

A restore is compared byte for byte with the source store and every blob by
digest; faults: a missing blob, a corrupted blob (in the store and in the
archive), wrong credentials, the server cut mid-upload and mid-download, a
disk too small (free-space check, and a real full tmpfs where one can be
mounted) - each with a clear error and nothing half-restored.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_archive import (
    archive,
    blob_key,
    manifest_key,
    restore,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_store import (
    DigestMismatch,
    Store,
    StoreError,
    hash_file,
    parse_name,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._s3 import MIN_PART_SIZE, S3Error
from ansible_collections.aistack.baremetal.tests.unit.ollama_store_helper import store_files, write_model
from ansible_collections.aistack.baremetal.tests.unit.s3_server import CuttingProxy, S3Server

NAME = parse_name("tiny:latest")
PREFIX = "archive"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "source"
    write_model(root)
    return root


def keys(s3_server: S3Server, bucket: str) -> list[str]:
    return [o["key"] for o in s3_server.client().list_objects(bucket)]


def test_archive_then_restore_byte_for_byte(s3_server: S3Server, bucket: str, source: Path, tmp_path: Path) -> None:
    client = s3_server.client()
    planned = archive(client, Store(str(source)), bucket, PREFIX, NAME, check_mode=True)
    assert planned["changed"] and len(planned["uploaded"]) == 4 and planned["manifest_uploaded"]
    assert keys(s3_server, bucket) == []

    first = archive(client, Store(str(source)), bucket, PREFIX, NAME, check_mode=False)
    assert first["changed"] and first["uploaded"] == planned["uploaded"]
    manifest = (source / "manifests/registry.ollama.ai/library/tiny/latest").read_bytes()
    expected = {manifest_key(PREFIX, NAME)} | {blob_key(PREFIX, b["digest"]) for b in first["blobs"]}
    assert set(keys(s3_server, bucket)) == expected
    assert client.get_object(bucket, "archive/manifests/registry.ollama.ai/library/tiny/latest") == manifest
    for blob in first["blobs"]:
        head = client.head_object(bucket, blob_key(PREFIX, blob["digest"]))
        assert head and head["size"] == blob["size"] and "sha256:" + head["metadata"]["sha256"] == blob["digest"]

    again = archive(client, Store(str(source)), bucket, PREFIX, NAME, check_mode=False)
    assert not again["changed"] and again["uploaded"] == [] and not again["manifest_uploaded"]

    target = tmp_path / "target"
    planned = restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=True)
    assert planned["changed"] and len(planned["downloaded"]) == 4 and not target.exists()

    done = restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False)
    assert done["changed"] and done["manifest_written"]
    assert store_files(target) == store_files(source)
    for blob in done["blobs"]:
        assert hash_file(str(target / "blobs" / blob["digest"].replace(":", "-")))[0] == blob["digest"]

    rerun = restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False)
    assert not rerun["changed"] and rerun["downloaded"] == [] and not rerun["manifest_written"]
    assert rerun["diff"]["before"] == rerun["diff"]["after"]


def test_blobs_shared_between_models_are_stored_once(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    root = tmp_path / "store"
    one = write_model(root, ("registry.ollama.ai", "library", "tiny", "latest"))
    weights = next(d for d in one.blobs.values() if d.startswith(b"GGUF"))
    write_model(root, ("registry.ollama.ai", "me", "tiny-chat", "v1"), model_blob=weights, extra=[("x", b"system")])
    client = s3_server.client()
    archive(client, Store(str(root)), bucket, PREFIX, NAME, check_mode=False)
    second = archive(client, Store(str(root)), bucket, PREFIX, parse_name("me/tiny-chat:v1"), check_mode=False)
    # Only its own config and system layer are new; weights, template and params are shared.
    assert len(second["uploaded"]) == 2 and len(second["blobs"]) == 5


def test_missing_blob_fails_before_any_upload(s3_server: S3Server, bucket: str, source: Path) -> None:
    victim = next((source / "blobs").iterdir())
    victim.unlink()
    with pytest.raises(StoreError) as exc:
        archive(s3_server.client(), Store(str(source)), bucket, PREFIX, NAME, check_mode=False)
    assert f"is missing: {victim} does not exist" in str(exc.value) and "tiny:latest" in str(exc.value)
    assert keys(s3_server, bucket) == []


def test_model_not_in_store(s3_server: S3Server, bucket: str, source: Path) -> None:
    with pytest.raises(StoreError, match="model other:latest is not in the store"):
        archive(s3_server.client(), Store(str(source)), bucket, PREFIX, parse_name("other"), check_mode=False)


@pytest.mark.parametrize("size", [64 * 1024, MIN_PART_SIZE + 4096], ids=["single-put", "multipart"])
def test_corrupted_blob_is_not_archived(s3_server: S3Server, bucket: str, tmp_path: Path, size: int) -> None:
    root = tmp_path / "store"
    model = write_model(root, model_size=size)
    weights = next(d for d, data in model.blobs.items() if data.startswith(b"GGUF"))
    path = model.blob_path(root, weights)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # bit rot: same size, other content
    path.write_bytes(bytes(data))
    client = s3_server.client(part_size=MIN_PART_SIZE)
    with pytest.raises(DigestMismatch) as exc:
        archive(client, Store(str(root)), bucket, PREFIX, NAME, check_mode=False)
    assert f"blob {path} is corrupted" in str(exc.value) and "not uploaded" in str(exc.value)
    present = keys(s3_server, bucket)
    assert blob_key(PREFIX, weights) not in present and manifest_key(PREFIX, NAME) not in present


def test_wrong_credentials(s3_server: S3Server, bucket: str, source: Path, tmp_path: Path) -> None:
    archive(s3_server.client(), Store(str(source)), bucket, PREFIX, NAME, check_mode=False)
    bad = s3_server.client(secret_key="wrong-secret")
    with pytest.raises(S3Error) as exc:
        restore(bad, Store(str(tmp_path / "t")), bucket, PREFIX, NAME, check_mode=False)
    assert exc.value.code == "SignatureDoesNotMatch" and s3_server.endpoint in str(exc.value)
    assert not (tmp_path / "t").exists()


def test_server_cut_mid_upload_then_rerun_completes(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    root = tmp_path / "store"
    write_model(root, model_size=2 * MIN_PART_SIZE + 100)
    proxy = CuttingProxy(s3_server.endpoint, budget=MIN_PART_SIZE + 1024 * 1024)
    try:
        client = s3_server.client(endpoint=proxy.url, part_size=MIN_PART_SIZE)
        with pytest.raises(S3Error) as exc:
            archive(client, Store(str(root)), bucket, PREFIX, NAME, check_mode=False)
        assert "cannot reach the S3 server" in str(exc.value) and proxy.url in str(exc.value)
    finally:
        proxy.close()
    assert manifest_key(PREFIX, NAME) not in keys(s3_server, bucket)
    rerun = archive(s3_server.client(part_size=MIN_PART_SIZE), Store(str(root)), bucket, PREFIX, NAME, False)
    assert rerun["changed"] and rerun["manifest_uploaded"]
    target = tmp_path / "target"
    restore(s3_server.client(), Store(str(target)), bucket, PREFIX, NAME, check_mode=False)
    assert store_files(target) == store_files(root)


def test_server_cut_mid_download_leaves_no_model(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    root = tmp_path / "store"
    write_model(root, model_size=3 * 1024 * 1024)
    archive(s3_server.client(), Store(str(root)), bucket, PREFIX, NAME, check_mode=False)
    target = tmp_path / "target"
    proxy = CuttingProxy(s3_server.endpoint, budget=1024 * 1024, direction="down")
    try:
        with pytest.raises(S3Error, match=r"connection lost after|connection closed after|cannot reach"):
            restore(s3_server.client(endpoint=proxy.url), Store(str(target)), bucket, PREFIX, NAME, False)
    finally:
        proxy.close()
    files = store_files(target) if target.exists() else {}
    assert not any(k.startswith("manifests/") for k in files)
    assert not any(".aistack-partial-" in k for k in files)


def test_corrupted_archive_object_is_refused(s3_server: S3Server, bucket: str, source: Path, tmp_path: Path) -> None:
    client = s3_server.client()
    result = archive(client, Store(str(source)), bucket, PREFIX, NAME, check_mode=False)
    weights = max(result["blobs"], key=lambda b: b["size"])
    key = blob_key(PREFIX, weights["digest"])
    head = client.head_object(bucket, key)
    assert head
    client.put_object(bucket, key, os.urandom(weights["size"]), head["metadata"])
    target = tmp_path / "target"
    with pytest.raises(DigestMismatch) as exc:
        restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False)
    assert f"s3://{bucket}/{key}" in str(exc.value) and "archived copy is corrupted" in str(exc.value)
    files = store_files(target)
    assert not any(k.startswith("manifests/") for k in files)
    assert weights["digest"].replace(":", "-") not in " ".join(files)


def test_restore_repairs_a_corrupted_local_blob(s3_server: S3Server, bucket: str, source: Path, tmp_path: Path) -> None:
    client = s3_server.client()
    archive(client, Store(str(source)), bucket, PREFIX, NAME, check_mode=False)
    target = tmp_path / "target"
    restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False)
    blob = max((target / "blobs").iterdir(), key=lambda p: p.stat().st_size)
    data = bytearray(blob.read_bytes())
    data[100] ^= 1
    blob.write_bytes(bytes(data))
    trusting = restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False, verify_existing=False)
    assert not trusting["changed"]
    fixed = restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False)
    assert fixed["changed"] and fixed["repaired"] == ["sha256:" + blob.name[len("sha256-") :]]
    assert store_files(target) == store_files(source)


def test_not_enough_space_fails_before_writing(s3_server: S3Server, bucket: str, source: Path, tmp_path: Path) -> None:
    client = s3_server.client()
    archive(client, Store(str(source)), bucket, PREFIX, NAME, check_mode=False)
    target = tmp_path / "target"
    with pytest.raises(StoreError) as exc:
        restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False, free_bytes=lambda: 1000)
    assert "not enough space" in str(exc.value) and "1000 free" in str(exc.value)
    assert not target.exists()


def test_archive_missing_in_s3(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    with pytest.raises(S3Error) as exc:
        restore(s3_server.client(), Store(str(tmp_path)), bucket, PREFIX, NAME, check_mode=False)
    assert f"model tiny:latest is not in the archive: s3://{bucket}/archive/manifests/" in str(exc.value)


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[None]:
    path.mkdir()
    try:
        out = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, check=False
        )
    except OSError as exc:
        pytest.skip(f"cannot run mount: {exc}")
    if out.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {out.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_real_full_disk(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    root = tmp_path / "store"
    write_model(root, model_size=2 * 1024 * 1024)
    client = s3_server.client()
    archive(client, Store(str(root)), bucket, PREFIX, NAME, check_mode=False)
    target = tmp_path / "tmpfs"
    with small_tmpfs(target, "1m"):
        with pytest.raises(StoreError, match="not enough space"):
            restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False)
        # Past the free-space check, the disk really fills up mid-write.
        with pytest.raises(StoreError) as exc:
            restore(client, Store(str(target)), bucket, PREFIX, NAME, check_mode=False, free_bytes=lambda: None)
        assert "no space left on device (ENOSPC)" in str(exc.value)
        files = store_files(target)
        assert not any(k.startswith("manifests/") or ".aistack-partial-" in k for k in files)
        assert json.dumps(sorted(files))  # only complete, verified small blobs may remain
