"""Unit tests for plugins/module_utils/_ollama_client.py: requests, errors, pull retries.

HTTP is patched at ``open_url`` in the client's namespace.
"""

from __future__ import annotations

import io
import json
from typing import Any
from unittest import mock
from urllib.error import HTTPError, URLError

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama_client as c
from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama_errors as e

OPEN_URL = "ansible_collections.aistack.baremetal.plugins.module_utils._ollama_client.open_url"


# -- client ------------------------------------------------------------------


class Response(io.BytesIO):
    """What open_url returns: a readable, closable body."""


def ndjson(*items: dict[str, Any]) -> Response:
    return Response(b"".join(json.dumps(i).encode() + b"\n" for i in items))


def http_error(url: str, code: int, body: dict[str, Any]) -> HTTPError:
    return HTTPError(url, code, "error", {}, io.BytesIO(json.dumps(body).encode()))  # type: ignore[arg-type]


PULL_OK = (
    {"status": "pulling manifest"},
    {"status": "pulling 667b0c1932bc", "digest": "sha256:667b", "total": 100, "completed": 100},
    {"status": "verifying sha256 digest"},
    {"status": "writing manifest"},
    {"status": "success"},
)


def client(**kwargs: Any) -> c.OllamaClient:
    kwargs.setdefault("sleep", lambda _s: None)
    return c.OllamaClient("http://ollama:11434/", **kwargs)


def test_request_sends_json_token_and_headers() -> None:
    with mock.patch(OPEN_URL, return_value=Response(b'{"version":"0.33.0"}')) as open_url:
        assert client(token="s3cret", headers={"X-Key": "k"}).version() == "0.33.0"
    args, kwargs = open_url.call_args
    assert args[0] == "http://ollama:11434/api/version"
    assert kwargs["headers"]["Authorization"] == "Bearer s3cret"
    assert kwargs["headers"]["X-Key"] == "k"
    assert kwargs["method"] == "GET"


def test_api_error_names_url_status_and_server_message() -> None:
    url = "http://ollama:11434/api/show"
    with (
        mock.patch(OPEN_URL, side_effect=http_error(url, 400, {"error": "model is required"})),
        pytest.raises(e.OllamaAPIError) as err,
    ):
        client().request("POST", "/api/show", {})
    assert str(err.value) == "POST %s returned HTTP 400: model is required" % url
    assert err.value.status == 400


def test_show_and_delete_treat_404_as_missing() -> None:
    error = http_error("u", 404, {"error": "model 'x' not found"})
    with mock.patch(OPEN_URL, side_effect=error):
        assert client().show("x") is None
    with mock.patch(OPEN_URL, side_effect=http_error("u", 404, {"error": "model 'x' not found"})):
        assert client().delete("x") is False


def test_server_down_fails_at_once_with_the_url() -> None:
    with (
        mock.patch(OPEN_URL, side_effect=URLError(ConnectionRefusedError(111, "Connection refused"))) as open_url,
        pytest.raises(e.OllamaConnectionError, match="cannot reach Ollama at http://ollama:11434/api/tags"),
    ):
        client().tags()
    assert open_url.call_count == 1


def test_pull_retries_dropped_connections_and_5xx_then_succeeds() -> None:
    sleeps: list[float] = []
    answers = [
        ndjson(
            {"status": "pulling manifest"},
            {"status": "pulling 667b", "digest": "sha256:667b", "total": 100, "completed": 10},
        ),  # ends without success
        http_error("u", 503, {"error": "busy"}),
        Response(b'{"status":"pulling manifest"}\n{"status":"pull'),  # cut mid-line
        ndjson(*PULL_OK),
    ]
    with mock.patch(OPEN_URL, side_effect=answers) as open_url:
        result = client(sleep=sleeps.append, retry_delay=1, retry_max_delay=3).pull("llama3.1:8b")
    assert open_url.call_count == 4
    assert result.attempts == 4 and result.status == "success"
    assert result.total_bytes == 100
    assert sleeps == [1, 2, 3]
    assert json.loads(open_url.call_args.kwargs["data"]) == {"model": "llama3.1:8b", "stream": True}


def test_pull_gives_up_after_retries() -> None:
    answers = [http_error("u", 500, {"error": "boom"}) for _unused in range(3)]
    with (
        mock.patch(OPEN_URL, side_effect=answers) as open_url,
        pytest.raises(e.OllamaTransientError, match=r"failed after 3 attempts: .*HTTP 500: boom"),
    ):
        client(retries=2).pull("m")
    assert open_url.call_count == 3


def test_pull_respects_the_deadline() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    answers = [http_error("u", 500, {"error": "boom"}) for _unused in range(10)]
    with (
        mock.patch(OPEN_URL, side_effect=answers) as open_url,
        pytest.raises(e.OllamaTransientError, match="deadline of 5s"),
    ):
        client(sleep=sleep, clock=lambda: now[0], retries=50, retry_delay=2, pull_deadline=5).pull("m")
    assert open_url.call_count == 2


@pytest.mark.parametrize(
    "error",
    ["pull model manifest: file does not exist", "write /x-partial: no space left on device"],
)
def test_pull_error_line_fails_at_once_naming_model_and_url(error: str) -> None:
    with (
        mock.patch(OPEN_URL, side_effect=[ndjson({"status": "pulling manifest"}, {"error": error})]) as open_url,
        pytest.raises(e.OllamaStreamError) as err,
    ):
        client().pull("no-such:1b")
    assert open_url.call_count == 1
    assert str(err.value) == "pulling model 'no-such:1b' from http://ollama:11434/api/pull failed: %s" % error


def test_load_falls_back_to_embed_for_embedding_models() -> None:
    answers = [
        http_error("u", 400, {"error": '"nomic-embed-text:latest" does not support generate'}),
        Response(b'{"embeddings":[]}'),
    ]
    with mock.patch(OPEN_URL, side_effect=answers) as open_url:
        assert client().load("nomic-embed-text:latest", -1) == "load"
    assert open_url.call_args.args[0].endswith("/api/embed")
    assert json.loads(open_url.call_args.kwargs["data"]) == {"model": "nomic-embed-text:latest", "keep_alive": -1}


@pytest.mark.parametrize(
    ("message", "transient"),
    [
        ("max retries exceeded: unexpected EOF", True),
        ("max retries exceeded: read tcp 10.0.0.2:5012->1.2.3.4:443: read: connection reset by peer", True),
        ('Get "https://registry.ollama.ai/v2/...": dial tcp 1.2.3.4:443: i/o timeout', True),
        ("part stalled", True),
        ("EOF", True),
        ("pull model manifest: file does not exist", False),
        ("write /x-partial: no space left on device", False),
        ("max retries exceeded: write /x-partial: no space left on device", False),
        ("pull model manifest: 401: unauthorized", False),
        ("invalid model name", False),
        ("pull model manifest: dial tcp: lookup registry.ollama.ai: no such host", False),
    ],
)
def test_pull_error_lines_are_classified(message: str, transient: bool) -> None:
    assert c.pull_error_is_transient(message) is transient


def test_transient_error_line_is_retried_with_backoff() -> None:
    sleeps: list[float] = []
    answers = [
        ndjson({"status": "pulling manifest"}, {"error": "max retries exceeded: unexpected EOF"}),
        ndjson(*PULL_OK),
    ]
    with mock.patch(OPEN_URL, side_effect=answers) as open_url:
        result = client(sleep=sleeps.append, retry_delay=1).pull("llama3.1:8b")
    assert open_url.call_count == 2 and result.attempts == 2 and sleeps == [1]
