"""Unit tests for plugins/module_utils/_ollama_stream.py: NDJSON lines, cuts and garbage."""

from __future__ import annotations

import io
from http.client import IncompleteRead

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama_errors as e
from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama_stream as s

# -- NDJSON ------------------------------------------------------------------


def test_ndjson_reads_lines_and_skips_blank_ones() -> None:
    stream = io.BytesIO(b'{"status":"pulling manifest"}\n\n{"status":"success"}\n')
    assert [m["status"] for m in s.iter_ndjson(stream)] == ["pulling manifest", "success"]


def test_ndjson_cut_mid_line_is_transient() -> None:
    stream = io.BytesIO(b'{"status":"pulling manifest"}\n{"status":"pul')
    items = s.iter_ndjson(stream)
    assert next(items)["status"] == "pulling manifest"
    with pytest.raises(e.OllamaTransientError, match="cut off"):
        next(items)


def test_ndjson_garbage_is_a_protocol_error() -> None:
    with pytest.raises(e.OllamaProtocolError):
        list(s.iter_ndjson(io.BytesIO(b"<html>\n")))
    with pytest.raises(e.OllamaProtocolError, match="not a JSON object"):
        list(s.iter_ndjson(io.BytesIO(b"[1]\n")))
    with pytest.raises(e.OllamaProtocolError, match="longer"):
        list(s.iter_ndjson(io.BytesIO(b"x" * 100), max_line=10))


def test_ndjson_socket_error_is_transient() -> None:
    class Broken:
        def readline(self, size: int = -1) -> bytes:
            raise IncompleteRead(b"")

    with pytest.raises(e.OllamaTransientError, match="connection lost"):
        list(s.iter_ndjson(Broken()))
