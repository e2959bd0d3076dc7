#!/usr/bin/python
# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_perf
short_description: Measure an Ollama model's first token, token rates, load time and concurrent users
version_added: 0.1.0
description:
  - Sends O(requests) streamed completions to one model, one after the other, then O(users) at the same moment,
    and reports time to first token, total latency (p50, p95, p99), tokens per second from Ollama's
    C(eval_count)/C(eval_duration), prompt tokens per second from C(prompt_eval_count)/C(prompt_eval_duration),
    the load time C(load_duration) and, for the concurrent pass, errors and how many requests waited for a
    parallel slot (OLLAMA_NUM_PARALLEL).
  - The first single request shows the load time when the model was not loaded; the single-request figures
    are taken from the others (all of them when O(requests=1)).
  - A request waited for a slot when Ollama's C(total_duration) exceeds C(load_duration) +
    C(prompt_eval_duration) + C(eval_duration) by more than a quarter of the median time a request needs
    once it runs (at least 50 ms); Ollama counts the wait for a slot in the total only.
  - "Bounded: at most O(requests) + O(users) requests, none past O(time_limit) seconds after the start."
  - A failed request is counted and its error kept in the result; the module fails only when the model
    cannot be read from C(/api/show) (server unreachable, model not installed) or a parameter is invalid.
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - aistack.baremetal.ollama
  - aistack.baremetal.ollama.attributes
attributes:
  check_mode:
    description: Sends nothing and measures nothing; RV(measured) is false and RV(msg) says so.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
options:
  model:
    description: The model to measure, as installed on the server.
    type: str
    required: true
  prompt:
    description: The prompt of every request.
    type: str
    default: Explain in three sentences why the sky is blue.
  num_predict:
    description: Tokens generated per request (Ollama's C(num_predict) option).
    type: int
    default: 64
  api:
    description: Endpoint of the completions, C(/api/generate) or C(/api/chat).
    type: str
    choices: [generate, chat]
    default: generate
  requests:
    description: Single requests sent one after the other (at least 1).
    type: int
    default: 3
  users:
    description:
      - Requests sent at the same moment after the single ones; C(0) skips the concurrent pass.
      - When unset, the lower user count of the model's size band in O(bands) (at most O(max_users)),
        or C(0) without O(bands).
    type: int
  bands:
    description:
      - Size bands as M(aistack.baremetal.verify_report) takes them (C(params_b) and C(users) are used here);
        the model's C(parameter_size) picks its band, whose lower user count is the concurrent pass's size.
    type: dict
  max_users:
    description: Upper bound of the concurrent pass when its size comes from O(bands).
    type: int
    default: 20
  num_parallel:
    description:
      - The server's OLLAMA_NUM_PARALLEL, to report how many of the O(users) requests should wait for a slot.
      - Omit it when unknown; the observed queueing is reported either way.
    type: int
  keep_alive:
    description: Ollama C(keep_alive) sent with each request (a duration such as C(24h), or seconds); none when unset.
    type: raw
  time_limit:
    description: Seconds the whole measurement may take; requests not sent by then are left out and noted.
    type: int
    default: 300
  ca_path:
    description: PEM file of the CA that signed the server's certificate, when O(url) is C(https).
    type: path
seealso:
  - module: aistack.baremetal.verify_report
  - module: aistack.baremetal.ollama_model_info
"""

EXAMPLES = r"""
- name: Measure a small model with 10 users at once
  aistack.baremetal.ollama_perf:
    url: http://10.43.12.7:11434
    model: llama3.1:8b
    requests: 3
    users: 10
    num_parallel: 4
    time_limit: 180
  register: perf

- name: Show its median tokens per second
  ansible.builtin.debug:
    msg: "{{ perf.perf.single.tokens_per_s.p50 }} tok/s"
"""

RETURN = r"""
measured:
  description: Whether requests were sent (false in check mode).
  returned: always
  type: bool
  sample: true
msg:
  description: One line on what was measured, or why nothing was.
  returned: always
  type: str
  sample: "llama3.1:8b: first token p50 0.21 s, 38.2 tok/s; 10 users: p95 first token 0.9 s, 0 errors, 6 queued"
parameter_size:
  description: The model's size as C(/api/show) reports it (C(details.parameter_size)).
  returned: when measured
  type: str
  sample: 8.0B
perf:
  description:
    - The measurement. C(single) summarises the single requests (the first excluded when there are several),
      C(single_all) all of them, C(concurrent) the O(users) pass (null when not run). Each summary has
      C(requests), C(ok), C(errors), C(error_messages), C(ttft), C(latency), C(tokens_per_s), C(prompt_per_s),
      C(load_duration), C(queue_wait) (each with C(min), C(p50), C(p95), C(p99), C(max), C(mean); seconds or
      per second), C(queued), C(ran_at_once), C(expected_queued), C(wall_s), C(throughput_tokens_per_s),
      C(ttft_samples).
  returned: when measured
  type: dict
  sample:
    model: llama3.1:8b
    first_load_duration: 0.012
    single: {requests: 2, errors: 0, ttft: {p50: 0.21}, tokens_per_s: {p50: 38.2}}
    concurrent: {requests: 10, errors: 0, queued: 6, expected_queued: 6}
    notes: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_client import (
    client_from_params,
    connection_argument_spec,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import OllamaError
from ansible_collections.aistack.baremetal.plugins.module_utils._verify_perf import (
    PerfError,
    Target,
    measure_model,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._verify_report import (
    VerifyReportError,
    band_of,
    check_bands,
    parameters_b,
)


def _line(model: str, perf: dict) -> str:
    single = perf["single"]
    text = f"{model}: first token p50 {_num(single['ttft']['p50'])} s, {_num(single['tokens_per_s']['p50'], 1)} tok/s"
    conc = perf["concurrent"]
    if conc:
        text += (
            f"; {conc['requests']} users: p95 first token {_num(conc['ttft']['p95'])} s, "
            f"{conc['errors']} errors, {conc['queued']} queued"
        )
    return text


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    spec = connection_argument_spec()
    spec.update(
        model={"type": "str", "required": True},
        prompt={"type": "str", "default": "Explain in three sentences why the sky is blue."},
        num_predict={"type": "int", "default": 64},
        api={"type": "str", "choices": ["generate", "chat"], "default": "generate"},
        requests={"type": "int", "default": 3},
        users={"type": "int"},
        bands={"type": "dict"},
        max_users={"type": "int", "default": 20},
        num_parallel={"type": "int"},
        keep_alive={"type": "raw"},
        time_limit={"type": "int", "default": 300},
        ca_path={"type": "path"},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    for name, low in (("requests", 1), ("users", 0), ("num_predict", 1), ("time_limit", 1), ("max_users", 1)):
        if p[name] is not None and p[name] < low:
            module.fail_json(msg=f"ollama_perf: {name} must be at least {low}, got {p[name]}")
    if p["num_parallel"] is not None and p["num_parallel"] < 1:
        module.fail_json(msg=f"ollama_perf: num_parallel must be at least 1, got {p['num_parallel']}")
    if module.check_mode:
        module.exit_json(
            changed=False, measured=False, msg=f"check mode: no request sent to {p['url']}, nothing measured"
        )
    client = client_from_params(p)
    try:
        shown = client.show(p["model"])
    except OllamaError as exc:
        module.fail_json(msg=f"ollama_perf: cannot read model {p['model']}: {exc}")
    if shown is None:
        module.fail_json(
            msg=f"ollama_perf: POST {client.endpoint('/api/show')}: model {p['model']} is not installed (HTTP 404)"
        )
    size = str(((shown or {}).get("details") or {}).get("parameter_size") or "")
    users = p["users"]
    band = None
    if users is None:
        users = 0
        if p["bands"]:
            try:
                bands = check_bands(p["bands"])
            except VerifyReportError as exc:
                module.fail_json(msg=f"ollama_perf: {exc}")
            band = band_of(parameters_b(size), bands)
            if band is not None:
                users = min(int(bands[band]["users"][0]), p["max_users"])
    headers = dict(client.headers)
    target = Target(p["url"], p["timeout"], p["validate_certs"], p["ca_path"], headers)
    try:
        perf = measure_model(
            target,
            p["model"],
            p["prompt"],
            p["num_predict"],
            p["requests"],
            users,
            p["time_limit"],
            api=p["api"],
            keep_alive=p["keep_alive"],
            num_parallel=p["num_parallel"],
        )
    except PerfError as exc:
        module.fail_json(msg=f"ollama_perf: {exc}")
    perf["parameter_size"] = size
    perf["band"] = band
    module.exit_json(changed=False, measured=True, msg=_line(p["model"], perf), parameter_size=size, perf=perf)


if __name__ == "__main__":
    main()
