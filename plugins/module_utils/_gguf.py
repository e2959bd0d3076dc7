# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reader for the header of a GGUF file (the model format of llama.cpp and Ollama).

One job: turn the first bytes of a GGUF file into its key/value metadata and
its tensor infos, without reading the tensor data. Standard library only, so it
runs inside Ansible modules on any target.

A GGUF file starts with a header:

* magic ``GGUF``, a uint32 version, the tensor count and the key/value count
  (uint64 each in versions 2 and 3);
* the key/value pairs: a string key, a uint32 value type and the value (one of
  twelve scalar types, a string, or a typed array of any of them);
* one info per tensor: name, number of dimensions, the dimensions, the ggml
  type and the offset of its data;
* padding up to ``general.alignment`` (32 by default), then the tensor data.

Version 1 used 32-bit counts and lengths and is not read. All integers are
little-endian unless the file was written big-endian; the version number tells
which (a big-endian 3 reads as 0x03000000 little-endian).

``parse_header`` works on any prefix of a file. When the prefix ends inside the
header it raises ``GGUFIncomplete`` whose ``needed`` is a byte count the
prefix must at least reach before parsing can get further, so a caller can
grow a ranged read (``read_header`` does that with a bound).
"""

from __future__ import annotations

import struct
import typing as t

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32

# Sanity bounds. Real models carry < 100 keys, < 5000 tensors (experts are
# stored merged), strings below 1 MiB (chat templates) and arrays of up to
# ~260k entries (vocabularies); anything far beyond is a corrupt or hostile file.
MAX_KV_COUNT = 1 << 16
MAX_TENSOR_COUNT = 1 << 20
MAX_STRING_LENGTH = 1 << 26
MAX_ARRAY_LENGTH = 1 << 26
MAX_ARRAY_DEPTH = 4
MAX_DIMS = 4  # GGML_MAX_DIMS
MAX_ELEMENTS = 1 << 48

# Arrays longer than this are summarised (type and length) instead of kept;
# per-layer arrays (at most a few hundred layers) stay whole.
KEEP_ARRAY_ITEMS = 4096

# Read bounds for read_header: start with this prefix, grow while incomplete.
INITIAL_READ = 2 << 20
MAX_READ = 64 << 20

# GGUF value types.
TYPE_STRING = 8
TYPE_ARRAY = 9
_SCALARS: dict[int, tuple[str, int, str]] = {
    0: ("B", 1, "uint8"),
    1: ("b", 1, "int8"),
    2: ("H", 2, "uint16"),
    3: ("h", 2, "int16"),
    4: ("I", 4, "uint32"),
    5: ("i", 4, "int32"),
    6: ("f", 4, "float32"),
    7: ("?", 1, "bool"),
    10: ("Q", 8, "uint64"),
    11: ("q", 8, "int64"),
    12: ("d", 8, "float64"),
}


def value_type_name(code: int) -> str:
    if code == TYPE_STRING:
        return "string"
    if code == TYPE_ARRAY:
        return "array"
    return _SCALARS[code][2] if code in _SCALARS else "type %d" % code


# ggml tensor types: id -> (name, elements per block, bytes per block).
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 40),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66),
    17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18),
    21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
    40: ("NVFP4", 64, 36),
    41: ("Q1_0", 128, 18),
}

# llama.cpp's llama_ftype (general.file_type) -> the name Ollama shows as quantization_level.
FILE_TYPES: dict[int, str] = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
    39: "NVFP4",
    40: "Q1_0",
}


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class GGUFError(ValueError):
    """Base error; ``str()`` is a complete message."""


class GGUFFormatError(GGUFError):
    """Not a GGUF file, or a corrupt header (bad type, absurd count or length)."""


class GGUFVersionError(GGUFError):
    """A GGUF version this reader does not read (1, or newer than 3)."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


class GGUFIncomplete(GGUFError):
    """The prefix ends inside the header; ``needed`` bytes are required to get further."""

    def __init__(self, needed: int, have: int, what: str) -> None:
        super().__init__("GGUF header incomplete: reading %s needs %d bytes, only %d available" % (what, needed, have))
        self.needed = needed
        self.have = have
        self.what = what


class GGUFTooLarge(GGUFError):
    """The header is larger than the caller's read limit."""


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


class SkippedArray:
    """An array longer than the keep limit: its element type and length only."""

    __slots__ = ("item_type", "length")

    def __init__(self, item_type: int, length: int) -> None:
        self.item_type = item_type
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SkippedArray) and (self.item_type, self.length) == (other.item_type, other.length)

    def __hash__(self) -> int:
        return hash((self.item_type, self.length))

    def __repr__(self) -> str:
        return "SkippedArray(%s, %d)" % (value_type_name(self.item_type), self.length)

    def summary(self) -> dict[str, t.Any]:
        return {"array_of": value_type_name(self.item_type), "length": self.length}


class TensorInfo:
    """One tensor's name, shape (GGUF order: innermost dimension first), ggml type and data offset."""

    __slots__ = ("ggml_type", "name", "offset", "shape")

    def __init__(self, name: str, shape: tuple[int, ...], ggml_type: int, offset: int) -> None:
        self.name = name
        self.shape = shape
        self.ggml_type = ggml_type
        self.offset = offset

    @property
    def type_name(self) -> str:
        known = GGML_TYPES.get(self.ggml_type)
        return known[0] if known else "type %d" % self.ggml_type

    @property
    def elements(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count

    @property
    def nbytes(self) -> int | None:
        """Bytes of the tensor's data, None for a ggml type this reader does not know."""
        known = GGML_TYPES.get(self.ggml_type)
        if known is None:
            return None
        _name, block, size = known
        return self.elements // block * size

    def __repr__(self) -> str:
        return "TensorInfo(%r, %r, %s)" % (self.name, self.shape, self.type_name)


class GGUFHeader:
    """Parsed header: version, byte order, metadata, tensor infos and where the tensor data starts."""

    def __init__(
        self,
        version: int,
        byte_order: str,
        metadata: dict[str, t.Any],
        value_types: dict[str, int],
        tensors: list[TensorInfo],
        header_size: int,
        alignment: int,
    ) -> None:
        self.version = version
        self.byte_order = byte_order
        self.metadata = metadata
        self.value_types = value_types
        self.tensors = tensors
        self.header_size = header_size
        self.alignment = alignment

    @property
    def data_offset(self) -> int:
        """Offset of the first tensor's data (the header padded to the alignment)."""
        return -(-self.header_size // self.alignment) * self.alignment

    @property
    def parameter_count(self) -> int:
        return sum(tensor.elements for tensor in self.tensors)

    def tensor(self, name: str) -> TensorInfo | None:
        for tensor in self.tensors:
            if tensor.name == name:
                return tensor
        return None


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------


class _Cursor:
    __slots__ = ("data", "end", "order", "pos")

    def __init__(self, data: bytes, order: str) -> None:
        self.data = data
        self.end = len(data)
        self.order = order
        self.pos = 0

    def need(self, size: int, what: str) -> None:
        if self.pos + size > self.end:
            raise GGUFIncomplete(self.pos + size, self.end, what)

    def unpack(self, fmt: str, size: int, what: str) -> t.Any:
        self.need(size, what)
        value = struct.unpack_from(self.order + fmt, self.data, self.pos)[0]
        self.pos += size
        return value

    def u32(self, what: str) -> int:
        return int(self.unpack("I", 4, what))

    def u64(self, what: str) -> int:
        return int(self.unpack("Q", 8, what))

    def string(self, what: str, limit: int = MAX_STRING_LENGTH) -> str:
        start = self.pos
        length = self.u64(what)
        if length > limit:
            raise GGUFFormatError(
                "corrupt GGUF header: %s at byte %d claims a length of %d bytes (limit %d)"
                % (what, start, length, limit)
            )
        self.need(length, what)
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        return raw.decode("utf-8", errors="replace")


def _skip_strings(cur: _Cursor, count: int, what: str) -> None:
    """Step over ``count`` strings (a vocabulary of ~260k entries), in one tight loop."""
    unpack = struct.Struct(cur.order + "Q").unpack_from
    data, end, pos = cur.data, cur.end, cur.pos
    for _index in range(count):
        if pos + 8 > end:
            raise GGUFIncomplete(pos + 8, end, what)
        length = unpack(data, pos)[0]
        if length > MAX_STRING_LENGTH:
            raise GGUFFormatError(
                "corrupt GGUF header: %s at byte %d claims a length of %d bytes (limit %d)"
                % (what, pos, length, MAX_STRING_LENGTH)
            )
        pos += 8 + length
    if pos > end:
        raise GGUFIncomplete(pos, end, what)
    cur.pos = pos


def _value(cur: _Cursor, vtype: int, what: str, keep: int, depth: int = 0) -> t.Any:
    if vtype in _SCALARS:
        fmt, size, _name = _SCALARS[vtype]
        return cur.unpack(fmt, size, what)
    if vtype == TYPE_STRING:
        return cur.string(what)
    if vtype == TYPE_ARRAY:
        return _array(cur, what, keep, depth)
    raise GGUFFormatError("corrupt GGUF header: %s at byte %d has unknown value type %d" % (what, cur.pos - 4, vtype))


def _array(cur: _Cursor, what: str, keep: int, depth: int) -> t.Any:
    if depth >= MAX_ARRAY_DEPTH:
        raise GGUFFormatError("corrupt GGUF header: %s nests arrays deeper than %d" % (what, MAX_ARRAY_DEPTH))
    start = cur.pos
    item_type = cur.u32(what)
    length = cur.u64(what)
    if length > MAX_ARRAY_LENGTH:
        raise GGUFFormatError(
            "corrupt GGUF header: %s at byte %d claims %d array items (limit %d)"
            % (what, start, length, MAX_ARRAY_LENGTH)
        )
    if item_type in _SCALARS:
        fmt, size, _name = _SCALARS[item_type]
        cur.need(length * size, what)
        if length > keep:
            cur.pos += length * size
            return SkippedArray(item_type, length)
        values = list(struct.unpack_from("%s%d%s" % (cur.order, length, fmt), cur.data, cur.pos))
        cur.pos += length * size
        return values
    if item_type == TYPE_STRING:
        if length > keep:
            _skip_strings(cur, length, what)
            return SkippedArray(item_type, length)
        return [cur.string(what) for _index in range(length)]
    if item_type == TYPE_ARRAY:
        items = [_array(cur, what, keep, depth + 1) for _index in range(length)]
        return SkippedArray(item_type, length) if length > keep else items
    raise GGUFFormatError(
        "corrupt GGUF header: %s at byte %d has unknown array item type %d" % (what, start, item_type)
    )


def _byte_order(data: bytes) -> tuple[str, int]:
    """('<' or '>', version) from the 4 version bytes after the magic."""
    little = struct.unpack_from("<I", data, 4)[0]
    if little & 0xFFFF == 0 and little != 0:
        # Byte-swapped small number: a big-endian file (gguf's own reader uses the same test).
        return ">", struct.unpack_from(">I", data, 4)[0]
    return "<", little


def parse_header(data: bytes, keep_array_items: int = KEEP_ARRAY_ITEMS) -> GGUFHeader:
    """Parse the GGUF header in ``data`` (a prefix of the file, or all of it).

    Raises GGUFIncomplete when the prefix is too short, GGUFFormatError for a
    file that is not GGUF or is corrupt, GGUFVersionError for version 1 or a
    version newer than 3.
    """
    data = bytes(data)
    if len(data) < 4:
        raise GGUFIncomplete(4, len(data), "the magic")
    if data[:4] != MAGIC:
        raise GGUFFormatError("not a GGUF file: it starts with %s, a GGUF file with %s" % (data[:4].hex(), MAGIC.hex()))
    if len(data) < 8:
        raise GGUFIncomplete(8, len(data), "the version")
    order, version = _byte_order(data)
    if version == 1:
        raise GGUFVersionError("GGUF version 1 (the 2023 draft format) is not supported: convert the model again", 1)
    if version not in SUPPORTED_VERSIONS:
        raise GGUFVersionError(
            "unsupported GGUF version %d: this reader knows versions %s; a newer version needs a newer collection"
            % (version, " and ".join(str(v) for v in SUPPORTED_VERSIONS)),
            version,
        )
    cur = _Cursor(data, order)
    cur.pos = 8
    tensor_count = cur.u64("the tensor count")
    kv_count = cur.u64("the key/value count")
    if tensor_count > MAX_TENSOR_COUNT:
        raise GGUFFormatError("corrupt GGUF header: tensor count %d exceeds %d" % (tensor_count, MAX_TENSOR_COUNT))
    if kv_count > MAX_KV_COUNT:
        raise GGUFFormatError("corrupt GGUF header: key/value count %d exceeds %d" % (kv_count, MAX_KV_COUNT))

    metadata: dict[str, t.Any] = {}
    value_types: dict[str, int] = {}
    for index in range(kv_count):
        key = cur.string("key %d of %d" % (index + 1, kv_count), limit=65535)
        vtype = cur.u32("the type of %s" % key)
        metadata[key] = _value(cur, vtype, key, keep_array_items)
        value_types[key] = vtype

    alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if (
        not isinstance(alignment, int)
        or isinstance(alignment, bool)
        or alignment <= 0
        or alignment & (alignment - 1)
        or alignment > 1 << 20
    ):
        raise GGUFFormatError("corrupt GGUF header: general.alignment %r is not a power of two" % (alignment,))

    tensors: list[TensorInfo] = []
    for index in range(tensor_count):
        name = cur.string("the name of tensor %d of %d" % (index + 1, tensor_count), limit=65535)
        dims = cur.u32("the dimension count of %s" % name)
        if not 1 <= dims <= MAX_DIMS:
            raise GGUFFormatError("corrupt GGUF header: tensor %s has %d dimensions (1 to %d)" % (name, dims, MAX_DIMS))
        shape = tuple(cur.u64("the shape of %s" % name) for _dim in range(dims))
        tensor = TensorInfo(name, shape, cur.u32("the type of %s" % name), cur.u64("the offset of %s" % name))
        if tensor.elements > MAX_ELEMENTS:
            raise GGUFFormatError("corrupt GGUF header: tensor %s has an absurd shape %r" % (name, shape))
        tensors.append(tensor)

    return GGUFHeader(
        version=version,
        byte_order="big" if order == ">" else "little",
        metadata=metadata,
        value_types=value_types,
        tensors=tensors,
        header_size=cur.pos,
        alignment=alignment,
    )


def read_header(
    fetch: t.Callable[[int, int], bytes],
    initial: int = INITIAL_READ,
    limit: int = MAX_READ,
    size: int | None = None,
    where: str = "the blob",
    keep_array_items: int = KEEP_ARRAY_ITEMS,
) -> GGUFHeader:
    """Parse a header read in growing prefixes.

    ``fetch(start, end)`` returns the bytes ``[start, end)``; fewer only at the
    end of the file. Reads ``initial`` bytes first, then grows to what the
    parser needs (at least doubling) up to ``limit``; ``size`` (when known)
    caps the reads at the end of the file. ``where`` names the file in errors.
    """
    if initial < 8 or limit < initial:
        raise ValueError("read bounds must satisfy 8 <= initial <= limit")
    buf = bytearray()
    want = initial if size is None else min(initial, size)
    at_end = False
    while True:
        if len(buf) < want and not at_end:
            chunk = fetch(len(buf), want)
            buf += chunk
            at_end = len(buf) < want or (size is not None and len(buf) >= size)
        try:
            return parse_header(bytes(buf), keep_array_items)
        except GGUFIncomplete as exc:
            if at_end:
                raise GGUFFormatError(
                    "truncated GGUF header in %s: %s needs %d bytes but the file ends after %d"
                    % (where, exc.what, exc.needed, len(buf))
                ) from exc
            if exc.needed > limit:
                raise GGUFTooLarge(
                    "GGUF header of %s is larger than the read limit of %d bytes (%s needs %d)"
                    % (where, limit, exc.what, exc.needed)
                ) from exc
            want = min(limit, max(exc.needed, 2 * len(buf)))
            if size is not None:
                want = min(want, size)


def read_file_header(path: str, initial: int = INITIAL_READ, limit: int = MAX_READ) -> GGUFHeader:
    """Header of a local GGUF file, read in growing prefixes."""
    with open(path, "rb") as handle:

        def fetch(start: int, end: int) -> bytes:
            handle.seek(start)
            return handle.read(end - start)

        return read_header(fetch, initial, limit, where=path)
