# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ollama's on-disk model store: names, paths, manifests, verified writes.

Private to this collection; stdlib only. The layout is Ollama's own (the
directory ``OLLAMA_MODELS`` points at, ``~/.ollama/models`` by default):

* ``manifests/<host>/<namespace>/<model>/<tag>``: the model's manifest, a
  JSON document (schemaVersion 2) whose ``config`` and ``layers`` entries
  each name a blob by ``digest`` (``sha256:<64 hex>``) and ``size``;
* ``blobs/sha256-<64 hex>``: the content of each blob, named after the
  SHA-256 of its bytes.

A short name is completed the way Ollama completes it: host
``registry.ollama.ai``, namespace ``library``, tag ``latest``.

Writes are atomic: content goes to a temporary file in the target
directory, is checked (digest, size), flushed to disk and only then renamed
into place, so a blob is either complete or absent. Ollama lists a model
only through its manifest, so writing the manifest last keeps a model
invisible until every blob it names is in place.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO, Any

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import OllamaNameError
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_name import DEFAULT_HOST, DEFAULT_NAMESPACE
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_name import ModelName as ParsedName

DIGEST_RE = re.compile(r"^sha256[:-]([0-9a-f]{64})$")
CHUNK = 1024 * 1024


class StoreError(Exception):
    """A store operation failed; the message names the file and the cause."""


class DigestMismatch(StoreError):
    """Content does not hash to the digest that names it."""


@dataclass(frozen=True)
class ModelName:
    """A fully qualified model name."""

    host: str
    namespace: str
    model: str
    tag: str

    def __str__(self) -> str:
        if self.host == DEFAULT_HOST and self.namespace == DEFAULT_NAMESPACE:
            return f"{self.model}:{self.tag}"
        if self.host == DEFAULT_HOST:
            return f"{self.namespace}/{self.model}:{self.tag}"
        return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"

    @property
    def relpath(self) -> str:
        """``host/namespace/model/tag``, the manifest's path under ``manifests/``."""
        return "/".join((self.host, self.namespace, self.model, self.tag))


def parse_name(text: str) -> ModelName:
    """``llama3.2:1b`` -> registry.ollama.ai/library/llama3.2:1b; raises StoreError when invalid.

    Parsed by the collection's one name grammar (``_ollama_name``, the server's own
    rules); the store keeps only the four parts its paths are made of.
    """
    path = (text or "").strip().partition("://")[2] or (text or "").strip()
    if path.count("/") > 2:
        raise StoreError(f"model name {text!r} has too many '/' parts (at most host/namespace/model:tag)")
    try:
        parsed = ParsedName.parse(text or "")
    except OllamaNameError as exc:
        raise StoreError(str(exc)) from None
    return ModelName(parsed.host, parsed.namespace, parsed.model, parsed.tag)


def digest_hex(digest: str) -> str:
    """The 64 hex digits of ``sha256:<hex>`` (or ``sha256-<hex>``); raises StoreError otherwise."""
    match = DIGEST_RE.match(digest or "")
    if not match:
        raise StoreError(f"{digest!r} is not a sha256 digest")
    return match.group(1)


def blob_filename(digest: str) -> str:
    """``sha256:<hex>`` -> ``sha256-<hex>``, the blob's file name."""
    return "sha256-" + digest_hex(digest)


@dataclass(frozen=True)
class Layer:
    """A blob a manifest names."""

    digest: str
    size: int
    media_type: str


def parse_manifest(raw: bytes, where: str) -> list[Layer]:
    """The blobs of a manifest (config first, then layers, duplicates once)."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StoreError(f"manifest {where} is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list):
        raise StoreError(f"manifest {where} has no layers list: not an Ollama manifest")
    entries: list[Any] = []
    if isinstance(doc.get("config"), dict) and doc["config"].get("digest"):
        entries.append(doc["config"])
    entries.extend(doc["layers"])
    out: list[Layer] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            raise StoreError(f"manifest {where}: a layer is not an object")
        digest = str(entry.get("digest", ""))
        try:
            digest_hex(digest)
        except StoreError as exc:
            raise StoreError(f"manifest {where}: {exc}") from None
        digest = digest.replace("sha256-", "sha256:", 1)
        if digest in seen:
            continue
        seen.add(digest)
        size = entry.get("size")
        if not isinstance(size, int) or size < 0:
            raise StoreError(f"manifest {where}: layer {digest} has no valid size")
        out.append(Layer(digest, size, str(entry.get("mediaType", ""))))
    return out


def hash_file(path: str, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    """(``sha256:<hex>``, size) of a file, read in chunks."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                break
            sha.update(chunk)
            size += len(chunk)
            if progress:
                progress(len(chunk))
    return "sha256:" + sha.hexdigest(), size


def _os_error(action: str, path: str, exc: OSError) -> StoreError:
    if exc.errno == errno.ENOSPC:
        return StoreError(f"{action} {path} failed: no space left on device (ENOSPC); free space or grow the volume")
    if exc.errno == errno.EDQUOT:
        return StoreError(f"{action} {path} failed: disk quota exceeded (EDQUOT)")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(f"{action} {path} failed: permission denied; run as the store's owner (become)")
    return StoreError(f"{action} {path} failed: {exc.strerror or exc}")


class Store:
    """One Ollama models directory."""

    def __init__(self, root: str, *, dir_mode: int = 0o755, file_mode: int = 0o644) -> None:
        self.root = os.path.abspath(os.path.expanduser(root))
        self.dir_mode = dir_mode
        self.file_mode = file_mode

    def manifest_path(self, name: ModelName) -> str:
        return os.path.join(self.root, "manifests", *name.relpath.split("/"))

    def blob_path(self, digest: str) -> str:
        return os.path.join(self.root, "blobs", blob_filename(digest))

    def read_manifest(self, name: ModelName) -> bytes | None:
        """The manifest's bytes, None when the model is not in the store."""
        path = self.manifest_path(name)
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _os_error("reading", path, exc) from None

    def blob_size(self, digest: str) -> int | None:
        """Size of a blob file, None when absent."""
        try:
            return os.stat(self.blob_path(digest)).st_size
        except FileNotFoundError:
            return None

    def verify_blob(self, digest: str, expected_size: int | None = None) -> None:
        """Raise DigestMismatch unless the blob hashes to its name (and has the size)."""
        path = self.blob_path(digest)
        try:
            actual, size = hash_file(path)
        except FileNotFoundError:
            raise StoreError(f"blob {digest} is missing: {path} does not exist") from None
        except OSError as exc:
            raise _os_error("reading", path, exc) from None
        if actual != digest:
            raise DigestMismatch(f"blob {path} is corrupted: its content hashes to {actual}, not {digest}")
        if expected_size is not None and size != expected_size:
            raise DigestMismatch(f"blob {path} has {size} bytes, the manifest says {expected_size}")

    def free_bytes(self) -> int | None:
        """Bytes available to this user on the store's filesystem (None when unknown)."""
        path = self.root
        while not os.path.exists(path):
            parent = os.path.dirname(path)
            if parent == path:
                return None
            path = parent
        try:
            st = os.statvfs(path)
        except (OSError, AttributeError):
            return None
        return st.f_bavail * st.f_frsize

    def _makedirs(self, path: str) -> None:
        try:
            os.makedirs(path, mode=self.dir_mode, exist_ok=True)
        except OSError as exc:
            raise _os_error("creating directory", path, exc) from None

    @contextmanager
    def _atomic(self, target: str) -> Iterator[IO[bytes]]:
        """A temporary file beside ``target``, renamed over it on success, removed on failure."""
        directory = os.path.dirname(target)
        self._makedirs(directory)
        try:
            fd, tmp = tempfile.mkstemp(prefix=".aistack-partial-", dir=directory)
        except OSError as exc:
            raise _os_error("creating a temporary file in", directory, exc) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                try:
                    yield handle
                    handle.flush()
                    os.fsync(handle.fileno())
                except OSError as exc:
                    raise _os_error("writing", target, exc) from None
            os.chmod(tmp, self.file_mode)
            os.replace(tmp, target)
        except BaseException as exc:
            with suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                raise _os_error("writing", target, exc) from None
            raise

    def write_blob(self, digest: str, size: int, fill: Callable[[Callable[[bytes], None]], object]) -> None:
        """Write a blob through ``fill(write)``; verify digest and size, then rename into place.

        ``fill`` is called with a ``write(chunk)`` function and must write
        the whole content. Raises DigestMismatch (nothing is left behind) when
        the bytes do not hash to ``digest``.
        """
        target = self.blob_path(digest)
        sha = hashlib.sha256()
        written = 0
        with self._atomic(target) as handle:

            def write(chunk: bytes) -> None:
                nonlocal written
                sha.update(chunk)
                written += len(chunk)
                handle.write(chunk)

            fill(write)
            actual = "sha256:" + sha.hexdigest()
            if actual != digest:
                raise DigestMismatch(f"blob {digest}: the downloaded content hashes to {actual}; nothing was written")
            if written != size:
                raise DigestMismatch(f"blob {digest}: got {written} bytes, the manifest says {size}")

    def write_manifest(self, name: ModelName, raw: bytes) -> None:
        """Write a manifest atomically (last, after its blobs)."""
        with self._atomic(self.manifest_path(name)) as handle:
            handle.write(raw)
