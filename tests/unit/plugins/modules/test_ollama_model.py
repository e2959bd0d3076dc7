"""Unit tests for the ollama_model and ollama_model_info modules.

Module arguments go through ansible.module_utils.testing.patch_module_args
(ansible-core 2.19); HTTP is patched at open_url with a small fake server
that records every request.
"""

from __future__ import annotations

import io
import json
from typing import Any
from unittest import mock
from urllib.error import HTTPError, URLError

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import ollama_model, ollama_model_info

OPEN_URL = "ansible_collections.aistack.baremetal.plugins.module_utils._ollama_client.open_url"
URL = "http://ollama:11434"
FOREVER = "2318-05-02T10:21:31.12+00:00"
SOON = "2026-05-02T10:21:31.12+00:00"


def tag(name: str, digest: str = "a" * 64) -> dict[str, Any]:
    return {"name": name, "model": name, "digest": digest, "size": 42, "modified_at": SOON, "details": {}}


class FakeOllama:
    """Answers open_url calls from canned state; records (method, path, body)."""

    def __init__(self, tags: list[dict[str, Any]] | None = None, ps: list[dict[str, Any]] | None = None) -> None:
        self.tags = tags or []
        self.ps = ps or []
        self.calls: list[tuple[str, str, Any]] = []
        self.show: dict[str, Any] = {}
        self.pull_digest = "b" * 64
        self.unload_sticks = False  # a runner that never leaves /api/ps

    def __call__(self, url: str, data: bytes | None = None, method: str = "GET", **_kw: Any) -> io.BytesIO:
        path = url[len(URL) :]
        body = json.loads(data) if data else None
        self.calls.append((method, path, body))
        if path == "/api/tags":
            return io.BytesIO(json.dumps({"models": self.tags}).encode())
        if path == "/api/ps":
            return io.BytesIO(json.dumps({"models": self.ps}).encode())
        if path == "/api/version":
            return io.BytesIO(b'{"version":"0.33.0"}')
        if path == "/api/pull":
            self.tags = [t for t in self.tags if t["name"] != body["model"]] + [tag(body["model"], self.pull_digest)]
            return io.BytesIO(b'{"status":"pulling manifest"}\n{"status":"success"}\n')
        if path == "/api/delete":
            return io.BytesIO(b"")
        if path == "/api/show":
            if body["model"] not in self.show:
                raise HTTPError(url, 404, "nf", {}, io.BytesIO(b'{"error":"not found"}'))  # type: ignore[arg-type]
            return io.BytesIO(json.dumps(self.show[body["model"]]).encode())
        if path == "/api/create":
            return io.BytesIO(b'{"status":"writing manifest"}\n{"status":"success"}\n')
        if path == "/api/generate":
            if body.get("keep_alive") == 0:
                if not self.unload_sticks:
                    self.ps = [p for p in self.ps if p["name"] != body["model"]]
                return io.BytesIO(b'{"done":true,"done_reason":"unload"}')
            return io.BytesIO(b'{"done":true,"done_reason":"load"}')
        raise AssertionError("unexpected request %s %s" % (method, path))

    def writes(self) -> list[tuple[str, str, Any]]:
        return [c for c in self.calls if c[1] not in ("/api/tags", "/api/ps", "/api/show", "/api/version")]


def run(module: Any, args: dict[str, Any], fake: Any, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    args = dict(args)
    args.setdefault("url", URL)
    with patch_module_args(args), mock.patch(OPEN_URL, side_effect=fake), pytest.raises(SystemExit):
        module.main()
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_present_list_converges_with_one_tags_read(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:8b"), tag("mistral:7b"), tag("hf.co/bartowski/X-GGUF:Q4_K_M")])
    result = run(
        ollama_model,
        {"name": ["Llama3.1:8B", "library/mistral:7b", "hf.co/bartowski/X-GGUF:Q4_K_M"]},
        fake,
        capsys,
    )
    assert result["changed"] is False
    assert fake.calls == [("GET", "/api/tags", None)]
    assert [m["present"] for m in result["models"]] == [True, True, True]
    assert "diff" not in result


def test_present_pulls_only_missing(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:latest")])
    result = run(ollama_model, {"name": ["llama3.1", "mistral"], "pull_concurrency": 1}, fake, capsys)
    assert result["changed"] is True
    assert result["pulled"] == ["mistral:latest"]
    assert fake.writes() == [("POST", "/api/pull", {"model": "mistral:latest", "stream": True})]
    assert result["models"][1] == {
        "name": "mistral:latest",
        "present": True,
        "digest": "b" * 64,
        "digest_before": None,
        "size": 42,
        "changed": True,
        "attempts": 1,
    }


def test_check_mode_writes_nothing_and_diff_shows_models(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:latest")])
    args = {"name": ["llama3.1", "mistral"], "_ansible_check_mode": True, "_ansible_diff": True}
    result = run(ollama_model, args, fake, capsys)
    assert result["changed"] is True and result["pulled"] == ["mistral:latest"]
    assert fake.writes() == []
    assert result["diff"]["before"] == {"models": {"llama3.1:latest": "a" * 64}}
    assert set(result["diff"]["after"]["models"]) == {"llama3.1:latest", "mistral:latest"}


def test_latest_changed_only_when_digest_changes(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:8b")])
    fake.pull_digest = "a" * 64
    same = run(ollama_model, {"name": "llama3.1:8b", "state": "latest"}, fake, capsys)
    fake.pull_digest = "c" * 64
    new = run(ollama_model, {"name": "llama3.1:8b", "state": "latest"}, fake, capsys)
    assert same["changed"] is False and same["updated"] == []
    assert new["changed"] is True and new["updated"] == ["llama3.1:8b"]
    assert new["models"][0]["digest_before"] == "a" * 64 and new["models"][0]["digest"] == "c" * 64


def test_absent_deletes_present_ones_only(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:8b")])
    result = run(ollama_model, {"name": ["llama3.1:8b", "gone:1b"], "state": "absent"}, fake, capsys)
    assert result["deleted"] == ["llama3.1:8b"]
    assert fake.writes() == [("DELETE", "/api/delete", {"model": "llama3.1:8b"})]


@pytest.mark.parametrize(
    ("ps", "keep_alive", "expect_load"),
    [
        ([], -1, True),
        ([{"name": "llama3.1:8b", "expires_at": FOREVER}], -1, False),
        ([{"name": "llama3.1:8b", "expires_at": SOON}], -1, True),
        ([{"name": "llama3.1:8b", "expires_at": FOREVER}], "10m", True),
        ([{"name": "llama3.1:8b", "expires_at": SOON}], None, False),
    ],
)
def test_loaded_is_idempotent(
    ps: list[dict[str, Any]], keep_alive: Any, expect_load: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:8b")], ps=ps)
    args: dict[str, Any] = {"name": "llama3.1:8b", "loaded": True}
    if keep_alive is not None:
        args["keep_alive"] = keep_alive
    result = run(ollama_model, args, fake, capsys)
    assert result["changed"] is expect_load
    loads = [c for c in fake.writes() if c[1] == "/api/generate"]
    assert len(loads) == (1 if expect_load else 0)
    if expect_load and keep_alive is not None:
        assert loads[0][2]["keep_alive"] == keep_alive


def test_unload(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:8b")], ps=[{"name": "llama3.1:8b", "expires_at": SOON}])
    result = run(ollama_model, {"name": "llama3.1:8b", "loaded": False}, fake, capsys)
    assert result["unloaded"] == ["llama3.1:8b"]
    assert fake.writes() == [("POST", "/api/generate", {"model": "llama3.1:8b", "keep_alive": 0, "stream": False})]


def test_unload_that_never_finishes_fails_naming_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:8b")], ps=[{"name": "llama3.1:8b", "expires_at": SOON}])
    fake.unload_sticks = True
    result = run(ollama_model, {"name": "llama3.1:8b", "loaded": False, "unload_timeout": 1}, fake, capsys)
    assert result["failed"] and "llama3.1:8b still loaded at %s 1s after the unload request" % URL in result["msg"]


def test_derived_model_compares_show(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama(tags=[tag("llama3.1:8b"), tag("long:latest")])
    fake.show["long:latest"] = {
        "parameters": 'num_ctx                        32768\nstop                           "<|eot_id|>"',
        "system": "Be brief.",
        "details": {"parent_model": "llama3.1:8b"},
    }
    args = {"name": "long", "from": "llama3.1:8b", "parameters": {"num_ctx": 32768}, "system": "Be brief."}
    same = run(ollama_model, args, fake, capsys)
    assert same["changed"] is False and same["differences"] == {}
    args["parameters"] = {"num_ctx": 8192}
    changed = run(ollama_model, args, fake, capsys)
    assert changed["created"] == ["long:latest"]
    assert changed["differences"] == {"num_ctx": {"before": "32768", "after": 8192}}
    create = [c for c in fake.writes() if c[1] == "/api/create"]
    assert create == [
        (
            "POST",
            "/api/create",
            {
                "from": "llama3.1:8b",
                "parameters": {"num_ctx": 8192},
                "system": "Be brief.",
                "model": "long:latest",
                "stream": True,
            },
        )
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": "bad name"}, "invalid model name 'bad name'"),
        ({"name": "m", "system": "x"}, "need 'from'"),
        ({"name": ["a", "b"], "from": "c"}, "exactly one name"),
        ({"name": "m", "state": "absent", "loaded": False}, "cannot be combined"),
        ({"name": "m", "loaded": True, "keep_alive": 0}, "use loaded=false"),
        ({"name": "m", "keep_alive": "5m"}, "only applies with loaded=true"),
        ({"name": "m", "loaded": True, "keep_alive": "soon"}, "keep_alive 'soon' is not a duration"),
        ({"name": "m", "pull_concurrency": 0}, "pull_concurrency must be at least 1"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    args: dict[str, Any], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeOllama()
    result = run(ollama_model, args, fake, capsys)
    assert result["failed"] is True
    assert message in result["msg"]
    assert fake.calls == []


def test_server_down_fails_with_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    fake = mock.Mock(side_effect=URLError(ConnectionRefusedError(111, "Connection refused")))
    result = run(ollama_model, {"name": "m"}, fake, capsys)
    assert result["failed"] is True
    assert result["msg"] == "cannot reach Ollama at %s/api/tags: [Errno 111] Connection refused" % URL
    assert fake.call_count == 1


def test_pull_error_line_keeps_partial_results(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOllama()

    def answer(url: str, data: bytes | None = None, method: str = "GET", **kw: Any) -> io.BytesIO:
        body = json.loads(data) if data else {}
        if url.endswith("/api/pull") and body["model"] == "bad:1b":
            return io.BytesIO(b'{"status":"pulling manifest"}\n{"error":"pull model manifest: file does not exist"}\n')
        return fake(url, data, method, **kw)

    result = run(ollama_model, {"name": ["good:1b", "bad:1b"], "pull_concurrency": 2}, answer, capsys)
    assert result["failed"] is True
    assert result["msg"] == (
        "pulling model 'bad:1b' from %s/api/pull failed: pull model manifest: file does not exist" % URL
    )
    assert result["pulled"] == ["good:1b"] and result["changed"] is True


def test_info_reports_version_models_and_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    loaded = {"name": "llama3.1:8b", "model": "llama3.1:8b", "size": 9, "size_vram": 8, "expires_at": FOREVER}
    fake = FakeOllama(tags=[tag("llama3.1:8b"), tag("mistral:7b")], ps=[loaded])
    result = run(ollama_model_info, {"name": ["llama3.1:8b"]}, fake, capsys)
    assert result["changed"] is False
    assert result["version"] == "0.33.0"
    assert [m["name"] for m in result["models"]] == ["llama3.1:8b"]
    assert result["loaded"][0]["size_vram"] == 8 and result["loaded"][0]["expires_at"] == FOREVER
    assert [c[1] for c in fake.calls] == ["/api/version", "/api/tags", "/api/ps"]
