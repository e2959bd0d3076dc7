"""Module-level tests: openwebui_config and openwebui_admin run through AnsibleModule.

Arguments go in through ansible-core 2.19's patch_module_args; HTTP is patched at
open_url with the in-memory API of openwebui_fake.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui as owui
from ansible_collections.aistack.baremetal.plugins.modules import openwebui_admin, openwebui_config
from ansible_collections.aistack.baremetal.tests.unit.plugins.module_utils.openwebui_fake import (
    ADMIN,
    FakeOpenWebUI,
)

URL = "http://owui.test:8080"


def run(module: Any, args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        module.main()
    out = capsys.readouterr().out
    return int(exc.value.code or 0), json.loads(out)


@pytest.fixture(params=["0.6.12", "0.11.0", "0.12.4"])
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FakeOpenWebUI:
    fake = FakeOpenWebUI(request.param)
    monkeypatch.setattr(owui, "open_url", fake)
    return fake


BASE = {"url": URL, "email": ADMIN["email"], "password": ADMIN["password"]}
DESIRED = {
    "connections": {
        "ollama": {
            "enable": True,
            "urls": [{"url": "http://gpu:11434"}, {"url": "http://backup:11434", "tags": ["b"]}],
        },
        "openai": {"enable": True, "urls": [{"url": "http://pipelines:9099", "key": "pipe-secret"}]},
    },
    "auth": {"enable_signup": False, "default_user_role": "user"},
    "models": {"default_models": ["llama3.1:8b"]},
    "retrieval": {"file_max_size": 5120, "web": {"enable_web_search": True, "brave_search_api_key": "brave-secret"}},
}


def test_config_module_apply_rerun_and_report(server: FakeOpenWebUI, capsys: pytest.CaptureFixture[str]) -> None:
    rc, first = run(openwebui_config, {**BASE, **DESIRED, "_ansible_diff": True}, capsys)
    assert rc == 0 and first["changed"]
    assert first["requests"]["writes"] == 5 and first["requests"]["signins"] == 1
    assert first["diff"]["after"]["retrieval"]["web"]["brave_search_api_key"] == "********"
    assert "pipe-secret" not in json.dumps(first) and "brave-secret" not in json.dumps(first)
    assert server.state["retrieval"]["web"]["BRAVE_SEARCH_API_KEY"] == "brave-secret"
    rc, second = run(openwebui_config, {**BASE, **DESIRED}, capsys)
    assert rc == 0 and not second["changed"]
    assert second["requests"]["writes"] == 0 and second["requests"]["write_requests"] == []
    assert "diff" not in second


def test_config_module_check_mode(server: FakeOpenWebUI, capsys: pytest.CaptureFixture[str]) -> None:
    rc, result = run(openwebui_config, {**BASE, **DESIRED, "_ansible_check_mode": True}, capsys)
    assert rc == 0 and result["changed"] and server.writes == []


def test_config_module_fails_with_endpoint_and_status(
    server: FakeOpenWebUI, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, result = run(openwebui_config, {**BASE, "password": "wrong", "auth": {"enable_signup": True}}, capsys)
    assert rc == 1 and result["failed"]
    assert "POST http://owui.test:8080/api/v1/auths/signin failed: HTTP 400" in result["msg"]
    assert result["requests"]["writes"] == 0


def test_config_module_rejects_unknown_option_section(
    server: FakeOpenWebUI, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, result = run(openwebui_config, {**BASE, "retrieve": {"x": 1}}, capsys)
    assert rc == 1 and "retrieve" in result["msg"]


def test_config_module_unknown_key(server: FakeOpenWebUI, capsys: pytest.CaptureFixture[str]) -> None:
    rc, result = run(openwebui_config, {**BASE, "auth": {"enable_sign_up": False}}, capsys)
    assert rc == 1 and "auth: unknown key 'enable_sign_up'; valid keys:" in result["msg"]
    assert "enable_signup" in result["msg"] and server.writes == []


def test_admin_module_bootstrap(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOpenWebUI("0.6.12", fresh=True)
    monkeypatch.setattr(owui, "open_url", fake)
    rc, first = run(openwebui_admin, dict(BASE), capsys)
    assert rc == 0 and first["changed"] and first["created"] and first["token"] == fake.token
    rc, second = run(openwebui_admin, dict(BASE), capsys)
    assert rc == 0 and not second["changed"] and not second["created"]
    assert second["requests"] == {"reads": 2, "writes": 0, "signins": 1, "total": 3, "write_requests": []}


def test_admin_module_needs_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    rc, result = run(openwebui_admin, {"url": URL, "email": ADMIN["email"]}, capsys)
    assert rc == 1 and "password" in result["msg"]
