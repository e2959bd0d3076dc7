"""Unit tests for _openwebui_admin.py (first-admin bootstrap) against an in-memory API."""

from __future__ import annotations

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui as owui
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_admin import ensure_admin
from ansible_collections.aistack.baremetal.tests.unit.plugins.module_utils.openwebui_fake import (
    ADMIN,
    FakeOpenWebUI,
)

URL = "http://owui.test"


def _client(password: str = ADMIN["password"]) -> owui.Client:
    return owui.Client(URL, email=ADMIN["email"], password=password)


@pytest.mark.parametrize("version", ["0.6.12", "0.11.0", "0.12.4"])
def test_fresh_instance_creates_admin_then_verifies(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenWebUI(version, fresh=True)
    monkeypatch.setattr(owui, "open_url", fake)
    first = ensure_admin(_client(), "Admin", check_mode=False)
    assert first["changed"] and first["created"]
    assert first["user"]["role"] == "admin" and first["token"] == fake.token
    assert fake.writes == ["POST /api/v1/auths/signup"]
    second = ensure_admin(_client(), "Admin", check_mode=False)
    assert not second["changed"] and not second["created"]
    assert len(fake.users) == 1
    assert fake.writes == ["POST /api/v1/auths/signup"]


def test_check_mode_on_fresh_instance_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenWebUI("0.6.12", fresh=True)
    monkeypatch.setattr(owui, "open_url", fake)
    result = ensure_admin(_client(), "Admin", check_mode=True)
    assert result["changed"] and result["created"] and "token" not in result
    assert fake.users == [] and fake.writes == []


def test_wrong_password_on_existing_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenWebUI("0.12.4")
    monkeypatch.setattr(owui, "open_url", fake)
    with pytest.raises(owui.AuthenticationFailed, match="auths/signin failed: HTTP 400"):
        ensure_admin(_client("wrong"), "Admin", check_mode=False)
    assert fake.writes == []


def test_non_admin_account_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenWebUI("0.12.4")
    fake.users[0]["role"] = "user"
    monkeypatch.setattr(owui, "open_url", fake)
    with pytest.raises(owui.OpenWebUIError, match="has role 'user', not admin"):
        ensure_admin(_client(), "Admin", check_mode=False)


def test_api_key_is_created_once(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenWebUI("0.6.12")
    monkeypatch.setattr(owui, "open_url", fake)
    first = ensure_admin(_client(), "Admin", check_mode=False, api_key=True)
    assert first["changed"] and first["api_key"] == "sk-0123"
    second = ensure_admin(_client(), "Admin", check_mode=False, api_key=True)
    assert not second["changed"] and second["api_key"] == "sk-0123"
    assert fake.writes == ["POST /api/v1/auths/api_key"]


def test_signup_refused_on_empty_instance_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenWebUI("0.6.12", fresh=True)
    fake.users = []

    def refuse(url: str, **kwargs: object) -> object:
        if url.endswith("/signup"):
            raise fake._error(url, 403, "You do not have permission to access this resource.")
        return fake(url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(owui, "open_url", refuse)
    with pytest.raises(owui.OpenWebUIError, match="ENABLE_SIGNUP or ENABLE_LOGIN_FORM is false"):
        ensure_admin(_client(), "Admin", check_mode=False)


def test_verify_with_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenWebUI("0.12.4")
    fake.api_key = "sk-k"
    monkeypatch.setattr(owui, "open_url", fake)
    c = owui.Client(URL, api_key="sk-k")
    result = ensure_admin(c, "Admin", check_mode=False)
    assert result["user"]["role"] == "admin" and c.report()["signins"] == 0
