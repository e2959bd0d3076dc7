"""The registry emulator (tests/emulators/ollama/registry.py, a test double) follows the registry API.

Checked with plain urllib: manifest media type and digest header, distribution
API error bodies, the blob redirect, and RFC 9110 range answers.
"""

from __future__ import annotations

import hashlib
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "emulators" / "ollama"))
import registry as emu

BLOB = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture
def server() -> Iterator[emu.RegistryServer]:
    with emu.RegistryServer() as srv:
        srv.registry.add_model("library", "tiny", "1b", [(emu.MODEL_TYPE, BLOB)])
        yield srv


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_manifest_and_blob(server: emu.RegistryServer) -> None:
    status, headers, body = get(server.url + "/v2/library/tiny/manifests/1b", Accept=emu.MANIFEST_TYPE)
    assert status == 200 and headers["Content-Type"] == emu.MANIFEST_TYPE
    assert headers["Docker-Content-Digest"] == "sha256:" + hashlib.sha256(body).hexdigest()
    manifest = json.loads(body)
    layer = manifest["layers"][0]
    assert layer == {"mediaType": emu.MODEL_TYPE, "digest": emu.digest_of(BLOB), "size": len(BLOB)}
    status, _headers, blob = get(server.url + "/v2/library/tiny/blobs/" + layer["digest"])  # follows the 307
    assert status == 200 and blob == BLOB
    assert [r[1] for r in server.registry.requests[-2:]] == [
        "/v2/library/tiny/blobs/" + layer["digest"],
        "/cdn/" + layer["digest"],
    ]


def test_errors_use_the_distribution_api_shape(server: emu.RegistryServer) -> None:
    status, _headers, body = get(server.url + "/v2/library/tiny/manifests/2b")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    status, _headers, body = get(server.url + "/v2/library/tiny/blobs/sha256:" + "0" * 64)
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "BLOB_UNKNOWN"


@pytest.mark.parametrize(
    ("header", "status", "content_range", "part"),
    [
        ("bytes=0-99", 206, "bytes 0-99/10240", BLOB[:100]),
        ("bytes=10000-", 206, "bytes 10000-10239/10240", BLOB[10000:]),
        ("bytes=10000-99999", 206, "bytes 10000-10239/10240", BLOB[10000:]),
        ("bytes=-40", 206, "bytes 10200-10239/10240", BLOB[-40:]),
        ("bytes=10240-", 416, "bytes */10240", None),
    ],
)
def test_ranges(server: emu.RegistryServer, header: str, status: int, content_range: str, part: bytes | None) -> None:
    got_status, headers, body = get(server.url + "/cdn/" + emu.digest_of(BLOB), Range=header)
    assert got_status == status and headers["Content-Range"] == content_range
    if part is not None:
        assert body == part and int(headers["Content-Length"]) == len(part)


def test_ignore_range_and_drop(server: emu.RegistryServer) -> None:
    url = server.url + "/cdn/" + emu.digest_of(BLOB)
    server.registry.ignore_range = True
    status, headers, body = get(url, Range="bytes=5-9")
    assert status == 200 and "Content-Range" not in headers and body == BLOB
    server.registry.ignore_range = False
    server.registry.drop_after, server.registry.drops = 10, 1
    with urllib.request.urlopen(urllib.request.Request(url), timeout=5) as response:
        assert response.headers["Content-Length"] == str(len(BLOB))
        assert response.read(100) == BLOB[:10]  # then the connection is gone
