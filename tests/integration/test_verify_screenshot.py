"""The verify report's HTML page rendered by a real browser (Debian's chromium, headless).

The models are measured against the Ollama emulator (tests/emulators/ollama, a test double)
over real HTTP, judged against the verify role's default bands and rendered; chromium takes a
screenshot of the page from disk. The page must render (a PNG of the window's size, far larger
than a blank page's) and its charts must be laid out inside the page (the SVGs' widths fit the
window). The integration tier installs chromium; without it the test is skipped, saying so.
Set AISTACK_SCREENSHOT_DIR to keep the page and its screenshot for a look.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import _verify_perf as perf
from ansible_collections.aistack.baremetal.plugins.module_utils import _verify_report as rep

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "emulators" / "ollama"))
import ollama_emulator as emu

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
PLAN = {
    "host": "ai-server",
    "models": {
        "primary": {
            "settings": {"num_parallel": 2},
            "models": [
                {
                    "name": "llama3.1:8b",
                    "parameters": 8.0e9,
                    "processor": "100% GPU",
                    "gpu_layers": 33,
                    "layers_total": 33,
                },
                {
                    "name": "qwen2.5-coder:14b",
                    "parameters": 14.8e9,
                    "processor": "72%/28% CPU/GPU",
                    "gpu_layers": 14,
                    "layers_total": 49,
                },
            ],
        }
    },
}


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed (the integration tier installs it)")
def test_the_html_report_renders_in_a_browser(tmp_path: Path) -> None:
    out = Path(os.environ.get("AISTACK_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    with emu.EmulatorServer() as srv:
        for name in ("llama3.1:8b", "qwen2.5-coder:14b"):
            srv.state.install(emu.parse_name(name), srv.state.remote(emu.parse_name(name)))
        target = perf.Target(srv.url)
        results = []
        for name, rate, users in (("llama3.1:8b", 40, 6), ("qwen2.5-coder:14b", 8, 3)):
            srv.state.timing.update({"token_rate": rate, "prompt_rate": 200, "num_parallel": 2, "load_seconds": 0.3})
            result = perf.measure_model(target, name, "one two three four", 8, 3, users, 60, num_parallel=2)
            result.update(instance="primary", tier="hot")
            results.append(result)
    bands = yaml.safe_load((ROOT / "roles" / "verify" / "defaults" / "main.yml").read_text())["verify_bands"]
    smoke = [{"check": "TLS with the collection's CA", "target": "https://ai.local", "ok": True, "detail": "HTTP 200"}]
    report = rep.judge(results, bands, [PLAN], smoke, "screenshot")
    page = out / "verify.html"
    page.write_text(rep.render_html(report))
    shot = out / "verify.png"
    width, height = 1200, 1800
    subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (width, height)
    # A blank page of this size compresses to a few KB; text, tables and charts do not.
    assert len(data) > 40_000, len(data)
    # Every chart fits the window (no horizontal scrolling needed to read it).
    assert all(int(w) <= width for w in re.findall(r'<svg[^>]* width="(\d+)"', page.read_text()))
