"""ollama_model against the Ollama API emulator (tests/emulators/ollama, a test double).

The emulator follows the real server's source (each behaviour cites its
ollama/ollama file); these tests hold the module to those behaviours: a delete
that leaves the runner loaded, /api/ps keyed by model file under the first
name, asynchronous unloads, errors inside the pull stream, Go-formatted
parameters and Go durations, and the ``:local``/``:cloud`` name suffixes.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import ollama_model

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "emulators" / "ollama"))
import ollama_emulator as emu


@pytest.fixture
def server() -> Iterator[emu.EmulatorServer]:
    with emu.EmulatorServer(state=emu.State(unload_delay=0.5)) as srv:
        yield srv


def api(server: emu.EmulatorServer, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    method = "GET" if body is None else "POST"
    request = urllib.request.Request(server.url + path, data=data, method=method)
    with urllib.request.urlopen(request) as response:
        raw = response.read()
    return json.loads(raw) if raw.strip() else None


def loaded(server: emu.EmulatorServer) -> list[str]:
    return [m["name"] for m in api(server, "/api/ps")["models"]]


def installed(server: emu.EmulatorServer) -> list[str]:
    return sorted(m["name"] for m in api(server, "/api/tags")["models"])


def run(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str], **args: Any) -> dict[str, Any]:
    args.setdefault("url", server.url)
    args.setdefault("retry_delay", 0.01)
    with patch_module_args(args), pytest.raises(SystemExit):
        ollama_model.main()
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


# -- 1. delete of a loaded model ---------------------------------------------


def test_absent_unloads_a_loaded_model_before_deleting_it(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(server, capsys, name="tinyllama", loaded=True, keep_alive=-1)
    assert loaded(server) == ["tinyllama:latest"]
    result = run(server, capsys, name="tinyllama", state="absent")
    assert result["changed"] and result["deleted"] == ["tinyllama:latest"]
    assert result["unloaded"] == ["tinyllama:latest"]
    assert installed(server) == [] and loaded(server) == []


def test_absent_unloads_the_runner_shown_under_an_alias(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run(server, capsys, name=["llama3.1:8b", "llama3.1"])
    run(server, capsys, name="llama3.1:8b", loaded=True, keep_alive=-1)
    result = run(server, capsys, name="llama3.1", state="absent")
    assert result["unloaded"] == ["llama3.1:latest"] and loaded(server) == []
    assert installed(server) == ["llama3.1:8b"]


def test_absent_in_check_mode_unloads_nothing(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    run(server, capsys, name="tinyllama", loaded=True, keep_alive=-1)
    result = run(server, capsys, name="tinyllama", state="absent", _ansible_check_mode=True)
    assert result["changed"] and result["unloaded"] == ["tinyllama:latest"]
    assert loaded(server) == ["tinyllama:latest"] and installed(server) == ["tinyllama:latest"]


# -- 2. loaded-model identity --------------------------------------------------


def test_loaded_alias_is_found_by_digest(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    run(server, capsys, name=["llama3.1:8b", "llama3.1"])
    run(server, capsys, name="llama3.1:8b", loaded=True, keep_alive=-1)
    again = run(server, capsys, name="llama3.1", loaded=True, keep_alive=-1)
    assert not again["changed"] and again["models"][0]["loaded"] is True
    assert loaded(server) == ["llama3.1:8b"]
    unload = run(server, capsys, name="llama3.1", loaded=False)
    assert unload["changed"] and unload["unloaded"] == ["llama3.1:latest"]
    assert loaded(server) == []


# -- 3. errors inside the pull stream ------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "max retries exceeded: unexpected EOF",
        "max retries exceeded: read tcp 10.0.0.2:5012->104.21.75.227:443: read: connection reset by peer",
        "max retries exceeded: dial tcp 104.21.75.227:443: i/o timeout",
        "part stalled",
    ],
)
def test_transient_error_line_is_retried(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str], message: str
) -> None:
    api(server, "/_emulator/faults", {"kind": "stream_error", "endpoint": "/api/pull", "message": message})
    result = run(server, capsys, name="tinyllama")
    assert result["changed"] and result["models"][0]["attempts"] == 2
    assert installed(server) == ["tinyllama:latest"]


def test_permanent_error_line_fails_at_once(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    api(server, "/_emulator/faults", {"kind": "disk_full", "endpoint": "/api/pull", "after_bytes": 10, "times": 5})
    result = run(server, capsys, name="tinyllama")
    assert result["failed"] and "no space left on device" in result["msg"]
    assert api(server, "/_emulator/stats")["requests"]["POST /api/pull"] == 1


# -- 4. parameters and empty system/template ----------------------------------


def test_parameters_printed_with_an_exponent_are_not_recreated(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"name": "tiny-1m", "from": "tinyllama", "parameters": {"num_ctx": 1048576, "temperature": 0.2}}
    assert run(server, capsys, **args)["created"] == ["tiny-1m:latest"]
    again = run(server, capsys, **args)
    assert not again["changed"] and again["differences"] == {}


@pytest.mark.parametrize("option", ["system", "template"])
def test_empty_system_or_template_is_refused(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    result = run(server, capsys, **{"name": "tiny-x", "from": "tinyllama", option: ""})
    assert result["failed"] and option in result["msg"] and "empty" in result["msg"]
    assert installed(server) == []


# -- 5. names and keep_alive ---------------------------------------------------


def test_local_suffix_is_stripped_like_the_server_does(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run(server, capsys, name=["tinyllama:local", "mistral:7b:local"])
    assert first["pulled"] == ["tinyllama:latest", "mistral:7b"]
    again = run(server, capsys, name=["tinyllama:local", "mistral:7b:local"])
    assert not again["changed"] and [m["present"] for m in again["models"]] == [True, True]


def test_hugging_face_name_without_tag_is_idempotent(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF"
    assert run(server, capsys, name=name)["pulled"] == [name + ":latest"]
    assert not run(server, capsys, name=name)["changed"]


@pytest.mark.parametrize("keep_alive", ["+5m", ".5h", "1h30m", "300", 300, "-1"])
def test_keep_alive_forms_the_server_accepts(
    server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str], keep_alive: Any
) -> None:
    result = run(server, capsys, name="tinyllama", loaded=True, keep_alive=keep_alive)
    assert result["changed"] and result["preloaded"] == ["tinyllama:latest"]
    assert loaded(server) == ["tinyllama:latest"]


# -- 6. unload is asynchronous -------------------------------------------------


def test_unload_waits_until_the_model_left_ps(server: emu.EmulatorServer, capsys: pytest.CaptureFixture[str]) -> None:
    run(server, capsys, name="tinyllama", loaded=True, keep_alive=-1)
    assert run(server, capsys, name="tinyllama", loaded=False)["unloaded"] == ["tinyllama:latest"]
    assert loaded(server) == []
    assert not run(server, capsys, name="tinyllama", loaded=False)["changed"]
