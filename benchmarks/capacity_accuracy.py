"""Replay tests/unit/data/ground_truth.yml through the capacity planner's estimator.

Prints, for every published measurement, what the planner predicts and the
relative error, then a summary per model family (the GGUF architecture: llama,
qwen2, gemma3 with sliding window and vision projector...); exits 1 when any
error is above the table's tolerance (10 %). A row may name the planner's
method (``estimator`` or ``allocations``); the default is the estimator, which
is what every Ollama release the published figures come from used. Values a
row lists under ``reference`` are printed with their error but not held to the
tolerance (the row's note says why the planner's figure is not the same quantity).

    source scripts/lib.sh; ensure_venv
    python benchmarks/capacity_accuracy.py            # table
    python benchmarks/capacity_accuracy.py --json     # machine-readable
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "unit" / "data" / "ground_truth.yml"
# The repository is the collection; its parent chain .cache/collections makes the import work.
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_catalog import build_catalog
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import (
    GIB,
    MIB,
    estimate,
    parse_version,
)

# measured key -> (Estimate attribute, unit in bytes)
FIELDS: dict[str, tuple[str, int]] = {
    "total_gib": ("total", GIB),
    "weights_gib": ("weights", GIB),
    "vram_gib": ("vram_used", GIB),
    "kv_mib": ("kv", MIB),
    "graph_full_mib": ("graph_full", MIB),
    "graph_partial_mib": ("graph_partial", MIB),
    "nonrepeating_mib": ("nonrepeating", MIB),
    "gpu_layers": ("gpu_layers", 1),
}


def load(path: Path = TABLE) -> tuple[float, list[dict[str, Any]]]:
    """The tolerance and the rows, with series expanded into rows."""
    data = yaml.safe_load(path.read_text())
    rows = list(data.get("rows", []))
    for series in data.get("series", []):
        for model, num_ctx, total, vram in series["points"]:
            measured = {"total_gib": total}
            if vram is not None:
                measured["vram_gib"] = vram
            rows.append(
                {
                    "id": f"{series['id']}-{model}-{num_ctx}",
                    "source": series["source"],
                    "model": model,
                    "num_ctx": num_ctx,
                    "num_parallel": series["num_parallel"],
                    "kv_cache_type": series["kv_cache_type"],
                    "gpu_free_gib": series["gpu_free_gib"],
                    "measured": measured,
                }
            )
    return float(data["tolerance"]), rows


def evaluate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One result per measured value: id, field, measured, predicted, error (relative), compared."""
    extra = [r["catalog_row"] for r in rows if r.get("catalog_row")]
    catalog = build_catalog(extra)
    results = []
    for row in rows:
        spec = catalog[row["model"]]
        result = estimate(
            spec,
            num_ctx=int(row["num_ctx"]),
            num_parallel=int(row["num_parallel"]),
            kv_cache_type=str(row["kv_cache_type"]),
            gpu_free=[int(g * GIB) for g in row["gpu_free_gib"]],
            method=str(row.get("method") or "estimator"),
            ollama_version=parse_version(row.get("ollama_version")),
        )
        values = {**result.as_dict(), "nonrepeating": spec.output_bytes}
        figures = [(key, value, True) for key, value in row["measured"].items()]
        figures += [(key, value, False) for key, value in (row.get("reference") or {}).items()]
        for key, measured, compared in figures:
            attribute, unit = FIELDS[key]
            predicted = values[attribute] / unit
            error = (predicted - measured) / measured
            results.append(
                {
                    "id": row["id"],
                    "field": key,
                    "measured": measured,
                    "predicted": round(predicted, 3),
                    "error": error,
                    "source": row["source"],
                    "family": spec.architecture,
                    "compared": compared,
                }
            )
    return results


def families(results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per model family: how many compared values, the largest and the mean |error|."""
    summary: dict[str, dict[str, float]] = {}
    for family in sorted({r["family"] for r in results if r["compared"]}):
        errors = [abs(r["error"]) for r in results if r["family"] == family and r["compared"]]
        summary[family] = {"values": len(errors), "max_error": max(errors), "mean_abs_error": sum(errors) / len(errors)}
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    tolerance, rows = load()
    results = evaluate(rows)
    compared = [r for r in results if r["compared"]]
    worst = max(abs(r["error"]) for r in compared)
    mean = sum(abs(r["error"]) for r in compared) / len(compared)
    within_goal = sum(1 for r in compared if abs(r["error"]) <= 0.05)
    failed = [r for r in compared if abs(r["error"]) > tolerance]
    if args.json:
        print(
            json.dumps(
                {"results": results, "families": families(results), "max_error": worst, "mean_abs_error": mean},
                indent=2,
            )
        )
    else:
        print(f"{'row':<44} {'field':<18} {'measured':>9} {'predicted':>10} {'error':>8}")
        for r in results:
            mark = "  FAIL" if r in failed else ("  (reference, not compared)" if not r["compared"] else "")
            print(
                f"{r['id']:<44} {r['field']:<18} {r['measured']:>9g} {r['predicted']:>10.3f} "
                f"{100 * r['error']:>+7.1f}%{mark}"
            )
        print(f"\n{'family':<16} {'values':>6} {'max |error|':>12} {'mean':>8}")
        for family, figures in families(results).items():
            print(
                f"{family:<16} {int(figures['values']):>6} {100 * figures['max_error']:>11.1f}% "
                f"{100 * figures['mean_abs_error']:>7.1f}%"
            )
        print(
            f"\n{len(compared)} values from {len(rows)} rows: max |error| {100 * worst:.1f} %, "
            f"mean {100 * mean:.1f} %, {within_goal} within 5 %, {len(failed)} above {100 * tolerance:.0f} %; "
            f"{len(results) - len(compared)} reference values not compared"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
