"""ollama_perf against the Ollama emulator (tests/emulators/ollama, a test double, real HTTP)
and verify_report writing its files."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import ollama_perf, verify_report

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "emulators" / "ollama"))
import ollama_emulator as emu

BANDS = {"small": {"params_b": [0, 11], "first_token_s": [0.1, 0.5], "tokens_per_s": [20, 50], "users": [2, 4]}}


@pytest.fixture
def server() -> Iterator[emu.EmulatorServer]:
    with emu.EmulatorServer() as srv:
        srv.state.install(emu.parse_name("llama3.2:1b"), srv.state.remote(emu.parse_name("llama3.2:1b")))
        srv.state.timing.update({"token_rate": 100, "prompt_rate": 1000, "num_parallel": 2})
        yield srv


def run(module: Any, capsys: pytest.CaptureFixture[str], **args: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_measures_and_reports_the_size(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(
        ollama_perf, capsys, url=server.url, model="llama3.2:1b", num_predict=20, requests=2, users=3, num_parallel=2
    )
    assert out["measured"] and not out["changed"] and out["parameter_size"] == "1.2B"
    perf = out["perf"]
    assert perf["single"]["requests"] == 1 and perf["single_all"]["requests"] == 2
    assert perf["concurrent"]["requests"] == 3 and perf["concurrent"]["expected_queued"] == 1
    assert perf["concurrent"]["queued"] == 1
    assert out["msg"].startswith("llama3.2:1b: first token p50 ")


def test_check_mode_sends_nothing(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(ollama_perf, capsys, url=server.url, model="llama3.2:1b", _ansible_check_mode=True)
    assert out["measured"] is False and "nothing measured" in out["msg"]
    assert server.state.requests["total"] == 0


def test_missing_model_and_unreachable_server_name_the_endpoint(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(ollama_perf, capsys, url=server.url, model="nope:1b")
    assert out["failed"] and f"{server.url}/api/show" in out["msg"] and "not installed" in out["msg"]
    out = run(ollama_perf, capsys, url="http://127.0.0.1:9", model="x", timeout=2)
    assert out["failed"] and "127.0.0.1:9" in out["msg"]


def test_bad_bounds_name_the_option(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(ollama_perf, capsys, url=server.url, model="llama3.2:1b", requests=0)
    assert out["failed"] and "requests must be at least 1" in out["msg"]


def test_verify_report_writes_and_summarises(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plans = tmp_path / "report.json"
    plans.write_text(json.dumps({"plans": []}))
    smoke = [{"check": "TLS", "target": "https://ai.local", "ok": False, "detail": "refused"}]
    args = {"bands": BANDS, "smoke": smoke, "plans_file": str(plans), "inventory": "t", "dest": str(tmp_path / "out")}
    out = run(verify_report, capsys, **args)
    assert out["changed"] and out["met"] is False
    assert out["summary"] == ["small: not measured", "smoke FAILED: TLS https://ai.local: refused"]
    assert (tmp_path / "out" / "verify.html").is_file()
    assert run(verify_report, capsys, **args)["changed"] is False


def test_verify_report_bad_bands_name_the_path(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(verify_report, capsys, bands={"small": {"params_b": [0, 11]}})
    assert out["failed"] and "bands.small lacks first_token_s" in out["msg"]


def test_verify_report_turns_observations_into_smoke_checks(capsys: pytest.CaptureFixture[str]) -> None:
    gib = 1024**3
    observed = {
        "ollama_info": [
            {
                "item": {"key": "primary", "value": "http://p"},
                "models": [{"name": "a:1b"}, {"name": "b:7b"}],
                "loaded": [{"name": "a:1b", "size_vram": 2 * gib}],
            },
            {
                "item": {"key": "standalone", "value": "http://s"},
                "models": [{"name": "a:1b"}],
                "loaded": [{"name": "a:1b", "size_vram": 0}],
            },
            {"item": {"key": "third", "value": "http://t"}, "failed": True, "msg": "cannot reach Ollama at http://t"},
        ],
        "ollama_gpu": {"primary": True, "standalone": True, "third": True},
        "ollama_missing": ["fourth"],
        "openwebui": {"models": [{"id": "a:1b", "ollama": {"urls": [0, 1]}}, {"id": "b:7b", "ollama": {"urls": [1]}}]},
        "openwebui_order": ["primary", "standalone"],
        "tls": [
            {"url": "https://ai.local", "status": 200},
            {"url": "https://jupyter.local", "status": -1, "msg": "Request failed: certificate verify failed"},
        ],
        "answers": [
            {
                "item": {"instance": "primary", "model": "a:1b"},
                "measured": True,
                "perf": {"single_all": {"errors": 0, "ttft": {"p50": 0.2}}},
            },
            {"item": {"instance": "primary", "model": "b:7b"}, "failed": True, "msg": "model b:7b is not installed"},
        ],
        "nodes": [{"metadata": {"name": "gpu1"}, "status": {"allocatable": {"nvidia.com/gpu": "4"}}}],
        "gpu_allocatable": {"gpu1": 4, "gpu2": 1},
    }
    out = run(verify_report, capsys, bands=BANDS, observed=observed)
    checks = {(c["check"], c["target"]): c for c in out["report"]["smoke"]}
    webui = checks[("Open WebUI lists the models of Ollama", "primary")]
    assert not webui["ok"] and "not from primary (OLLAMA_BASE_URLS index 0): b:7b" in webui["detail"]
    assert checks[("Open WebUI lists the models of Ollama", "standalone")]["ok"]
    assert checks[("Ollama uses the GPU (/api/ps size_vram)", "primary")]["ok"]
    standalone = checks[("Ollama uses the GPU (/api/ps size_vram)", "standalone")]
    assert not standalone["ok"] and "size_vram 0" in standalone["detail"]
    assert checks[("allocatable nvidia.com/gpu", "gpu1")]["ok"]
    assert checks[("allocatable nvidia.com/gpu", "gpu2")]["detail"] == "node not found"
    assert checks[("Ollama answers", "third")]["detail"] == "cannot reach Ollama at http://t"
    assert ("Ollama uses the GPU (/api/ps size_vram)", "third") not in checks
    assert checks[("Ollama answers", "fourth")]["detail"] == "its Service was not found"
    assert checks[("TLS with the collection's CA", "https://ai.local")]["ok"]
    assert "certificate verify failed" in checks[("TLS with the collection's CA", "https://jupyter.local")]["detail"]
    assert checks[("hot model answers a prompt", "primary: a:1b")]["detail"] == "answered, first token 0.20 s"
    assert not checks[("hot model answers a prompt", "primary: b:7b")]["ok"]
    assert out["met"] is False
    out = run(verify_report, capsys, bands=BANDS, observed={"ollama": {}})
    assert out["failed"] and "observed: unknown keys ['ollama']" in out["msg"]


def test_users_come_from_the_models_band(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(ollama_perf, capsys, url=server.url, model="llama3.2:1b", num_predict=3, requests=1, bands=BANDS)
    assert out["perf"]["band"] == "small" and out["perf"]["concurrent"]["requests"] == 2
    out = run(
        ollama_perf, capsys, url=server.url, model="llama3.2:1b", num_predict=3, requests=1, bands=BANDS, max_users=1
    )
    assert out["perf"]["concurrent"]["requests"] == 1
    out = run(ollama_perf, capsys, url=server.url, model="llama3.2:1b", bands={"small": {}})
    assert out["failed"] and "bands.small lacks" in out["msg"]


class _Answer:
    def __init__(self, body: Any) -> None:
        self.body = json.dumps(body).encode()
        self.status = 200
        self.headers: dict[str, str] = {"Content-Type": "application/json"}

    def read(self, *_args: Any) -> bytes:
        return self.body

    def getcode(self) -> int:
        return 200

    def close(self) -> None:
        pass


def test_openwebui_model_info_lists_models(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui as owui
    from ansible_collections.aistack.baremetal.plugins.modules import openwebui_model_info

    seen: list[tuple[str, str]] = []

    def opener(url: str, method: str = "GET", headers: Any = None, **_kwargs: Any) -> _Answer:
        seen.append((url, (headers or {}).get("Authorization", "")))
        return _Answer({"data": [{"id": "a:1b", "owned_by": "ollama", "ollama": {"urls": [0, 1]}}]})

    monkeypatch.setattr(owui, "open_url", opener)
    out = run(openwebui_model_info, capsys, url="http://webui:8080", api_key="sk-1")
    assert out["ids"] == ["a:1b"] and out["models"][0]["ollama"]["urls"] == [0, 1]
    assert seen == [("http://webui:8080/api/models", "Bearer sk-1")]


def test_expected_gpus_come_from_the_capacity_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plans = tmp_path / "report.json"
    plans.write_text(
        json.dumps({"plans": [{"host": "GPU1", "hardware": {"gpus": [{}, {}]}}, {"host": "cpu1", "hardware": {}}]})
    )
    nodes = [{"metadata": {"name": "gpu1"}, "status": {"allocatable": {"nvidia.com/gpu": "4"}}}]
    out = run(verify_report, capsys, bands=BANDS, plans_file=str(plans), observed={"nodes": nodes, "gpu_replicas": 2})
    assert out["report"]["smoke"] == [
        {
            "check": "allocatable nvidia.com/gpu",
            "target": "gpu1",
            "ok": True,
            "detail": "allocatable nvidia.com/gpu 4, expected 4",
        }
    ]
