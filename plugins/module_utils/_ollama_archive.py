# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy Ollama models between a model store directory and S3 (the cold tier).

Private to this collection; the logic of the ``ollama_archive`` module.
The archive mirrors the store's layout under a key prefix, so blobs shared
by several models are stored once:

* ``<prefix>/manifests/<host>/<namespace>/<model>/<tag>``: the manifest's
  bytes, unchanged (Ollama derives a model's ID from them), with its SHA-256
  in the object metadata ``x-amz-meta-sha256``;
* ``<prefix>/blobs/sha256-<hex>``: each blob, with ``x-amz-meta-sha256``.

Archive: every blob is checked to exist with the manifest's size before
anything is uploaded; blobs already in S3 with the same size and digest
metadata are skipped; each uploaded blob is hashed while it is read and the
upload is abandoned (nothing becomes visible) when the bytes do not match
the digest; the manifest goes last, so an archived manifest always has all
its blobs.

Restore: the manifest is read from S3 and checked against its recorded
digest, the free space is checked, missing (or corrupted) blobs are
downloaded into temporary files, verified and renamed into place, and the
manifest is written last: until then Ollama does not see the model.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_store import (
    DigestMismatch,
    Layer,
    ModelName,
    Store,
    StoreError,
    blob_filename,
    digest_hex,
    parse_manifest,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._s3 import S3Client, S3Error

ArchiveError = (StoreError, S3Error)


def _join(prefix: str, *parts: str) -> str:
    clean = prefix.strip("/")
    return "/".join(([clean] if clean else []) + list(parts))


def manifest_key(prefix: str, name: ModelName) -> str:
    return _join(prefix, "manifests", name.relpath)


def blob_key(prefix: str, digest: str) -> str:
    return _join(prefix, "blobs", blob_filename(digest))


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _in_s3(client: S3Client, bucket: str, key: str, size: int, hexdigest: str) -> bool:
    head = client.head_object(bucket, key)
    return bool(head and head["size"] == size and head["metadata"].get("sha256") == hexdigest)


def _result(name: ModelName, key: str, layers: list[Layer]) -> dict[str, Any]:
    return {
        "model": str(name),
        "manifest_key": key,
        "blobs": [{"digest": layer.digest, "size": layer.size, "media_type": layer.media_type} for layer in layers],
        "size": sum(layer.size for layer in layers),
    }


def archive(
    client: S3Client, store: Store, bucket: str, prefix: str, name: ModelName, check_mode: bool
) -> dict[str, Any]:
    """Upload a model from the store to S3; return the module result."""
    raw = store.read_manifest(name)
    if raw is None:
        raise StoreError(f"model {name} is not in the store: {store.manifest_path(name)} does not exist")
    layers = parse_manifest(raw, store.manifest_path(name))
    # Every blob present with the manifest's size before anything is sent.
    for layer in layers:
        size = store.blob_size(layer.digest)
        if size is None:
            raise StoreError(
                f"blob {layer.digest} of model {name} is missing: {store.blob_path(layer.digest)} does not exist "
                "(the store is incomplete; pull the model again)"
            )
        if size != layer.size:
            raise DigestMismatch(
                f"blob {store.blob_path(layer.digest)} of model {name} has {size} bytes, "
                f"the manifest says {layer.size} (corrupted or partly written)"
            )
    client.check_bucket(bucket)
    mkey = manifest_key(prefix, name)
    manifest_sha = _sha256(raw)
    upload = [
        layer
        for layer in layers
        if not _in_s3(client, bucket, blob_key(prefix, layer.digest), layer.size, digest_hex(layer.digest))
    ]
    head = client.head_object(bucket, mkey)
    manifest_current = bool(head and head["metadata"].get("sha256") == manifest_sha)
    result = _result(name, mkey, layers)
    uploaded = [layer.digest for layer in upload]
    result.update(
        changed=bool(upload) or not manifest_current,
        uploaded=uploaded,
        bytes_uploaded=sum(layer.size for layer in upload),
        manifest_uploaded=not manifest_current,
    )
    present_before = sorted(layer.digest for layer in layers if layer.digest not in uploaded)
    result["diff"] = {
        "before": {"manifest": head["metadata"].get("sha256") if head else None, "blobs": present_before},
        "after": {"manifest": manifest_sha, "blobs": sorted(layer.digest for layer in layers)},
    }
    if check_mode:
        return result
    for layer in upload:
        _upload_blob(client, store, bucket, blob_key(prefix, layer.digest), layer)
    if not manifest_current:
        client.put_object(bucket, mkey, raw, {"sha256": manifest_sha})
    return result


def _upload_blob(client: S3Client, store: Store, bucket: str, key: str, layer: Layer) -> None:
    path = store.blob_path(layer.digest)
    sha = hashlib.sha256()

    def check() -> None:
        actual = "sha256:" + sha.hexdigest()
        if actual != layer.digest:
            raise DigestMismatch(
                f"blob {path} is corrupted: its content hashes to {actual}, not {layer.digest}; "
                f"it was not uploaded (pull the model again)"
            )

    try:
        with open(path, "rb") as handle:
            client.upload(
                bucket,
                key,
                handle,
                layer.size,
                metadata={"sha256": digest_hex(layer.digest)},
                on_chunk=sha.update,
                before_commit=check,
            )
    except OSError as exc:
        raise StoreError(f"reading {path} failed: {exc.strerror or exc}") from None


def restore(
    client: S3Client,
    store: Store,
    bucket: str,
    prefix: str,
    name: ModelName,
    check_mode: bool,
    *,
    verify_existing: bool = True,
    free_bytes: Callable[[], int | None] | None = None,
) -> dict[str, Any]:
    """Download a model from S3 into the store; return the module result."""
    client.check_bucket(bucket)
    mkey = manifest_key(prefix, name)
    head = client.head_object(bucket, mkey)
    raw = client.get_object(bucket, mkey) if head else None
    if raw is None:
        raise S3Error(f"model {name} is not in the archive: {client.where(bucket, mkey)} does not exist", 404)
    recorded = head["metadata"].get("sha256") if head else None
    if recorded and recorded != _sha256(raw):
        raise DigestMismatch(
            f"manifest {client.where(bucket, mkey)} is corrupted: it hashes to sha256:{_sha256(raw)}, "
            f"its recorded digest is sha256:{recorded}"
        )
    layers = parse_manifest(raw, client.where(bucket, mkey))
    fetch: list[Layer] = []
    repaired: list[str] = []
    for layer in layers:
        if store.blob_size(layer.digest) == layer.size:
            if not verify_existing:
                continue
            try:
                store.verify_blob(layer.digest, layer.size)
                continue
            except DigestMismatch:
                repaired.append(layer.digest)
        fetch.append(layer)
    local = store.read_manifest(name)
    manifest_current = local == raw
    need = sum(layer.size for layer in fetch)
    free = (free_bytes or store.free_bytes)()
    if need and free is not None and need > free:
        raise StoreError(
            f"not enough space in {store.root} to restore {name}: {need} bytes to download, {free} free "
            "(free space or grow the volume); nothing was written"
        )
    result = _result(name, mkey, layers)
    fetched = [layer.digest for layer in fetch]
    result.update(
        changed=bool(fetch) or not manifest_current,
        downloaded=fetched,
        repaired=repaired,
        bytes_downloaded=need,
        manifest_written=not manifest_current,
        manifest_path=store.manifest_path(name),
    )
    result["diff"] = {
        "before": {
            "manifest": _sha256(local) if local is not None else None,
            "blobs": sorted(layer.digest for layer in layers if layer.digest not in fetched),
        },
        "after": {"manifest": _sha256(raw), "blobs": sorted(layer.digest for layer in layers)},
    }
    if check_mode:
        return result
    for layer in fetch:
        key = blob_key(prefix, layer.digest)
        try:
            store.write_blob(layer.digest, layer.size, functools.partial(client.download, bucket, key))
        except DigestMismatch as exc:
            raise DigestMismatch(
                f"{client.where(bucket, key)}: {exc} (the archived copy is corrupted; archive the model again "
                "from a good store)"
            ) from None
    if not manifest_current:
        store.write_manifest(name, raw)
    return result
