# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measure an Ollama model: time to first token, token and prompt rates, load time,
and N concurrent requests (latency percentiles, errors, queueing beyond the slots).

Where the figures come from:

* time to first token and latency are measured here, from sending the request to the
  first streamed piece of text (answer or thinking) and to the final line;
* ``eval_count``/``eval_duration`` (generated tokens per second of one request),
  ``prompt_eval_count``/``prompt_eval_duration`` (prompt tokens per second) and
  ``load_duration`` are Ollama's own figures from the final line of the stream;
* Ollama's ``load_duration`` runs from the request's arrival to the model being
  scheduled, while a request beyond OLLAMA_NUM_PARALLEL waits for a slot after that:
  its wait shows only in ``total_duration``. So the server-side queue wait of one
  request is ``total_duration - load_duration - prompt_eval_duration - eval_duration``,
  and a request counts as queued when that wait is long compared with the time a
  request needs once it has a slot (``queue_threshold``).

Runs on the managed host: standard library plus ansible.module_utils only,
compatible with Python 3.8 (annotations are never evaluated at runtime).
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
import typing as t
from http.client import HTTPException
from urllib.error import HTTPError, URLError

from ansible.module_utils.urls import Request, make_context

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import OllamaError, describe
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_stream import iter_ndjson

NS = 1e9
# A request waited for a slot when its server-side wait exceeds this share of the
# median time a request needs once it runs (prompt + generation) ...
QUEUE_SHARE = 0.25
# ... and at least this many seconds (scheduling and HTTP jitter stay below it).
QUEUE_MIN_SECONDS = 0.05
PERCENTILES = (50, 95, 99)
MAX_ERROR_BODY = 1 << 16


class Target:
    """Where the requests go. The TLS context is built once: building one per request
    (reading the system's CA bundle) takes tens to hundreds of milliseconds, which would
    land in every time to first token."""

    def __init__(
        self,
        url: str,
        timeout: float = 60,
        validate_certs: bool = True,
        ca_path: str | None = None,
        headers: t.Mapping[str, str] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json", "Accept": "application/x-ndjson"}
        self.headers.update(headers or {})
        self._request = Request(
            timeout=timeout,
            validate_certs=validate_certs,
            http_agent="aistack.baremetal-verify",
            context=make_context(cafile=ca_path, validate_certs=validate_certs),
        )

    def endpoint(self, path: str) -> str:
        return self.url + path

    def stream(self, path: str, body: t.Mapping[str, t.Any]) -> t.Iterator[dict[str, t.Any]]:
        """POST ``body`` and yield the NDJSON lines; errors name the endpoint and the cause."""
        url = self.endpoint(path)
        try:
            response = self._request.open("POST", url, data=json.dumps(body).encode("utf-8"), headers=self.headers)
        except HTTPError as exc:
            try:
                raw = exc.read(MAX_ERROR_BODY) if exc.fp is not None else b""
            except (HTTPException, OSError):
                raw = b""
            text = raw.decode("utf-8", "replace").strip()
            with contextlib.suppress(ValueError, AttributeError):
                text = str(json.loads(text).get("error") or text)
            raise OllamaError("POST %s returned HTTP %d: %s" % (url, exc.code, text[:300] or exc.reason)) from exc
        except (URLError, HTTPException, OSError) as exc:
            raise OllamaError("POST %s failed: %s" % (url, describe(exc))) from exc
        try:
            yield from iter_ndjson(response)
        except (HTTPException, OSError) as exc:
            raise OllamaError("POST %s: connection lost in the stream: %s" % (url, describe(exc))) from exc
        finally:
            response.close()


class PerfError(ValueError):
    """Bad measurement parameters; the message names the parameter."""


def percentile(values: t.Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between ranks (numpy's default), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def distribution(values: t.Sequence[float]) -> dict[str, float | None]:
    """min, p50, p95, p99, max and mean of some seconds (None when there are none)."""
    out: dict[str, float | None] = {f"p{q}": percentile(values, q) for q in PERCENTILES}
    out["min"] = min(values) if values else None
    out["max"] = max(values) if values else None
    out["mean"] = sum(values) / len(values) if values else None
    return out


def _seconds(final: t.Mapping[str, t.Any], key: str) -> float | None:
    value = final.get(key)
    return float(value) / NS if isinstance(value, (int, float)) else None


def _rate(count: t.Any, duration_s: float | None) -> float | None:
    if not isinstance(count, (int, float)) or not duration_s or duration_s <= 0:
        return None
    return float(count) / duration_s


def _text(line: t.Mapping[str, t.Any]) -> str:
    message = line.get("message")
    if isinstance(message, dict):
        return str(message.get("content") or "") + str(message.get("thinking") or "")
    return str(line.get("response") or "") + str(line.get("thinking") or "")


def sample_from_stream(
    lines: t.Iterable[t.Mapping[str, t.Any]],
    sent: float,
    clock: t.Callable[[], float] = time.monotonic,
    deadline: float | None = None,
) -> dict[str, t.Any]:
    """One request's figures from its NDJSON lines; ``sent`` is the clock when it was sent."""
    first: float | None = None
    final: t.Mapping[str, t.Any] | None = None
    for line in lines:
        if "error" in line:
            raise OllamaError("the stream ended with an error: %s" % line["error"])
        if first is None and _text(line):
            first = clock()
        if line.get("done"):
            final = line
            break
        if deadline is not None and clock() > deadline:
            raise OllamaError("stopped at the time limit before the answer was complete")
    end = clock()
    if final is None:
        raise OllamaError("the stream ended without a final line (done: true)")
    load = _seconds(final, "load_duration")
    prompt = _seconds(final, "prompt_eval_duration")
    gen = _seconds(final, "eval_duration")
    total = _seconds(final, "total_duration")
    wait = None
    if total is not None:
        wait = max(0.0, total - (load or 0.0) - (prompt or 0.0) - (gen or 0.0))
    return {
        "ok": True,
        "error": None,
        "ttft": (first - sent) if first is not None else None,
        "latency": end - sent,
        "load_duration": load,
        "prompt_eval_count": final.get("prompt_eval_count"),
        "prompt_eval_duration": prompt,
        "eval_count": final.get("eval_count"),
        "eval_duration": gen,
        "total_duration": total,
        "queue_wait": wait,
        "tokens_per_s": _rate(final.get("eval_count"), gen),
        "prompt_per_s": _rate(final.get("prompt_eval_count"), prompt),
        "done_reason": final.get("done_reason"),
    }


def request_body(
    model: str, prompt: str, num_predict: int, api: str = "generate", keep_alive: t.Any = None
) -> tuple[str, dict[str, t.Any]]:
    """The path and body of one streamed completion."""
    body: dict[str, t.Any] = {"model": model, "stream": True, "options": {"num_predict": num_predict}}
    if api == "chat":
        body["messages"] = [{"role": "user", "content": prompt}]
    else:
        body["prompt"] = prompt
    if keep_alive is not None:
        body["keep_alive"] = keep_alive
    return "/api/" + api, body


def measure_one(
    client: Target,
    model: str,
    prompt: str,
    num_predict: int,
    api: str = "generate",
    keep_alive: t.Any = None,
    deadline: float | None = None,
    clock: t.Callable[[], float] = time.monotonic,
) -> dict[str, t.Any]:
    """One streamed request; a failure is a sample with ``ok`` false and the error, never an exception."""
    path, body = request_body(model, prompt, num_predict, api, keep_alive)
    sent = clock()
    try:
        sample = sample_from_stream(client.stream(path, body), sent, clock, deadline)
    except OllamaError as exc:
        message = str(exc)
        if not message.startswith(("POST", "cannot reach")):
            message = "POST %s: %s" % (client.endpoint(path), message)
        return {"ok": False, "error": message, "latency": clock() - sent, "ttft": None}
    return sample


def run_concurrent(
    measure: t.Callable[[], dict[str, t.Any]],
    users: int,
    clock: t.Callable[[], float] = time.monotonic,
) -> tuple[list[dict[str, t.Any]], float]:
    """``users`` requests sent at the same moment; their samples and the wall time of the whole batch."""
    if users < 1:
        raise PerfError("users must be at least 1, got %r" % users)
    samples: list[dict[str, t.Any]] = [{} for _slot in range(users)]
    barrier = threading.Barrier(users)

    def worker(index: int) -> None:
        barrier.wait()
        samples[index] = measure()

    start = clock()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, clock() - start


def queue_threshold(samples: t.Sequence[t.Mapping[str, t.Any]]) -> float:
    """Seconds of server-side wait above which a request counts as queued."""
    service = [(s.get("prompt_eval_duration") or 0.0) + (s.get("eval_duration") or 0.0) for s in samples if s.get("ok")]
    median = percentile(service, 50) or 0.0
    return max(QUEUE_MIN_SECONDS, QUEUE_SHARE * median)


def summarise(
    samples: t.Sequence[t.Mapping[str, t.Any]],
    wall_s: float | None = None,
    num_parallel: int | None = None,
) -> dict[str, t.Any]:
    """Percentiles and counts of some samples; with ``num_parallel``, the queueing the slots predict."""
    ok = [s for s in samples if s.get("ok")]
    errors = [str(s.get("error")) for s in samples if not s.get("ok")]

    def values(key: str) -> list[float]:
        return [float(s[key]) for s in ok if isinstance(s.get(key), (int, float))]

    threshold = queue_threshold(ok)
    waits = values("queue_wait")
    queued = sum(1 for w in waits if w > threshold)
    generated = sum(int(s.get("eval_count") or 0) for s in ok)
    summary: dict[str, t.Any] = {
        "requests": len(samples),
        "ok": len(ok),
        "errors": len(errors),
        "error_messages": sorted(set(errors))[:5],
        "ttft": distribution(values("ttft")),
        "latency": distribution(values("latency")),
        "tokens_per_s": distribution(values("tokens_per_s")),
        "prompt_per_s": distribution(values("prompt_per_s")),
        "load_duration": distribution(values("load_duration")),
        "queue_wait": distribution(waits),
        "queue_threshold": threshold,
        "queued": queued,
        # Requests that found a free slot at once: the slots seen at work.
        "ran_at_once": len(waits) - queued,
        "wall_s": wall_s,
        "throughput_tokens_per_s": (generated / wall_s) if wall_s else None,
        "num_parallel": num_parallel,
        "expected_queued": max(0, len(samples) - num_parallel) if num_parallel else None,
        "ttft_samples": sorted(values("ttft")),
        "queue_waits": [round(w, 4) for w in waits],
    }
    return summary


def measure_model(
    client: Target,
    model: str,
    prompt: str,
    num_predict: int,
    requests: int,
    users: int,
    time_limit: float,
    api: str = "generate",
    keep_alive: t.Any = None,
    num_parallel: int | None = None,
    clock: t.Callable[[], float] = time.monotonic,
) -> dict[str, t.Any]:
    """The performance pass of one model: ``requests`` one after the other (the first shows the
    load time when the model was not loaded), then ``users`` at once; nothing runs past ``time_limit``."""
    if requests < 1:
        raise PerfError("requests must be at least 1, got %r" % requests)
    if users < 0:
        raise PerfError("users must be 0 (no concurrent pass) or more, got %r" % users)
    if num_predict < 1:
        raise PerfError("num_predict must be at least 1, got %r" % num_predict)
    if time_limit <= 0:
        raise PerfError("time_limit must be positive, got %r" % time_limit)
    deadline = clock() + time_limit

    def one() -> dict[str, t.Any]:
        return measure_one(client, model, prompt, num_predict, api, keep_alive, deadline, clock)

    sequential: list[dict[str, t.Any]] = []
    skipped: list[str] = []
    for _request in range(requests):
        if clock() > deadline:
            skipped.append(
                "%d of %d single requests not sent: time limit reached" % (requests - len(sequential), requests)
            )
            break
        sequential.append(one())
    first = sequential[0]
    result: dict[str, t.Any] = {
        "model": model,
        "url": client.url,
        "first_load_duration": first.get("load_duration"),
        "single": summarise(sequential[1:] if len(sequential) > 1 else sequential),
        "single_all": summarise(sequential),
        "concurrent": None,
        "users": users,
        "notes": skipped,
    }
    if users:
        if clock() > deadline:
            skipped.append("concurrent pass with %d users not run: time limit reached" % users)
        else:
            batch, wall = run_concurrent(one, users, clock)
            result["concurrent"] = summarise(batch, wall, num_parallel)
    return result
