"""The verify report: models measured against the Ollama emulator with known timings,
judged against the design's bands, explained from a capacity plan, rendered three ways.

The emulator (tests/emulators/ollama, a test double) answers over real HTTP at the rates
set here, so every verdict is known in advance: a small model at 50 tok/s with a 0.12 s
first token meets the small band; a 14B model at 8 tok/s misses the medium band's 10
tok/s, and the plan (72%/28% CPU/GPU) says why; 6 users on 2 slots queue 4 requests.
"""

from __future__ import annotations

import json
import sys
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _verify_perf as perf
from ansible_collections.aistack.baremetal.plugins.module_utils import _verify_report as rep

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "emulators" / "ollama"))
import ollama_emulator as emu

SVG = "{http://www.w3.org/2000/svg}"
BANDS = {
    "small": {
        "label": "small (1-8B)",
        "params_b": [0, 11],
        "first_token_s": [0.1, 0.5],
        "tokens_per_s": [20, 50],
        "users": [10, 20],
    },
    "medium": {
        "label": "medium (14-32B)",
        "params_b": [11, 51],
        "first_token_s": [0.5, 2],
        "tokens_per_s": [10, 30],
        "users": [5, 10],
    },
    "large": {
        "label": "large (70B+)",
        "params_b": [51, None],
        "first_token_s": [1, 5],
        "tokens_per_s": [5, 15],
        "users": [2, 5],
    },
}
PLAN = {
    "host": "ai-server",
    "models": {
        "primary": {
            "settings": {"num_parallel": 2},
            "models": [
                {
                    "name": "llama3.2:1b",
                    "parameters": 1_240_000_000,
                    "processor": "100% GPU",
                    "gpu_layers": 17,
                    "layers_total": 17,
                },
                {
                    "name": "qwen2.5-coder:14b",
                    "parameters": 14_800_000_000,
                    "processor": "72%/28% CPU/GPU",
                    "gpu_layers": 14,
                    "layers_total": 49,
                },
            ],
        }
    },
}
PROMPT = "one two three four five six seven eight nine ten"


def _settings(server: emu.EmulatorServer, timing: dict[str, Any]) -> None:
    request = urllib.request.Request(
        server.url + "/_emulator/settings", data=json.dumps({"timing": timing}).encode(), method="POST"
    )
    urllib.request.urlopen(request).read()


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    with emu.EmulatorServer() as srv:
        for name in ("llama3.2:1b", "qwen2.5-coder:14b"):
            srv.state.install(emu.parse_name(name), srv.state.remote(emu.parse_name(name)))
        target = perf.Target(srv.url, timeout=10)
        _settings(srv, {"prompt_rate": 100, "token_rate": 50, "num_parallel": 2})
        small = perf.measure_model(
            target, "llama3.2:1b", PROMPT, 10, requests=3, users=6, time_limit=30, num_parallel=2
        )
        _settings(srv, {"prompt_rate": 100, "token_rate": 8, "num_parallel": 2})
        medium = perf.measure_model(target, "qwen2.5-coder:14b", PROMPT, 4, requests=2, users=0, time_limit=30)
    small.update(instance="primary", tier="hot")
    medium.update(instance="primary", tier="hot")
    return [small, medium]


@pytest.fixture
def report(results: list[dict[str, Any]]) -> dict[str, Any]:
    smoke = [
        {"check": "TLS", "target": "https://ai.local", "ok": True, "detail": "HTTP 200"},
        {"check": "TLS", "target": "https://jupyter.local", "ok": False, "detail": "certificate verify failed"},
    ]
    return rep.judge(results, BANDS, [PLAN], smoke, inventory="example")


def test_verdicts_follow_the_known_timings(report: dict[str, Any]) -> None:
    small, medium = report["models"]
    assert small["band"] == "small" and medium["band"] == "medium"
    checks = {c["name"]: c for c in small["checks"]}
    # 0.12 s first token, 50 tok/s: inside the small band.
    assert checks["first token"]["met"] and checks["tokens/s"]["met"]
    # 6 users on 2 slots: 4 wait, the last ones get their first token after ~0.72 s > 0.5 s.
    assert checks["users"]["met"] is False
    assert small["verdict"] == rep.NOT_MET
    assert any("4 of 6 concurrent requests waited for a slot (OLLAMA_NUM_PARALLEL=2)" in w for w in small["why"])
    # 8 tok/s is below the medium band's 10; the plan says why.
    mchecks = {c["name"]: c for c in medium["checks"]}
    assert mchecks["tokens/s"]["met"] is False and mchecks["first token"]["met"] is True
    assert medium["verdict"] == rep.NOT_MET
    assert medium["why"][0] == "split 72%/28% CPU/GPU (14/49 layers on the GPU): expect CPU speed"
    assert report["tiers"]["large"]["verdict"] == rep.NOT_MEASURED
    assert report["smoke_failed"] == 1 and report["met"] is False


def test_a_model_within_its_band_is_met(results: list[dict[str, Any]]) -> None:
    small = dict(results[0], concurrent=None)
    report = rep.judge([small], BANDS, [PLAN])
    assert report["models"][0]["verdict"] == rep.MET
    assert report["tiers"]["small"]["verdict"] == rep.MET and report["met"] is True


def test_size_from_parameter_size_when_not_planned(results: list[dict[str, Any]]) -> None:
    other = dict(results[0], model="mistral:7b", parameter_size="7.2B")
    judged = rep.judge([other], BANDS, [PLAN])["models"][0]
    assert judged["band"] == "small" and "not in the capacity plan" in judged["why"][0]
    unknown = rep.judge([dict(results[0], model="x:1b")], BANDS, [])["models"][0]
    assert unknown["verdict"] == rep.NOT_MEASURED and "size unknown" in unknown["why"][0]
    assert rep.parameters_b("137M") == pytest.approx(0.137) and rep.parameters_b("70.6B") == 70.6


def test_markdown_says_met_or_not_and_why(report: dict[str, Any]) -> None:
    text = rep.render_markdown(report)
    assert text.startswith("# Verify: example")
    assert "Smoke: 1/2 passed" in text and "Overall: NOT met" in text
    assert "| **FAILED** | **certificate verify failed** |" in text
    assert "| medium (14-32B) | 11-51 B | 0.5-2 s | 10-30 | 5-10 | **not met** | qwen2.5-coder:14b |" in text
    assert "split 72%/28% CPU/GPU (14/49 layers on the GPU): expect CPU speed" in text
    assert "| large (70B+) | 51+ B | 1-5 s | 5-15 | 2-5 | not measured | - |" in text


def test_html_is_self_contained_with_the_charts(report: dict[str, Any]) -> None:
    page = rep.render_html(report)
    root = ET.fromstring(page.split("\n", 1)[1])  # noqa: S314 - our own output; the XML parser proves it well-formed
    titles = [s.get("aria-label") or "" for s in root.iter(f"{SVG}svg")]
    assert "small (1-8B): tokens/s per model (median) against the design band" in titles
    assert "medium (14-32B): time to first token per request (s)" in titles
    strip = next(
        s for s in root.iter(f"{SVG}svg") if s.get("aria-label") == "small (1-8B): time to first token per request (s)"
    )
    # one dot per request: 2 warm single requests + 6 concurrent ones
    assert len(list(strip.iter(f"{SVG}circle"))) == 8
    rates = next(s for s in root.iter(f"{SVG}svg") if s.get("aria-label", "").startswith("medium (14-32B): tokens/s"))
    markers = [t.text for t in rates.iter(f"{SVG}text") if t.get("class") == "marker"]
    assert markers == ["design min 10", "design max 30"]
    # the model below its band is drawn in the problem colour
    assert any(r.get("fill") == rep.COLORS["over"] for r in rates.iter(f"{SVG}rect"))
    assert "<script" not in page and "https://" not in page.replace("https://ai.local", "").replace(
        "https://jupyter.local", ""
    )


def test_json_round_trips_and_files_are_idempotent(report: dict[str, Any], tmp_path: Path) -> None:
    assert json.loads(rep.render_json(report))["tiers"]["medium"]["verdict"] == "not met"
    changed, files, _contents = rep.write(str(tmp_path / "r"), report, check_mode=True)
    assert changed and not (tmp_path / "r").exists()
    changed, files, _contents = rep.write(str(tmp_path / "r"), report)
    assert changed and sorted(Path(p).name for p in files.values()) == ["verify.html", "verify.json", "verify.md"]
    assert rep.write(str(tmp_path / "r"), report)[0] is False


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ({}, "bands must be a non-empty mapping"),
        ({"small": {"params_b": [0, 8]}}, "bands.small lacks first_token_s, tokens_per_s, users"),
        ({"small": dict(BANDS["small"], tokens_per_s=[30, 20])}, r"bands.small.tokens_per_s\[1\]"),
        ({"small": dict(BANDS["small"], speed=1)}, "bands.small has unknown keys"),
    ],
)
def test_bad_bands_name_the_path(bands: Any, message: str) -> None:
    with pytest.raises(rep.VerifyReportError, match=message):
        rep.judge([], bands)
