"""Write real Ollama-format model stores for the tests.

The layout is Ollama's (manifests/<host>/<namespace>/<model>/<tag>, a JSON
manifest of schemaVersion 2 naming a config blob and layers by sha256 digest
and size; blobs/sha256-<hex> holding the bytes), and every digest is the real
SHA-256 of what is written. The model layer starts with the GGUF magic and
version like a real weights file; its body is random so that two test models
share no blob unless asked to.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

MEDIA_MODEL = "application/vnd.ollama.image.model"
MEDIA_TEMPLATE = "application/vnd.ollama.image.template"
MEDIA_PARAMS = "application/vnd.ollama.image.params"
MEDIA_CONFIG = "application/vnd.docker.container.image.v1+json"


@dataclass
class WrittenModel:
    manifest_path: Path
    manifest: bytes
    blobs: dict[str, bytes]  # digest -> content

    def blob_path(self, root: Path, digest: str) -> Path:
        return root / "blobs" / digest.replace(":", "-")


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def weights(size: int) -> bytes:
    """GGUF magic, version 3, zero tensors/metadata, then random bytes."""
    head = b"GGUF" + struct.pack("<IQQ", 3, 0, 0)
    return head + os.urandom(max(0, size - len(head)))


def write_model(
    root: Path,
    name: tuple[str, str, str, str] = ("registry.ollama.ai", "library", "tiny", "latest"),
    model_size: int = 64 * 1024,
    extra: list[tuple[str, bytes]] | None = None,
    model_blob: bytes | None = None,
) -> WrittenModel:
    """Write a model into the store at ``root`` the way Ollama lays it out."""
    layers_data = [(MEDIA_MODEL, model_blob if model_blob is not None else weights(model_size))]
    layers_data.append((MEDIA_TEMPLATE, b"{{ .System }}\n{{ .Prompt }}"))
    layers_data.append((MEDIA_PARAMS, json.dumps({"stop": ["<|eot_id|>"]}).encode()))
    layers_data.extend(extra or [])
    diff_ids = [digest(data) for _media, data in layers_data]
    config = json.dumps(
        {
            "model_format": "gguf",
            "model_family": "llama",
            "model_families": ["llama"],
            "model_type": "1B",
            "file_type": "Q8_0",
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
    ).encode()
    blobs = {digest(config): config}
    for _media, data in layers_data:
        blobs[digest(data)] = data
    (root / "blobs").mkdir(parents=True, exist_ok=True)
    for dgst, data in blobs.items():
        (root / "blobs" / dgst.replace(":", "-")).write_bytes(data)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": MEDIA_CONFIG, "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": mt, "digest": digest(data), "size": len(data)} for mt, data in layers_data],
    }
    # Go's json.Encoder: compact, one trailing newline.
    raw = (json.dumps(manifest, separators=(",", ":")) + "\n").encode()
    path = root.joinpath("manifests", *name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return WrittenModel(path, raw, blobs)


def store_files(root: Path) -> dict[str, bytes]:
    """Every file under root (relative path -> bytes), for byte-for-byte comparisons."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(root))] = path.read_bytes()
    return out
