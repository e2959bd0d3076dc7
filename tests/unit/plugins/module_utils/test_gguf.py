"""Unit tests for plugins/module_utils/_gguf.py against GGUF files written by the gguf package.

The gguf package is llama.cpp's own Python writer and reader; every file here is
parsed by both and the results compared.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import gguf
import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _gguf as g
from ansible_collections.aistack.baremetal.tests.unit import gguf_models as gm


@pytest.fixture(scope="module")
def small() -> dict[str, Path]:
    """Every model with a 64-token vocabulary (fast); metadata otherwise real."""
    return {name: gm.cached_model(name) for name in gm.MODELS}


@pytest.fixture(scope="module")
def llama_full() -> Path:
    """llama3.1:8b with its full vocabulary and merges: a 6.9 MiB header, about as in the real file."""
    return gm.cached_model("llama3.1:8b", small_vocab=False)


def _reader_fields(path: Path) -> dict[str, tuple[int, object]]:
    reader = gguf.GGUFReader(str(path))
    fields: dict[str, tuple[int, object]] = {}
    for field in reader.fields.values():
        if field.name.startswith("GGUF."):
            continue
        vtype = int(field.types[0])
        value = field.contents()
        fields[field.name] = (vtype, value)
    return fields


@pytest.mark.parametrize("name", list(gm.MODELS))
def test_header_matches_llama_cpp_reader(small: dict[str, Path], name: str) -> None:
    path = small[name]
    header = g.parse_header(path.read_bytes())
    reader = gguf.GGUFReader(str(path))
    assert header.version == 3 and header.byte_order == "little"
    expected = _reader_fields(path)
    assert set(header.metadata) == set(expected)
    for key, (vtype, value) in expected.items():
        assert header.value_types[key] == vtype, key
        got = header.metadata[key]
        if isinstance(value, float):
            assert got == pytest.approx(value), key
        else:
            assert got == value, key
    assert [(t.name, t.shape, t.ggml_type, t.offset) for t in header.tensors] == [
        (t.name, tuple(int(d) for d in t.shape), int(t.tensor_type), int(t.data_offset) - reader.data_offset)
        for t in reader.tensors
    ]
    assert [t.nbytes for t in header.tensors] == [int(t.n_bytes) for t in reader.tensors]
    assert header.data_offset == reader.data_offset
    assert header.parameter_count == sum(int(t.n_elements) for t in reader.tensors)


def test_ggml_type_table_matches_llama_cpp() -> None:
    for type_id, (name, block, size) in g.GGML_TYPES.items():
        qtype = gguf.GGMLQuantizationType(type_id)
        assert qtype.name == name
        assert gguf.GGML_QUANT_SIZES[qtype] == (block, size)
    missing = {int(q) for q in gguf.GGML_QUANT_SIZES} - set(g.GGML_TYPES)
    assert not missing, "ggml types the reader does not know: %s" % sorted(missing)


def test_file_type_table_matches_llama_cpp() -> None:
    for value, name in g.FILE_TYPES.items():
        member = gguf.LlamaFileType(value)
        assert member.name in ("ALL_" + name, "MOSTLY_" + name), (value, name, member.name)
    known = {int(f) for f in gguf.LlamaFileType if f != gguf.LlamaFileType.GUESSED}
    assert known == set(g.FILE_TYPES)


def test_long_arrays_are_summarised_short_ones_kept(small: dict[str, Path], llama_full: Path) -> None:
    header = g.parse_header(llama_full.read_bytes())
    tokens = header.metadata["tokenizer.ggml.tokens"]
    assert isinstance(tokens, g.SkippedArray)
    assert (tokens.length, tokens.summary()) == (128256, {"array_of": "string", "length": 128256})
    assert header.metadata["tokenizer.ggml.merges"] == g.SkippedArray(g.TYPE_STRING, 280147)
    assert header.metadata["tokenizer.ggml.token_type"] == g.SkippedArray(5, 128256)
    assert header.header_size > 6 << 20
    small_header = g.parse_header(small["llama3.1:8b"].read_bytes())
    assert small_header.metadata["tokenizer.ggml.tokens"][:3] == ["<t0>", "<t1>", "<t2>"]
    everything = g.parse_header(small["llama3.1:8b"].read_bytes(), keep_array_items=10)
    assert everything.metadata["tokenizer.ggml.tokens"] == g.SkippedArray(g.TYPE_STRING, 64)


def test_big_endian_file_reads_the_same(tmp_path: Path, small: dict[str, Path]) -> None:
    big = gm.write_model(tmp_path / "be.gguf", "gemma3:12b", endianess=gguf.GGUFEndian.BIG, small_vocab=True)
    assert big.read_bytes()[4:8] == b"\x00\x00\x00\x03"
    header_be = g.parse_header(big.read_bytes())
    header_le = g.parse_header(small["gemma3:12b"].read_bytes())
    assert header_be.byte_order == "big"
    assert header_be.metadata == header_le.metadata
    assert [(t.name, t.shape) for t in header_be.tensors] == [(t.name, t.shape) for t in header_le.tensors]


def test_version_2_reads_like_version_3(small: dict[str, Path]) -> None:
    data = small["qwen3:30b"].read_bytes()
    header = g.parse_header(gm.set_version(data, 2))
    assert header.version == 2
    assert header.metadata == g.parse_header(data).metadata


@pytest.mark.parametrize(("version", "pattern"), [(4, "unsupported GGUF version 4"), (1, "version 1"), (9, "9")])
def test_unsupported_versions_are_named(small: dict[str, Path], version: int, pattern: str) -> None:
    data = gm.set_version(small["llama3.1:8b"].read_bytes(), version)
    with pytest.raises(g.GGUFVersionError, match=pattern) as err:
        g.parse_header(data)
    assert err.value.version == version
    if version > 3:
        assert "newer collection" in str(err.value)


@pytest.mark.parametrize(
    "blob",
    [
        json.dumps({"schemaVersion": 2, "layers": []}).encode(),  # a manifest where a blob was expected
        struct.pack("<Q", 20) + b'{"__metadata__":{}}',  # a safetensors file
        b"\x00" * 64,
        b"PK\x03\x04" + b"\x00" * 60,
    ],
)
def test_non_gguf_blob_is_refused(blob: bytes) -> None:
    with pytest.raises(g.GGUFFormatError, match="not a GGUF file: it starts with"):
        g.parse_header(blob)


@pytest.mark.parametrize(("data", "needed"), [(b"", 4), (b"GG", 4), (b"GGUF", 8), (b"GGUF\x03\x00\x00\x00", 16)])
def test_tiny_prefixes_say_what_they_need(data: bytes, needed: int) -> None:
    with pytest.raises(g.GGUFIncomplete) as err:
        g.parse_header(data)
    assert err.value.needed == needed and err.value.have == len(data)


def test_every_cut_says_how_many_bytes_it_needs(small: dict[str, Path]) -> None:
    data = small["gpt-oss:20b"].read_bytes()
    full = g.parse_header(data)
    step = max(1, full.header_size // 400)
    for cut in [*range(0, full.header_size, step), full.header_size - 1]:
        with pytest.raises(g.GGUFIncomplete) as err:
            g.parse_header(data[:cut])
        assert cut < err.value.needed <= full.header_size, cut
    # Feeding exactly what it asks for always gets further and ends with the whole header.
    have, rounds = 0, 0
    while True:
        try:
            header = g.parse_header(data[:have])
            break
        except g.GGUFIncomplete as exc:
            assert exc.needed > have
            have = exc.needed
            rounds += 1
    assert have == full.header_size and header.metadata == full.metadata
    assert rounds > 20


def _patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    return data[:offset] + struct.pack(fmt, value) + data[offset + struct.calcsize(fmt) :]


@pytest.mark.parametrize(
    ("offset", "fmt", "value", "pattern"),
    [
        (8, "<Q", 1 << 40, "tensor count 1099511627776 exceeds"),
        (16, "<Q", 1 << 40, "key/value count 1099511627776 exceeds"),
        (24, "<Q", 1 << 62, "key 1 of .* claims a length of 4611686018427387904 bytes"),
    ],
)
def test_absurd_counts_and_lengths(small: dict[str, Path], offset: int, fmt: str, value: int, pattern: str) -> None:
    data = _patch(small["llama3.1:8b"].read_bytes(), offset, fmt, value)
    with pytest.raises(g.GGUFFormatError, match=pattern):
        g.parse_header(data)


def _kv_file(key: str, vtype: int, payload: bytes, tensors: bytes = b"", tensor_count: int = 0) -> bytes:
    raw_key = key.encode()
    return (
        b"GGUF"
        + struct.pack("<IQQ", 3, tensor_count, 1)
        + struct.pack("<Q", len(raw_key))
        + raw_key
        + struct.pack("<I", vtype)
        + payload
        + tensors
    )


def test_unknown_value_type_and_array_bounds() -> None:
    with pytest.raises(g.GGUFFormatError, match="unknown value type 13"):
        g.parse_header(_kv_file("x.y", 13, b""))
    with pytest.raises(g.GGUFFormatError, match="unknown array item type 42"):
        g.parse_header(_kv_file("x.y", 9, struct.pack("<IQ", 42, 1)))
    with pytest.raises(g.GGUFFormatError, match="claims 18446744073709551615 array items"):
        g.parse_header(_kv_file("x.y", 9, struct.pack("<IQ", 4, (1 << 64) - 1)))
    # An array of uint32 whose items lie beyond the prefix: needs exactly their bytes.
    with pytest.raises(g.GGUFIncomplete) as err:
        g.parse_header(_kv_file("x.y", 9, struct.pack("<IQ", 4, 1000)))
    assert err.value.needed == 4 + 20 + 8 + 3 + 4 + 12 + 4000


def test_nested_arrays_and_every_scalar_type() -> None:
    inner = struct.pack("<IQ", 0, 2) + b"\x01\x02"
    nested = g.parse_header(_kv_file("x.nested", 9, struct.pack("<IQ", 9, 2) + inner + inner))
    assert nested.metadata["x.nested"] == [[1, 2], [1, 2]]
    for vtype, (fmt, _size, _name) in g._SCALARS.items():
        value = 1 if fmt != "?" else True
        header = g.parse_header(_kv_file("x.v", vtype, struct.pack("<" + fmt, value)))
        assert header.metadata["x.v"] == value and header.value_types["x.v"] == vtype


def test_bad_alignment_and_dimensions() -> None:
    with pytest.raises(g.GGUFFormatError, match=r"general\.alignment 24 is not a power of two"):
        g.parse_header(_kv_file("general.alignment", 4, struct.pack("<I", 24)))
    tensor = struct.pack("<Q", 1) + b"t" + struct.pack("<I", 5) + struct.pack("<5Q", 1, 1, 1, 1, 1)
    with pytest.raises(g.GGUFFormatError, match="tensor t has 5 dimensions"):
        g.parse_header(_kv_file("general.alignment", 4, struct.pack("<I", 32), tensor, tensor_count=1))
    tensor = struct.pack("<Q", 1) + b"t" + struct.pack("<I", 2) + struct.pack("<2Q", 1 << 40, 1 << 40)
    with pytest.raises(g.GGUFFormatError, match="absurd shape"):
        g.parse_header(_kv_file("general.alignment", 4, struct.pack("<I", 32), tensor + b"\x00" * 12, 1))


def test_read_header_grows_only_while_incomplete(llama_full: Path) -> None:
    data = llama_full.read_bytes()
    calls: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        calls.append((start, end))
        return data[start:end]

    header = g.read_header(fetch, initial=2 << 20, limit=64 << 20, size=len(data))
    assert header.metadata["llama.block_count"] == 32
    # contiguous reads, each from where the last stopped, doubling (2 -> 4 -> 8 MiB) but not past the blob's end
    assert calls == [(0, 2 << 20), (2 << 20, 4 << 20), (4 << 20, len(data))]
    # a small header is read once
    calls.clear()
    g.read_header(fetch, initial=8 << 20, limit=64 << 20, size=len(data))
    assert calls == [(0, len(data))]


def test_read_header_stops_at_the_limit(llama_full: Path) -> None:
    data = llama_full.read_bytes()
    calls: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        calls.append((start, end))
        return data[start:end]

    with pytest.raises(g.GGUFTooLarge, match=r"larger than the read limit of 4194304 bytes") as err:
        g.read_header(fetch, initial=1 << 20, limit=4 << 20, where="http://r/blob")
    assert "http://r/blob" in str(err.value)
    assert calls[-1][1] == 4 << 20


def test_truncated_file_is_named(tmp_path: Path, small: dict[str, Path]) -> None:
    data = small["deepseek-v2:16b"].read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(data[:1000])
    with pytest.raises(g.GGUFFormatError, match=r"truncated GGUF header in .*cut.gguf: .* file ends after 1000"):
        g.read_file_header(str(cut), initial=64, limit=1 << 20)
    assert g.read_file_header(str(small["deepseek-v2:16b"]), initial=64).metadata["deepseek2.expert_count"] == 64
