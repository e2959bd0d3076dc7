"""Unit tests for _openwebui.py, _openwebui_config.py and the modules it uses against an in-memory API.

HTTP is patched at open_url (tests/unit/plugins/module_utils/openwebui_fake.py),
so every request the client makes is recorded and the required-field checks of
the real endpoints are enforced.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui as owui
from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui_config as cfg
from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui_profiles as profiles
from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui_schema as schema
from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui_secrets as secrets
from ansible_collections.aistack.baremetal.plugins.module_utils import _openwebui_validate as validate
from ansible_collections.aistack.baremetal.tests.unit.plugins.module_utils.openwebui_fake import (
    ADMIN,
    FakeOpenWebUI,
)

URL = "http://owui.test:8080"

SETTINGS: dict[str, Any] = {
    "ollama": {
        "enable": True,
        "urls": [{"url": "http://gpu:11434"}, {"url": "http://backup:11434/", "tags": ["standalone"]}],
    },
    "openai": {"urls": [{"url": "http://pipelines:9099", "key": "pipe-secret"}]},
    "auth": {"enable_signup": False, "default_user_role": "user", "jwt_expires_in": "4w", "enable_api_keys": True},
    "models": {"default_models": ["llama3.1:8b"]},
    "retrieval": {"file_max_size": 5120, "web": {"enable_web_search": True, "web_search_engine": "searxng"}},
    "banners": [{"id": "b1", "type": "info", "content": "hello", "dismissible": True}],
}


@pytest.fixture(params=["0.6.12", "0.11.0", "0.12.4"])
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FakeOpenWebUI:
    fake = FakeOpenWebUI(request.param)
    monkeypatch.setattr(owui, "open_url", fake)
    return fake


def client(**kwargs: Any) -> owui.Client:
    kwargs.setdefault("email", ADMIN["email"])
    kwargs.setdefault("password", ADMIN["password"])
    return owui.Client(URL, **kwargs)


def test_apply_then_rerun_writes_nothing(server: FakeOpenWebUI) -> None:
    first = cfg.apply(client(), SETTINGS, check_mode=False)
    assert first["changed"]
    assert sorted(first["sections_changed"]) == sorted(
        ["connections.ollama", "connections.openai", "auth", "models", "retrieval", "banners"]
    )
    assert server.state["ollama"]["OLLAMA_BASE_URLS"] == ["http://gpu:11434", "http://backup:11434"]
    assert server.state["ollama"]["OLLAMA_API_CONFIGS"]["1"]["tags"] == [{"name": "standalone"}]
    assert server.state["openai"]["OPENAI_API_KEYS"] == ["pipe-secret"]
    assert server.state["auth"]["ENABLE_API_KEY" if server.v06 else "ENABLE_API_KEYS"] is True
    assert server.state["models"]["DEFAULT_MODELS"] == "llama3.1:8b"
    assert server.state["retrieval"]["FILE_MAX_SIZE"] == 5120
    # fields not given survive: the whole object was sent back
    assert server.state["retrieval"]["RAG_RERANKING_MODEL"] == ""
    assert server.state["retrieval"]["CHUNK_SIZE"] == 1000
    assert server.state["retrieval"]["web"]["BRAVE_SEARCH_API_KEY"] == ""
    before = len(server.writes)
    second_client = client()
    second = cfg.apply(second_client, SETTINGS, check_mode=False)
    assert not second["changed"]
    assert second["sections_changed"] == []
    assert len(server.writes) == before
    assert second_client.report()["writes"] == 0
    assert second_client.report()["signins"] == 1


def test_check_mode_writes_nothing(server: FakeOpenWebUI) -> None:
    c = client()
    result = cfg.apply(c, SETTINGS, check_mode=True)
    assert result["changed"]
    assert server.writes == []
    assert c.report()["writes"] == 0
    assert result["diff"]["after"]["connections"]["openai"]["urls"][0]["key"] == secrets.MASK
    assert "pipe-secret" not in repr(result)


def test_one_key_changes_one_section(server: FakeOpenWebUI) -> None:
    cfg.apply(client(), SETTINGS, check_mode=False)
    changed = dict(SETTINGS, retrieval={**SETTINGS["retrieval"], "chunk_size": 1500})
    del server.requests[:]
    result = cfg.apply(client(), changed, check_mode=False)
    assert result["sections_changed"] == ["retrieval"]
    assert server.writes == ["POST /api/v1/retrieval/config/update"]
    assert result["diff"]["before"]["retrieval"] == {
        "file_max_size": 5120,
        "chunk_size": 1000,
        "web": {"enable_web_search": True, "web_search_engine": "searxng"},
    }
    assert server.state["retrieval"]["CHUNK_SIZE"] == 1500


def test_unknown_key_lists_valid_ones_and_writes_nothing(server: FakeOpenWebUI) -> None:
    bad = {"auth": {"enable_signup": True}, "retrieval": {"file_max_size_gb": 5}}
    with pytest.raises(validate.ConfigError) as err:
        cfg.apply(client(), bad, check_mode=False)
    assert "unknown key 'file_max_size_gb'" in str(err.value)
    assert "file_max_size" in str(err.value) and "chunk_size" in str(err.value)
    assert server.writes == []
    # validation happens before signing in
    assert not any(p.endswith("/signin") for _method, p, _body in server.requests)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"retrieval": {"chunk_size": "lots"}}, "retrieval.chunk_size: expected int"),
        ({"auth": {"enable_signup": "maybe"}}, "auth.enable_signup: expected bool"),
        ({"retrieval": {"web": "on"}}, "retrieval.web: expected a dict"),
        ({"ollama": {"urls": "http://x"}}, "connections.ollama.urls: expected a list"),
        ({"ollama": {"urls": [{"url": "http://a"}, {"url": "http://a/"}]}}, "listed twice"),
        ({"ollama": {"urls": [{"url": "http://a", "weight": 2}]}}, "unknown key 'weight'"),
        ({"banners": [{"content": "no id"}]}, "banners[0]: expected a dict with an 'id'"),
        ({"tool_servers": [{"url": "http://t", "color": "red"}]}, "unknown key 'color'"),
    ],
)
def test_wrong_values_fail_before_writing(server: FakeOpenWebUI, settings: dict[str, Any], message: str) -> None:
    with pytest.raises(validate.ConfigError) as err:
        cfg.apply(client(), settings, check_mode=False)
    assert message in str(err.value)
    assert server.writes == []


def test_version_only_keys(server: FakeOpenWebUI) -> None:
    settings = {"models": {"default_pinned_models": ["a", "b"]}}
    if server.v06:
        with pytest.raises(validate.ConfigError, match="unknown key 'default_pinned_models'"):
            cfg.apply(client(), settings, check_mode=False)
    else:
        cfg.apply(client(), settings, check_mode=False)
        assert server.state["models"]["DEFAULT_PINNED_MODELS"] == "a,b"


def test_wrong_password_is_clear(server: FakeOpenWebUI) -> None:
    with pytest.raises(owui.AuthenticationFailed) as err:
        cfg.apply(client(password="nope"), SETTINGS, check_mode=False)
    assert f"POST {URL}/api/v1/auths/signin failed: HTTP 400: The email or password" in str(err.value)
    assert server.writes == []


def test_bad_api_key_names_status(server: FakeOpenWebUI) -> None:
    with pytest.raises(owui.AuthenticationFailed) as err:
        cfg.apply(owui.Client(URL, api_key="sk-wrong"), {"auth": {"enable_signup": False}}, check_mode=False)
    status = 403 if server.v06 else 401
    assert f"GET {URL}/api/v1/auths/admin/config failed: HTTP {status}: Not authenticated" in str(err.value)


def test_server_down(server: FakeOpenWebUI) -> None:
    server.down = True
    with pytest.raises(owui.OpenWebUIError, match=r"GET http://owui.test:8080/api/version failed: cannot reach"):
        cfg.apply(client(), SETTINGS, check_mode=False)


def test_html_answer_is_a_missing_endpoint(server: FakeOpenWebUI) -> None:
    # permissions is not served by the fake: its GET gets the SPA's HTML, like a removed endpoint
    with pytest.raises(
        validate.ConfigError, match=r"permissions: Open WebUI .* has no GET /api/v1/users/default/permissions"
    ):
        cfg.apply(client(), {"permissions": {"chat": {"delete": False}}}, check_mode=False)
    assert server.writes == []


def test_422_names_missing_fields(server: FakeOpenWebUI) -> None:
    c = client()
    with pytest.raises(owui.OpenWebUIError) as err:
        c.post("/api/v1/configs/models", {"DEFAULT_MODELS": "x"})
    assert "HTTP 422: MODEL_ORDER_LIST: Field required" in str(err.value)


@pytest.mark.parametrize("version", ["0.5.20", "0.6.11", "0.13.0", "1.0.0"])
def test_unsupported_versions_fail_clearly(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenWebUI(version)
    monkeypatch.setattr(owui, "open_url", fake)
    ranges = profiles.describe_supported()
    with pytest.raises(validate.ConfigError) as err:
        cfg.apply(client(), SETTINGS, check_mode=False)
    assert f"Open WebUI {version} is not supported by openwebui_config (supported: {ranges})" in str(err.value)
    # neighbouring families are one range: with every listed release covered, a single one
    assert (ranges == ">=0.6.12,<0.13.0") is (not schema.UNCOVERED)
    assert [p for _method, p, _body in fake.requests] == ["/api/version"]


def _releases() -> list[str]:
    lines = RELEASES_FILE.read_text().splitlines() if RELEASES_FILE.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


RELEASES_FILE = Path(__file__).resolve().parents[3] / "tools" / "openwebui_releases.txt"


@pytest.mark.parametrize("version", sorted(schema.DUMPED))
def test_every_dumped_release_uses_its_own_shapes(version: str) -> None:
    profile = profiles.select_profile(version)
    assert profile.reference == schema.DUMPED[version]
    assert profiles.SHAPES[profile.reference]["bodies"]


@pytest.mark.parametrize("version", _releases())
def test_every_listed_release_has_a_family_unless_listed_uncovered(version: str) -> None:
    if version in schema.UNCOVERED:
        with pytest.raises(validate.ConfigError, match="is not supported by openwebui_config"):
            profiles.select_profile(version)
    else:
        assert profiles.select_profile(version).minimum <= owui.parse_version(version)


def test_family_boundaries_select_the_neighbouring_families() -> None:
    # The last release of each family and the first of the next one get their own shapes;
    # the releases between them, if any, are exactly the uncovered ones.
    known = _releases()
    ordered = sorted(profiles.PROFILES, key=lambda p: p.minimum)
    for low, high in itertools.pairwise(ordered):
        last = [v for v in known if owui.parse_version(v) < low.below][-1]
        assert profiles.select_profile(last).reference == low.reference, last
        assert profiles.select_profile(_text(high.minimum)).reference == high.reference
        gap = [v for v in known if low.below <= owui.parse_version(v) < high.minimum]
        assert gap == [v for v in schema.UNCOVERED if v in gap]
    assert ordered[0].minimum == (0, 6, 12)
    assert ordered[-1].below == (0, 13, 0)
    assert not set(schema.UNCOVERED) & set(schema.DUMPED)


def _text(version: tuple[int, int, int]) -> str:
    return ".".join(str(part) for part in version)


def test_supported_ranges_join_neighbours_and_keep_gaps() -> None:
    families = (("0.6.12", "0.6.12", "0.6.14"), ("0.6.14", "0.6.14", "0.7.0"), ("0.8.0", "0.8.0", "0.9.0"))
    assert profiles.supported_ranges(families) == [("0.6.12", "0.7.0"), ("0.8.0", "0.9.0")]


def test_apply_changes_removes_merges_and_replaces() -> None:
    base = {"bodies": {"auth": {"A": "bool", "B": "str"}, "tasks": {"X": "int"}}, "missing": ["audio"]}
    changes = {"bodies": {"auth": {"A": None, "C": "int"}, "tasks": "dict"}, "missing": []}
    assert profiles.apply_changes(base, changes) == {
        "bodies": {"auth": {"B": "str", "C": "int"}, "tasks": "dict"},
        "missing": [],
    }
    assert base["bodies"]["auth"] == {"A": "bool", "B": "str"}  # the base is not changed


@pytest.mark.parametrize("version", ["0.6.12", "0.11.0", "0.12.4", "0.12.9"])
def test_tested_and_chart_releases_are_supported(version: str) -> None:
    # 0.6.12: the design's pin; 0.11.0: what the open-webui chart 16.0.0 deploys; 0.12.x: the newest
    assert profiles.select_profile(version).minimum <= owui.parse_version(version)


def test_releases_between_dumps_of_one_family_are_covered() -> None:
    known = _releases()
    for reference, minimum, below in schema.FAMILIES:
        members = [v for v, ref in schema.DUMPED.items() if ref == reference]
        last = max(members, key=owui.parse_version)
        inside = [v for v in known if owui.parse_version(minimum) <= owui.parse_version(v) <= owui.parse_version(last)]
        for version in inside:
            assert profiles.select_profile(version).reference == reference
        assert owui.parse_version(below) > owui.parse_version(last)


def test_profiles_do_not_overlap_and_derive_from_data() -> None:
    ordered = sorted(profiles.PROFILES, key=lambda p: p.minimum)
    for low, high in itertools.pairwise(ordered):
        assert low.below <= high.minimum
    by_ref = {p.reference: p for p in profiles.PROFILES}
    # 0.6.37 renamed the API key settings: the alias points at the name each family's API uses
    assert by_ref[schema.DUMPED["0.6.12"]].aliases["auth"]["ENABLE_API_KEYS"] == "ENABLE_API_KEY"
    assert by_ref[schema.DUMPED["0.12.4"]].aliases["auth"]["ENABLE_API_KEY"] == "ENABLE_API_KEYS"
    assert by_ref[schema.DUMPED["0.6.12"]].models_fields == ("DEFAULT_MODELS", "MODEL_ORDER_LIST")
    assert "DEFAULT_PINNED_MODELS" in by_ref[schema.DUMPED["0.12.4"]].models_fields
    assert set(by_ref[schema.DUMPED["0.6.12"]].tool_server_fields) == {"url", "path", "auth_type", "key", "config"}


def test_openai_key_kept_when_not_given(server: FakeOpenWebUI) -> None:
    cfg.apply(client(), {"openai": {"urls": [{"url": "http://p:9099", "key": "k1"}]}}, check_mode=False)
    result = cfg.apply(
        client(), {"openai": {"urls": [{"url": "http://p:9099", "prefix_id": "pipe"}]}}, check_mode=False
    )
    assert result["changed"]
    assert server.state["openai"]["OPENAI_API_KEYS"] == ["k1"]
    assert server.state["openai"]["OPENAI_API_CONFIGS"]["0"]["prefix_id"] == "pipe"


def test_url_reorder_moves_per_url_config(server: FakeOpenWebUI) -> None:
    cfg.apply(client(), {"ollama": {"urls": [{"url": "http://a", "prefix_id": "A"}, {"url": "http://b"}]}}, False)
    result = cfg.apply(client(), {"ollama": {"urls": [{"url": "http://b"}, {"url": "http://a"}]}}, False)
    assert result["changed"]
    assert server.state["ollama"]["OLLAMA_BASE_URLS"] == ["http://b", "http://a"]
    assert server.state["ollama"]["OLLAMA_API_CONFIGS"]["1"]["prefix_id"] == "A"


def test_banner_timestamp_is_stable(server: FakeOpenWebUI) -> None:
    banners = [{"id": "x", "content": "c"}]
    cfg.apply(client(), {"banners": banners}, False, now=lambda: 111)
    result = cfg.apply(client(), {"banners": banners}, False, now=lambda: 222)
    assert not result["changed"]
    assert server.state["banners"][0]["timestamp"] == 111


def test_tool_servers_defaults_and_idempotence(server: FakeOpenWebUI) -> None:
    servers = [{"url": "http://tools:8000", "key": "tool-secret"}]
    first = cfg.apply(client(), {"tool_servers": servers}, False)
    conn = server.state["tool_servers"]["TOOL_SERVER_CONNECTIONS"][0]
    assert conn["path"] == "openapi.json" and conn["auth_type"] == "bearer" and conn["key"] == "tool-secret"
    assert ("type" in conn) is (not server.v06)
    assert first["config"]["tool_servers"][0]["key"] == secrets.MASK
    assert not cfg.apply(client(), {"tool_servers": servers}, False)["changed"]


def test_api_key_skips_signin(server: FakeOpenWebUI) -> None:
    server.api_key = "sk-abc"
    c = owui.Client(URL, api_key="sk-abc")
    cfg.apply(c, {"tasks": {"enable_title_generation": False}}, False)
    assert c.report()["signins"] == 0
    assert server.state["tasks"]["ENABLE_TITLE_GENERATION"] is False


def test_secret_helpers() -> None:
    data = {
        "web": {"BRAVE_SEARCH_API_KEY": "b", "WEB_SEARCH_ENGINE": "brave"},
        "OPENAI_API_KEYS": ["k", ""],
        "API_KEY_ALLOWED_ENDPOINTS": "/x",
    }
    assert secrets.secret_values(data) == {"b", "k"}
    masked = secrets.mask(data)
    assert masked["web"] == {"BRAVE_SEARCH_API_KEY": secrets.MASK, "WEB_SEARCH_ENGINE": "brave"}
    assert masked["OPENAI_API_KEYS"] == [secrets.MASK, ""]
    assert masked["API_KEY_ALLOWED_ENDPOINTS"] == "/x"


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("int", "5120", 5120),
        ("bool", "yes", True),
        ("str", -1, "-1"),
        ("int|str?", None, None),
        ("int|str?", "", ""),
        ("float", 1, 1),
    ],
)
def test_coerce(kind: str, value: Any, expected: Any) -> None:
    assert validate.coerce(kind, value, "x") == expected


def test_flatten_settings() -> None:
    options = {
        "connections": {"ollama": {"enable": True, "urls": None}, "openai": None},
        "auth": {"a": 1},
        "models": None,
    }
    assert cfg.flatten_settings(options) == {"ollama": {"enable": True}, "auth": {"a": 1}}
