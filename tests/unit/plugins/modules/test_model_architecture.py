"""Unit tests for the model_architecture module (arguments via patch_module_args).

HTTP is real: the registry emulator (tests/emulators/ollama/registry.py) on loopback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import model_architecture
from ansible_collections.aistack.baremetal.tests.unit import gguf_models as gm

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "emulators" / "ollama"))
import registry as emu

MODEL = "application/vnd.ollama.image.model"


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str], check: bool = False) -> dict[str, Any]:
    args = dict(args, _ansible_check_mode=check)
    with patch_module_args(args), pytest.raises(SystemExit):
        model_architecture.main()
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


@pytest.fixture(scope="module")
def gguf_bytes() -> dict[str, bytes]:
    return {name: gm.cached_model(name).read_bytes() for name in ("gemma3:12b", "gpt-oss:20b")}


@pytest.fixture
def registry(gguf_bytes: dict[str, bytes]) -> Iterator[emu.RegistryServer]:
    with emu.RegistryServer() as server:
        server.registry.add_model("library", "gemma3", "12b", [(MODEL, gguf_bytes["gemma3:12b"])])
        yield server


def test_unknown_model_without_sources_is_not_a_failure(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run({"name": ["mystery:7b"], "sources": ["ollama", "artifact"], "cache_dir": str(tmp_path)}, capsys)
    assert result["changed"] is False and "failed" not in result
    (model,) = result["models"]
    assert model["name"] == "mystery:7b" and model["estimated"] is False and model["facts"] is None
    assert "no source configured" in model["reason"] and "artifact_dir" in model["reason"]


def test_registry_then_cache(capsys: pytest.CaptureFixture[str], registry: emu.RegistryServer, tmp_path: Path) -> None:
    args = {
        "name": ["gemma3:12b", "registry.ollama.ai/library/gemma3:12b", "nope:1b"],
        "sources": ["registry"],
        "registry_url": registry.url,
        "cache_dir": str(tmp_path / "cache"),
        "header_read_bytes": 1024,
    }
    # check mode reads but writes no cache
    checked = run(args, capsys, check=True)
    assert checked["models"][0]["estimated"] is True and not (tmp_path / "cache").exists()
    result = run(args, capsys)
    first, second, third = result["models"]
    assert first["source"] == "registry" and first["facts"]["sliding_window"] == 1024
    assert second["name"] == "gemma3:12b" and second["requested"] == "registry.ollama.ai/library/gemma3:12b"
    assert second["cached"] is True  # the first entry wrote it
    assert third["estimated"] is False and "manifest unknown" in third["reason"]
    assert len(list((tmp_path / "cache").glob("sha256-*.json"))) == 1


def test_artifact_files_and_no_cache(
    capsys: pytest.CaptureFixture[str], gguf_bytes: dict[str, bytes], tmp_path: Path
) -> None:
    (tmp_path / "oss.gguf").write_bytes(gguf_bytes["gpt-oss:20b"])
    args = {
        "name": ["gpt-oss:20b"],
        "sources": ["artifact"],
        "artifact_dir": str(tmp_path),
        "gguf_files": {"gpt-oss:20b": "oss.gguf"},
        "cache": False,
    }
    (model,) = run(args, capsys)["models"]
    assert model["source"] == "artifact" and model["facts"]["expert_count"] == 32
    assert model["facts"]["sliding_window_layers"][:2] == [True, False]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": ["bad name", "ok", "x!"]}, "name: invalid model name 'bad name'"),
        ({"name": ["ok"], "gguf_files": {"bad name": "/x.gguf"}}, "gguf_files: invalid model name 'bad name'"),
        ({"name": ["ok"], "header_read_bytes": 4}, "header_read_bytes (4) must be at least 8"),
        ({"name": ["ok"], "header_read_bytes": 2048, "header_max_bytes": 1024}, "at most header_max_bytes (1024)"),
        ({"name": ["ok"], "timeout": 0}, "timeout must be at least 1"),
        ({"name": ["ok"], "retries": -1}, "retries must be 0 or more"),
        ({"name": ["ok"], "artifact_dir": "/nonexistent/dir"}, "artifact_dir /nonexistent/dir is not a directory"),
        ({"name": ["ok"], "sources": ["ollama", "hub"]}, "value of sources must be one or more of"),
    ],
)
def test_bad_input_fails_naming_the_option(
    capsys: pytest.CaptureFixture[str], args: dict[str, Any], message: str
) -> None:
    result = run(dict(args, cache=False, sources=args.get("sources", ["artifact"])), capsys)
    assert result["failed"] is True and message in result["msg"]


def test_token_is_not_logged(capsys: pytest.CaptureFixture[str], registry: emu.RegistryServer) -> None:
    registry.registry.require_token = "t0ken-value"
    args = {
        "name": ["gemma3:12b"],
        "sources": ["registry"],
        "registry_url": registry.url,
        "registry_token": "t0ken-value",
        "cache": False,
    }
    result = run(args, capsys)
    assert result["models"][0]["estimated"] is True
    assert "t0ken-value" not in json.dumps(result)


def test_registry_faults_leave_the_model_not_estimated(
    capsys: pytest.CaptureFixture[str], registry: emu.RegistryServer, tmp_path: Path
) -> None:
    registry.registry.drop_after, registry.registry.drops = 100, 1000
    args = {
        "name": ["gemma3:12b"],
        "registry_url": registry.url,
        "retries": 1,
        "cache_dir": str(tmp_path),
        "header_read_bytes": 1024,
    }
    result = run(args, capsys)
    assert "failed" not in result
    (model,) = result["models"]
    assert model["estimated"] is False
    assert "%s/v2/library/gemma3/blobs/sha256:" % registry.url in model["reason"]
    assert "failed after 2 attempts" in model["reason"] and "connection closed after 100 of" in model["reason"]
    assert list(tmp_path.iterdir()) == []
