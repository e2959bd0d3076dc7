"""Faithfulness of the Ollama API emulator (tests/emulators/ollama, a test double).

The official ``ollama`` Python client from PyPI must list, show, pull (streaming),
delete, copy, create, chat, generate and ps against it, and see Ollama's error
shapes and status codes. Fault injection is checked here too.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ollama
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "emulators" / "ollama"))
import ollama_emulator as emu


@pytest.fixture
def server() -> Iterator[emu.EmulatorServer]:
    with emu.EmulatorServer() as srv:
        yield srv


@pytest.fixture
def client(server: emu.EmulatorServer) -> ollama.Client:
    return ollama.Client(host=server.url)


def control(server: emu.EmulatorServer, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + "/_emulator/" + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def test_pull_streams_real_progress_and_list_shows_it(client: ollama.Client) -> None:
    statuses = [p.status for p in client.pull("llama3.2:1b", stream=True)]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layers = [p for p in client.pull("llama3.2:1b", stream=True) if p.digest]
    assert all(p.total and p.completed == p.total for p in layers[-4:])
    models = client.list().models
    assert [m.model for m in models] == ["llama3.2:1b"]
    assert models[0].size == 1_321_098_329 and len(models[0].digest or "") == 64
    assert models[0].details and models[0].details.quantization_level == "Q8_0"


def test_aliases_share_the_manifest_digest(client: ollama.Client) -> None:
    client.pull("llama3.1")
    client.pull("llama3.1:8b")
    digests = {m.model: m.digest for m in client.list().models}
    assert set(digests) == {"llama3.1:latest", "llama3.1:8b"}
    assert digests["llama3.1:latest"] == digests["llama3.1:8b"]


def test_show_copy_create_delete(client: ollama.Client) -> None:
    client.pull("tinyllama")
    shown = client.show("TinyLlama:latest")
    assert shown.capabilities == ["completion"]
    assert shown.modelinfo and shown.modelinfo["general.architecture"] == "llama"
    client.copy("tinyllama", "tiny-copy")
    digests = {m.model: m.digest for m in client.list().models}
    assert digests["tiny-copy:latest"] == digests["tinyllama:latest"]
    list(
        client.create(
            model="tiny-long", from_="tinyllama", parameters={"num_ctx": 8192}, system="Be brief.", stream=True
        )
    )
    created = client.show("tiny-long")
    assert (
        "num_ctx" in (created.parameters or "")
        and created.details
        and created.details.parent_model == "tinyllama:latest"
    )
    first = {m.model: m.digest for m in client.list().models}["tiny-long:latest"]
    client.create(model="tiny-long", from_="tinyllama", parameters={"num_ctx": 8192}, system="Be brief.")
    assert {m.model: m.digest for m in client.list().models}["tiny-long:latest"] == first  # create is deterministic
    client.delete("tiny-copy")
    assert "tiny-copy:latest" not in {m.model for m in client.list().models}


def test_errors_have_ollama_shapes_and_codes(client: ollama.Client, server: emu.EmulatorServer) -> None:
    with pytest.raises(ollama.ResponseError) as err:
        client.show("nope")
    assert (err.value.status_code, err.value.error) == (404, "model 'nope' not found")
    with pytest.raises(ollama.ResponseError) as err:
        client.delete("nope")
    assert err.value.status_code == 404
    with pytest.raises(ollama.ResponseError) as err:
        client.pull("nope:13b")  # stream=False: the error becomes HTTP 500
    assert (err.value.status_code, err.value.error) == (500, "pull model manifest: file does not exist")
    with pytest.raises(ollama.ResponseError) as err:
        list(client.pull("nope:13b", stream=True))  # streaming: HTTP 200, then an error line
    assert err.value.error == "pull model manifest: file does not exist"
    with pytest.raises(ollama.ResponseError) as err:
        client.pull("bad name")
    assert (err.value.status_code, err.value.error) == (400, "invalid model name")
    with pytest.raises(ollama.ResponseError) as err:
        client.chat(model="nope", messages=[{"role": "user", "content": "hi"}])
    assert err.value.status_code == 404 and "try pulling it first" in err.value.error


def test_chat_generate_and_keep_alive(client: ollama.Client) -> None:
    client.pull("llama3.2:1b")
    reply = client.chat(model="llama3.2:1b", messages=[{"role": "user", "content": "Say hello"}])
    assert reply.message.content and reply.eval_count and reply.eval_count > 0
    assert reply.eval_duration and reply.prompt_eval_duration
    chunks = list(client.generate(model="llama3.2:1b", prompt="Say hello", stream=True))
    assert chunks[-1].done and chunks[-1].eval_count == len(chunks) - 1
    assert client.ps().models[0].expires_at.year < 2200  # type: ignore[union-attr]
    assert client.generate(model="llama3.2:1b", keep_alive=-1).done_reason == "load"
    assert client.ps().models[0].expires_at.year > 2200  # type: ignore[union-attr]
    client.generate(model="llama3.2:1b", prompt="again")  # no keep_alive: the value stays
    assert client.ps().models[0].expires_at.year > 2200  # type: ignore[union-attr]
    assert client.generate(model="llama3.2:1b", keep_alive=0).done_reason == "unload"
    wait_unloaded(client)


def wait_unloaded(client: ollama.Client, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while client.ps().models and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.ps().models == []


def test_keep_alive_expiry_removes_runner(client: ollama.Client) -> None:
    client.pull("llama3.2:1b")
    # Long enough to see it loaded on a busy machine, short enough to wait out.
    client.generate(model="llama3.2:1b", keep_alive="1s")
    assert [m.model for m in client.ps().models] == ["llama3.2:1b"]
    deadline = time.monotonic() + 10
    while client.ps().models and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.ps().models == []


def test_embedding_model_loads_through_embed_only(client: ollama.Client) -> None:
    client.pull("nomic-embed-text")
    with pytest.raises(ollama.ResponseError) as err:
        client.generate(model="nomic-embed-text")
    assert err.value.status_code == 400 and "does not support generate" in err.value.error
    assert client.embed(model="nomic-embed-text", input="hello").embeddings
    assert [m.model for m in client.ps().models] == ["nomic-embed-text:latest"]


def test_publish_changes_the_digest(client: ollama.Client, server: emu.EmulatorServer) -> None:
    client.pull("mistral:7b")
    before = client.list().models[0].digest
    control(server, "publish", {"model": "mistral:7b"})
    statuses = [p.status for p in client.pull("mistral:7b", stream=True)]
    assert "removing unused layers" in statuses
    assert client.list().models[0].digest != before


def test_dropped_connection_resumes_partial_blobs(client: ollama.Client, server: emu.EmulatorServer) -> None:
    control(server, "faults", {"kind": "drop", "endpoint": "/api/pull", "after_bytes": 600})
    with pytest.raises((httpx_errors(), ollama.ResponseError)):
        list(client.pull("llama3.1:8b", stream=True))
    progress = [p for p in client.pull("llama3.1:8b", stream=True) if p.digest]
    assert progress[0].completed and progress[0].completed > 0  # resumed, not from zero
    assert client.list().models[0].model == "llama3.1:8b"


def httpx_errors() -> type[Exception]:
    import httpx

    return httpx.HTTPError


def test_status_disk_full_and_stats(client: ollama.Client, server: emu.EmulatorServer) -> None:
    control(server, "faults", {"kind": "status", "endpoint": "/api/tags", "status": 500, "message": "boom"})
    with pytest.raises(ollama.ResponseError) as err:
        client.list()
    assert (err.value.status_code, err.value.error) == (500, "boom")
    control(server, "faults", {"kind": "disk_full", "endpoint": "/api/pull", "after_bytes": 10})
    with pytest.raises(ollama.ResponseError) as err:
        list(client.pull("tinyllama", stream=True))
    assert "no space left on device" in err.value.error
    stats = control(server, "stats")["requests"]
    assert stats["GET /api/tags"] == 1 and stats["POST /api/pull"] == 1


def test_two_instances_are_independent() -> None:
    with emu.EmulatorServer() as a, emu.EmulatorServer() as b:
        ollama.Client(host=a.url).pull("tinyllama")
        assert ollama.Client(host=b.url).list().models == []
        assert a.url != b.url


def test_the_with_block_serves_and_stops_even_when_it_raises() -> None:
    with pytest.raises(RuntimeError, match="inside"), emu.EmulatorServer() as srv:
        url = srv.url
        assert ollama.Client(host=url).list().models == []
        raise RuntimeError("inside")
    assert srv.socket.fileno() == -1  # closed, the port is free again
    with pytest.raises(ConnectionError):
        ollama.Client(host=url, timeout=2).list()


def test_pull_uses_chunked_ndjson(server: emu.EmulatorServer) -> None:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port))
    conn.request("POST", "/api/pull", body=json.dumps({"model": "tinyllama"}))
    response = conn.getresponse()
    assert response.getheader("Content-Type") == "application/x-ndjson"
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("X-Ollama-Emulator") == "1"
    lines = response.read().splitlines()
    assert json.loads(lines[-1]) == {"status": "success"}


# -- behaviours of the real server the modules rely on (see docs/ollama_model.md) --


def test_unload_is_asynchronous(client: ollama.Client, server: emu.EmulatorServer) -> None:
    control(server, "settings", {"unload_delay": 0.5})
    client.pull("tinyllama")
    client.generate(model="tinyllama", keep_alive=-1)
    assert client.generate(model="tinyllama", keep_alive=0).done_reason == "unload"
    assert [m.model for m in client.ps().models] == ["tinyllama:latest"]  # still unloading
    wait_unloaded(client)


def test_delete_keeps_the_loaded_runner_which_then_cannot_be_unloaded(client: ollama.Client) -> None:
    client.pull("tinyllama")
    client.generate(model="tinyllama", keep_alive=-1)
    client.delete("tinyllama")
    assert client.list().models == []
    assert [m.model for m in client.ps().models] == ["tinyllama:latest"]
    with pytest.raises(ollama.ResponseError) as err:
        client.generate(model="tinyllama", keep_alive=0)
    assert err.value.status_code == 404
    assert [m.model for m in client.ps().models] == ["tinyllama:latest"]


def test_ps_lists_one_runner_per_model_file_under_the_first_name(client: ollama.Client) -> None:
    client.pull("llama3.1:8b")
    client.pull("llama3.1")  # same manifest: an alias
    client.generate(model="llama3.1:8b", keep_alive=-1)
    client.generate(model="llama3.1:latest", keep_alive=-1)
    loaded = client.ps().models
    assert [m.model for m in loaded] == ["llama3.1:8b"]
    assert loaded[0].digest == {m.model: m.digest for m in client.list().models}["llama3.1:latest"]
    client.generate(model="llama3.1", keep_alive=0)  # unloading the alias unloads the shared runner
    wait_unloaded(client)


def test_other_runner_options_reload_under_the_new_name(client: ollama.Client) -> None:
    client.pull("tinyllama")
    client.create(model="tiny-small", from_="tinyllama", parameters={"num_ctx": 1024})
    client.create(model="tiny-brief", from_="tinyllama", system="Be brief.")
    client.generate(model="tinyllama", keep_alive=-1)
    client.generate(model="tiny-brief", keep_alive=-1)  # same options: the runner is reused
    assert [m.model for m in client.ps().models] == ["tinyllama:latest"]
    client.generate(model="tiny-small", keep_alive=-1)  # num_ctx differs: reload
    loaded = client.ps().models
    assert [(m.model, m.context_length) for m in loaded] == [("tiny-small:latest", 1024)]
    client.generate(model="tinyllama", keep_alive=-1)
    assert [m.model for m in client.ps().models] == ["tinyllama:latest"]


def test_size_vram_is_zero_on_a_cpu_host_and_partial_when_offloaded(
    client: ollama.Client, server: emu.EmulatorServer
) -> None:
    client.pull("tinyllama")
    client.generate(model="tinyllama", keep_alive=-1)
    entry = client.ps().models[0]
    assert entry.size and entry.size_vram == 0
    client.generate(model="tinyllama", keep_alive=0)
    wait_unloaded(client)
    control(server, "settings", {"vram": entry.size // 2})
    client.generate(model="tinyllama", keep_alive=-1)
    entry = client.ps().models[0]
    assert entry.size_vram == entry.size // 2


def test_keep_alive_follows_go_durations(client: ollama.Client) -> None:
    client.pull("tinyllama")
    with pytest.raises(ollama.ResponseError) as err:
        client.generate(model="tinyllama", keep_alive="300")
    assert (err.value.status_code, err.value.error) == (400, 'time: missing unit in duration "300"')
    for value in ("+5m", ".5h", "1h30m", 300, "-1s"):
        assert client.generate(model="tinyllama", keep_alive=value).done_reason == "load"
    with pytest.raises(ollama.ResponseError) as err:
        client.generate(model="tinyllama", keep_alive="5d")
    assert err.value.error == 'time: unknown unit "d" in duration "5d"'


def test_hugging_face_name_without_tag_is_served_as_latest(client: ollama.Client) -> None:
    client.pull("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF")
    client.pull("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M")
    digests = {m.model: m.digest for m in client.list().models}
    latest = digests["hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:latest"]
    assert latest == digests["hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"]


def test_transient_error_inside_the_pull_stream(client: ollama.Client, server: emu.EmulatorServer) -> None:
    control(server, "faults", {"kind": "stream_error", "endpoint": "/api/pull", "after_bytes": 1000})
    with pytest.raises(ollama.ResponseError) as err:
        list(client.pull("tinyllama", stream=True))
    assert err.value.status_code == -1 and err.value.error == "max retries exceeded: unexpected EOF"
    progress = [p for p in client.pull("tinyllama", stream=True) if p.digest]
    assert progress[0].completed == 1000  # the partial blob is resumed
    assert [m.model for m in client.list().models] == ["tinyllama:latest"]


def test_show_prints_parameters_like_go(client: ollama.Client) -> None:
    client.pull("tinyllama")
    client.create(model="tiny-huge", from_="tinyllama", parameters={"num_ctx": 1048576, "temperature": 0.2})
    parameters = client.show("tiny-huge").parameters or ""
    assert "num_ctx                        1.048576e+06" in parameters.splitlines()
    assert "temperature                    0.2" in parameters.splitlines()


def test_create_ignores_an_empty_system_and_template(client: ollama.Client) -> None:
    client.pull("tinyllama")
    client.create(model="tiny-brief", from_="tinyllama", system="Be brief.")
    client.create(model="tiny-brief2", from_="tiny-brief", system="", template="")
    shown = client.show("tiny-brief2")
    assert 'SYSTEM """Be brief."""' in (shown.modelfile or "")
    assert shown.template == client.show("tinyllama").template


def test_source_suffixes_follow_modelref(client: ollama.Client) -> None:
    client.pull("tinyllama:local")
    client.pull("mistral:7b:local")
    assert sorted(m.model for m in client.list().models) == ["mistral:7b", "tinyllama:latest"]
    assert client.show("tinyllama:local").details.family == "llama"  # type: ignore[union-attr]
    client.delete("mistral:7b:local")
    assert [m.model for m in client.list().models] == ["tinyllama:latest"]
    with pytest.raises(ollama.ResponseError) as err:
        client.pull("tinyllama:cloud:local")
    assert err.value.status_code == 400 and "not both" in err.value.error
