"""Unit tests for plugins/module_utils/_ollama.py: names, diffing, NDJSON, client retries.

HTTP is patched at ``open_url`` in the module_utils namespace.
"""

from __future__ import annotations

import io
import json
from http.client import IncompleteRead
from typing import Any
from unittest import mock
from urllib.error import HTTPError, URLError

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama as o

OPEN_URL = "ansible_collections.aistack.baremetal.plugins.module_utils._ollama.open_url"


# -- names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shortest"),
    [
        ("llama3.1", "llama3.1:latest"),
        ("llama3.1:8b", "llama3.1:8b"),
        ("library/llama3.1:8b", "llama3.1:8b"),
        ("registry.ollama.ai/library/llama3.1:8b", "llama3.1:8b"),
        ("https://registry.ollama.ai/library/llama3.1:8b", "llama3.1:8b"),
        ("jmorgan/mymodel", "jmorgan/mymodel:latest"),
        ("hf.co/bartowski/X-GGUF:Q4_K_M", "hf.co/bartowski/X-GGUF:Q4_K_M"),
        ("localhost:5000/ns/model:v1", "localhost:5000/ns/model:v1"),
        ("_private:1", "_private:1"),
    ],
)
def test_name_shortest(raw: str, shortest: str) -> None:
    assert o.ModelName.parse(raw).shortest() == shortest


def test_names_compare_case_insensitively_and_with_defaults() -> None:
    assert o.ModelName.parse("Llama3.1:8B") == o.ModelName.parse("registry.ollama.ai/library/llama3.1:8b")
    assert o.ModelName.parse("llama3.1") == o.ModelName.parse("llama3.1:latest")
    assert o.ModelName.parse("llama3.1:latest") != o.ModelName.parse("llama3.1:8b")


@pytest.mark.parametrize(
    "raw", ["", "  ", "bad name", "-lead", "a/b.c/model", "model:", ":tag", "x" * 81, "model:t@g", "a//b"]
)
def test_invalid_names(raw: str) -> None:
    with pytest.raises(o.OllamaNameError, match="invalid model name"):
        o.ModelName.parse(raw)


def test_normalize_names_dedups_and_reports_all_errors() -> None:
    names = o.normalize_names(["llama3.1", "LLAMA3.1:latest", "mistral:7b"])
    assert [n.shortest() for n in names] == ["llama3.1:latest", "mistral:7b"]
    with pytest.raises(o.OllamaNameError) as err:
        o.normalize_names(["ok", "bad one", "worse!"])
    assert "'bad one'" in str(err.value) and "'worse!'" in str(err.value)


# -- keep_alive and parameters -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "sent", "seconds"),
    [
        (None, None, None),
        (-1, -1, -1.0),
        ("-1", -1, -1.0),
        ("10m", "10m", 600.0),
        ("1h30m", "1h30m", 5400.0),
        (300, 300, 300.0),
        ("0", 0, 0.0),
        ("-1s", "-1s", -1.0),
    ],
)
def test_keep_alive(value: Any, sent: Any, seconds: float | None) -> None:
    assert o.parse_keep_alive(value) == sent
    assert o.keep_alive_seconds(o.parse_keep_alive(value)) == seconds


@pytest.mark.parametrize("value", ["soon", "10 minutes", True, "5d"])
def test_keep_alive_invalid(value: Any) -> None:
    with pytest.raises(o.OllamaError, match="keep_alive"):
        o.parse_keep_alive(value)


def test_expires_forever() -> None:
    assert o.expires_forever("2318-05-02T10:21:31.123456789+02:00")
    assert not o.expires_forever("2026-05-02T10:21:31Z")
    assert not o.expires_forever(None)


SHOW_PARAMETERS = "\n".join(
    [
        "num_ctx                        4096",
        'stop                           "<|eot_id|>"',
        'stop                           "<|start_header_id|>"',
        "temperature                    0.7",
    ]
)


def test_parse_parameters() -> None:
    assert o.parse_parameters(SHOW_PARAMETERS) == {
        "num_ctx": ["4096"],
        "stop": ["<|eot_id|>", "<|start_header_id|>"],
        "temperature": ["0.7"],
    }


def test_parameters_differ_compares_only_what_is_asked() -> None:
    assert o.parameters_differ({"num_ctx": 4096, "temperature": 0.7}, SHOW_PARAMETERS) == {}
    assert o.parameters_differ({"stop": ["<|start_header_id|>", "<|eot_id|>"]}, SHOW_PARAMETERS) == {}
    diff = o.parameters_differ({"num_ctx": 8192, "top_k": 20}, SHOW_PARAMETERS)
    assert diff == {"num_ctx": {"before": "4096", "after": 8192}, "top_k": {"before": None, "after": 20}}


# -- NDJSON ------------------------------------------------------------------


def test_ndjson_reads_lines_and_skips_blank_ones() -> None:
    stream = io.BytesIO(b'{"status":"pulling manifest"}\n\n{"status":"success"}\n')
    assert [m["status"] for m in o.iter_ndjson(stream)] == ["pulling manifest", "success"]


def test_ndjson_cut_mid_line_is_transient() -> None:
    stream = io.BytesIO(b'{"status":"pulling manifest"}\n{"status":"pul')
    items = o.iter_ndjson(stream)
    assert next(items)["status"] == "pulling manifest"
    with pytest.raises(o.OllamaTransientError, match="cut off"):
        next(items)


def test_ndjson_garbage_is_a_protocol_error() -> None:
    with pytest.raises(o.OllamaProtocolError):
        list(o.iter_ndjson(io.BytesIO(b"<html>\n")))
    with pytest.raises(o.OllamaProtocolError, match="not a JSON object"):
        list(o.iter_ndjson(io.BytesIO(b"[1]\n")))
    with pytest.raises(o.OllamaProtocolError, match="longer"):
        list(o.iter_ndjson(io.BytesIO(b"x" * 100), max_line=10))


def test_ndjson_socket_error_is_transient() -> None:
    class Broken:
        def readline(self, size: int = -1) -> bytes:
            raise IncompleteRead(b"")

    with pytest.raises(o.OllamaTransientError, match="connection lost"):
        list(o.iter_ndjson(Broken()))


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


def client(**kwargs: Any) -> o.OllamaClient:
    kwargs.setdefault("sleep", lambda _s: None)
    return o.OllamaClient("http://ollama:11434/", **kwargs)


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
        pytest.raises(o.OllamaAPIError) as err,
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
        pytest.raises(o.OllamaConnectionError, match="cannot reach Ollama at http://ollama:11434/api/tags"),
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
        pytest.raises(o.OllamaTransientError, match=r"failed after 3 attempts: .*HTTP 500: boom"),
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
        pytest.raises(o.OllamaTransientError, match="deadline of 5s"),
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
        pytest.raises(o.OllamaStreamError) as err,
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
