# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, catalog rows: the built-in catalog and ``aistack_model_catalog_extra`` as ModelSpecs.

Each row is validated (every bad field of a row named at once) and turned into the
:class:`ModelSpec` the estimator reads. A bad built-in row raises
:class:`CapacityInputError`; a bad extra row is recorded as a problem and left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import (
    BITS_PER_WEIGHT,
    QUANT_BASE_TYPE,
    ModelSpec,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import (
    MAX_CONTEXT,
    CapacityInputError,
    Problems,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._model_arch import SWA_PERIOD_BY_ARCH
from ansible_collections.aistack.baremetal.plugins.module_utils._model_catalog import (
    CATALOG,
    OPTIONAL_DEFAULTS,
    REQUIRED_FIELDS,
)


def normalise_model_name(name: str) -> str:
    """Shortest display form, as ``/api/tags`` shows it (types/model/name.go)."""
    value = name.strip().lower()
    for prefix in ("https://", "http://"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    for prefix in ("registry.ollama.ai/library/", "registry.ollama.ai/", "library/"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    last = value.rsplit("/", 1)[-1]
    if ":" not in last:
        value += ":latest"
    return value


def _int_field(row: Mapping[str, Any], field: str, where: str, minimum: int = 1, maximum: int | None = None) -> int:
    value = row.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise CapacityInputError(f"{where}: field '{field}' must be an integer, got {value!r}")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise CapacityInputError(f"{where}: field '{field}' must be {bound}, got {number}")
    return number


def spec_from_row(row: Mapping[str, Any], where: str, origin: str = "catalog") -> ModelSpec:
    """Validate one catalog row and derive a ModelSpec; the error names every bad field of the row."""
    if not isinstance(row, Mapping):
        raise CapacityInputError(f"{where}: each row must be a mapping, got {type(row).__name__}")
    missing = [f for f in REQUIRED_FIELDS if row.get(f) in (None, "")]
    if missing:
        raise CapacityInputError(f"{where}: row {row.get('name', '?')!r} lacks required fields {', '.join(missing)}")
    data = {**OPTIONAL_DEFAULTS, **row}
    name = normalise_model_name(str(data["name"]))
    here = f"{where} row {name!r}"
    bad: list[str] = []

    def field(key: str, maximum: int, minimum: int = 1) -> int:
        try:
            return _int_field(data, key, here, minimum, maximum)
        except CapacityInputError as exc:
            bad.append(str(exc).removeprefix(f"{here}: "))
            return max(minimum, 1)

    quant = str(data["quantization"]).upper()
    if quant not in QUANT_BASE_TYPE:
        bad.append(f"unknown quantization {quant!r} (known: {', '.join(sorted(QUANT_BASE_TYPE))})")
        quant = "Q4_K_M"
    head_count = field("head_count", 4096)
    embedding = field("embedding_length", 1 << 20)
    default_head = max(embedding // head_count, 1)
    key_length = default_head if data["key_length"] is None else field("key_length", 4096)
    value_length = default_head if data["value_length"] is None else field("value_length", 4096)
    output_type = str(data["output_type"]).upper()
    token_type = str(data["token_embd_type"] or QUANT_BASE_TYPE[quant]).upper()
    for label, ggml_type in (("output_type", output_type), ("token_embd_type", token_type)):
        if ggml_type not in BITS_PER_WEIGHT:
            bad.append(f"unknown {label} {ggml_type!r} (known: {', '.join(BITS_PER_WEIGHT)})")
    context_length = field("context_length", MAX_CONTEXT)
    default_ctx = None if data["default_num_ctx"] is None else field("default_num_ctx", context_length)
    size_bytes = field("size_bytes", 1 << 44)
    parameters = None if data["parameters"] is None else field("parameters", 10**14)
    block_count = field("block_count", 4096)
    head_count_kv = field("head_count_kv", head_count)
    vocab_size = field("vocab_size", 10_000_000)
    architecture = str(data["architecture"]).lower()
    sliding_window = field("sliding_window", MAX_CONTEXT, 0) if data["sliding_window"] else 0
    swa_layers: tuple[bool, ...] = ()
    layers = data["sliding_window_layers"]
    if sliding_window and layers is not None:
        if not isinstance(layers, Sequence) or isinstance(layers, (str, bytes)) or len(layers) != block_count:
            bad.append(f"field 'sliding_window_layers' must be a list of {block_count} booleans (one per block)")
        else:
            swa_layers = tuple(bool(item) for item in layers)
    elif sliding_window and architecture in SWA_PERIOD_BY_ARCH:
        period = SWA_PERIOD_BY_ARCH[architecture]
        swa_layers = tuple(block % period < period - 1 for block in range(block_count))
    elif sliding_window:
        swa_layers = (True,) * block_count
    moe = {
        key: field(key, maximum, 0) if data[key] else 0
        for key, maximum in (
            ("projector_bytes", 1 << 40),
            ("projector_graph_bytes", 1 << 40),
            ("expert_count", 4096),
            ("expert_used_count", 4096),
            ("expert_shared_count", 4096),
            ("leading_dense_block_count", block_count),
            ("feed_forward_length", 1 << 24),
            ("expert_feed_forward_length", 1 << 24),
        )
    }
    if bad:
        raise CapacityInputError(f"{here}: " + "; ".join(bad))
    spec = ModelSpec(
        name=name,
        size_bytes=size_bytes,
        quantization=quant,
        parameters=parameters,
        architecture=architecture,
        block_count=block_count,
        head_count=head_count,
        head_count_kv=head_count_kv,
        key_length=key_length,
        value_length=value_length,
        embedding_length=embedding,
        vocab_size=vocab_size,
        context_length=context_length,
        tied_embeddings=bool(data["tied_embeddings"]),
        output_type=output_type,
        token_embd_type=token_type,
        default_num_ctx=default_ctx,
        digest=None if data["digest"] is None else str(data["digest"]),
        source=str(data["source"]),
        unverified=tuple(str(u) for u in data["unverified"] or ()),
        sliding_window=sliding_window,
        swa_layers=swa_layers,
        origin=origin,
        **moe,
    )
    if spec.repeating_bytes <= 0:
        raise CapacityInputError(
            f"{here}: size_bytes {spec.size_bytes} is smaller than its output and embedding tensors "
            f"({spec.output_bytes + spec.token_embd_bytes} bytes); check size_bytes, vocab_size and embedding_length"
        )
    return spec


def build_catalog(
    extra: Sequence[Mapping[str, Any]] | None = None,
    problems: Problems | None = None,
    facts: Mapping[str, ModelSpec] | None = None,
) -> dict[str, ModelSpec]:
    """The built-in catalog, then models read by model_architecture (``facts``), then
    ``aistack_model_catalog_extra`` rows (each wins over the ones before on a name clash).

    A bad extra row is recorded in ``problems`` and left out; without ``problems`` it raises.
    """
    catalog = {spec.name: spec for spec in (spec_from_row(r, "built-in catalog") for r in CATALOG)}
    catalog.update(facts or {})
    found = problems if problems is not None else Problems()
    if extra is not None and (not isinstance(extra, Sequence) or isinstance(extra, (str, bytes))):
        found.bad("aistack_model_catalog_extra", extra, "a list of catalog rows")
        extra = ()
    for index, row in enumerate(extra or ()):
        where = f"aistack_model_catalog_extra[{index}]"
        try:
            spec = spec_from_row(row, where, "catalog_extra")
        except CapacityInputError as exc:
            found.error(
                "inventory",
                str(exc),
                f"Correct {where} (required fields: {', '.join(REQUIRED_FIELDS)}; "
                "`ollama show --verbose MODEL` prints them)",
            )
            continue
        catalog[spec.name] = spec
    if problems is None and found.items:
        raise CapacityInputError(found.items[0]["message"])
    return catalog
