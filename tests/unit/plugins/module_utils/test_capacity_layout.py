"""The llama.cpp runner's spare layer by Ollama release: counted up to 0.12.10, a placement reserve from 0.12.11."""

from __future__ import annotations

from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_catalog as cat
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_estimate as est

SPEC = cat.build_catalog()["llama3.1:8b"]
OLD = (0, 12, 10)
NEW = (0, 12, 11)


def _spare() -> int:
    kv = est.kv_layers(SPEC, 8192, 1, 512, "f16", "estimator")
    return SPEC.block_sizes()[0] + kv[0]


def _place(version: tuple[int, int, int] | None, free: int) -> est.Estimate:
    return est.estimate(SPEC, 8192, 1, "f16", [free], ollama_version=version)


def test_spare_layer_and_minimum_leave_the_model_size_from_0_12_11() -> None:
    free = 24 * est.GIB
    old, new = _place(OLD, free), _place(NEW, free)
    assert old.fits_vram and new.fits_vram
    assert old.overhead == est.GPU_MINIMUM_MEMORY + _spare()
    assert new.overhead == 0
    assert old.vram_used - new.vram_used == est.GPU_MINIMUM_MEMORY + _spare()
    assert old.total - new.total == est.GPU_MINIMUM_MEMORY + _spare()
    # No pinned release keeps the older accounting (never less than Ollama needs).
    assert _place(None, free).total == old.total


def test_the_spare_layer_still_keeps_room_free_while_placing() -> None:
    # Room for every layer and the larger graph beside the minimum, but not for the spare layer as well.
    full = _place(NEW, 24 * est.GIB)
    needed = full.vram_used - full.graph + max(full.graph_full, full.graph_partial) + est.GPU_MINIMUM_MEMORY
    short = _place(NEW, needed + _spare() // 2)
    assert not short.fits_vram and short.gpu_layers < short.layers_total
    assert _place(NEW, needed + _spare()).fits_vram


def test_cpu_only_has_no_spare_layer_from_0_12_11() -> None:
    old, new = _place(OLD, 0), _place(NEW, 0)
    assert old.gpu_layers == new.gpu_layers == 0
    assert old.total - new.total == _spare()
    assert new.overhead == 0 and new.total == new.weights + new.kv + new.graph_full


def test_newer_engine_models_are_unchanged() -> None:
    gemma = cat.build_catalog()["gemma3:12b"]
    for version in (OLD, NEW):
        method = est.method_for(gemma, version)
        assert method == "allocations"
    a = est.estimate(gemma, 8192, 1, "f16", [24 * est.GIB], method="allocations", ollama_version=OLD)
    b = est.estimate(gemma, 8192, 1, "f16", [24 * est.GIB], method="allocations", ollama_version=NEW)
    assert a == b
