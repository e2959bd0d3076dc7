#!/usr/bin/python
# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_model
short_description: Pull, update, delete, create and preload Ollama models
version_added: 0.1.0
description:
  - Makes the models on an Ollama server match what is asked, the way M(ansible.builtin.apt) does for packages.
  - Reads C(/api/tags) once for the whole list of names, pulls only what is missing, and reports C(changed) only
    when something was pulled, updated, deleted, created, loaded or unloaded.
  - Names are compared the way Ollama compares them, so C(llama3.1) and C(llama3.1:latest),
    C(library/mistral:7b) and C(mistral:7b), C(Llama3.1:8B) and C(llama3.1:8b), or C(mistral:7b:local) and
    C(mistral:7b) are the same model. A C(:cloud) suffix names the cloud stub the server stores as
    C(model:tag-cloud) (or C(model:cloud) without a tag).
  - Pulls read the NDJSON progress stream one line at a time, so memory use does not depend on the model size.
    A dropped connection, a timeout, an HTTP 5xx answer or a transient error reported inside the stream
    (C(max retries exceeded), a stalled part, C(EOF), a reset connection, an I/O timeout) is retried with
    exponential backoff (Ollama resumes the partial blobs) up to O(retries) times within O(pull_deadline)
    seconds. Any other error inside the stream (disk full, unknown model, unauthorized, registry unreachable)
    fails at once with the server's message.
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - aistack.baremetal.ollama
  - aistack.baremetal.ollama.attributes
attributes:
  check_mode:
    description: Reports what would be pulled, deleted, created, loaded or unloaded without doing it.
    support: partial
    details:
      - With O(state=latest) a model that is already installed cannot be predicted without pulling it, so check
        mode reports only the missing ones.
  diff_mode:
    description: Shows the requested models with their digests (and which are loaded) before and after.
    support: full
options:
  name:
    description:
      - One model name or a list of them, as C(ollama pull) accepts them
        (C(model), C(model:tag), C(namespace/model:tag), C(host/namespace/model:tag)).
      - The tag defaults to C(latest).
    type: list
    elements: str
    required: true
    aliases: [model]
  state:
    description:
      - V(present) pulls the models that are missing.
      - V(latest) also pulls the installed ones again and reports C(changed) only when the manifest digest changed.
      - V(absent) deletes them; a model that is not there is not an error. A model that is loaded (listed by
        C(/api/ps) under its name or under another name of the same manifest) is unloaded first and the module
        waits until it has left memory, because Ollama's delete removes only the files and would leave it
        loaded, no longer reachable by name.
    type: str
    choices: [present, latest, absent]
    default: present
  loaded:
    description:
      - V(true) loads the models into memory (a request with no prompt), V(false) unloads them and waits (at
        most O(unload_timeout) seconds) until C(/api/ps) no longer lists them, since Ollama unloads in the
        background.
      - Omit it to leave the loaded models alone.
      - Ollama keeps one copy per model file, listed under the first name it was loaded with; a model is
        therefore loaded when C(/api/ps) lists its name or its manifest digest (an alias such as
        C(llama3.1:latest) of C(llama3.1:8b)).
      - A model derived from another with different runner options (for example C(num_ctx)) shares its model
        file but not its options, so loading one evicts the other; keep only one of them loaded.
      - Embedding models are loaded through C(/api/embed). Cloud models cannot be loaded.
    type: bool
  keep_alive:
    description:
      - With O(loaded=true), how long the model stays in memory after the last request, as a duration
        (any Go duration, for example V(30m), V(24h), V(1h30m), V(.5h), V(+5m)) or a number of seconds (V(300),
        also as a string). A negative value such as V(-1) keeps it loaded forever ("hot" model).
      - A model that is already loaded is left alone unless its expiry disagrees with this value
        (loaded forever when a finite time is asked, or the other way round).
      - Omitted, the server's C(OLLAMA_KEEP_ALIVE) applies.
    type: raw
  from:
    description:
      - Create O(name) as a model derived from this one (pulled first when missing).
      - Idempotent, the created model is compared with O(parameters), O(system), O(template) and its parent as
        C(/api/show) reports them, and recreated only when something differs.
    type: str
  parameters:
    description:
      - Model parameters of the derived model, for example C(num_ctx), C(temperature) or C(stop) (a list).
      - Only the parameters given are compared; the others are inherited from O(from).
    type: dict
  system:
    description:
      - System prompt of the derived model. Omit it to inherit the one of O(from); an empty value is refused,
        since Ollama ignores it.
    type: str
  template:
    description:
      - Prompt template of the derived model (Go template syntax). Omit it to inherit the one of O(from); an
        empty value is refused, since Ollama ignores it.
    type: str
  insecure:
    description:
      - Let Ollama talk to the registry over plain HTTP instead of HTTPS (needed for a registry name with
        C(http://)). It does not turn off certificate verification.
    type: bool
    default: false
  pull_concurrency:
    description: How many missing models are pulled at the same time.
    type: int
    default: 2
  retries:
    description: How many times a pull is retried after a dropped connection, a timeout or an HTTP 5xx answer.
    type: int
    default: 5
  retry_delay:
    description: Seconds before the first retry; doubled for each further one, at most 30 seconds.
    type: float
    default: 2
  pull_deadline:
    description:
      - Overall seconds one pull may take, retries included. The default (4 hours) suits a 40 GB model on a
        30 Mbit/s link.
    type: int
    default: 14400
  unload_timeout:
    description:
      - Seconds to wait for unloaded models to leave C(/api/ps) (with O(loaded=false), and before O(state=absent)
        deletes a loaded model).
    type: int
    default: 60
  stall_timeout:
    description:
      - Seconds a pull, create or load may stay silent before the connection counts as lost. Ollama sends no
        progress while it verifies the digest of a large blob or loads a model into memory.
    type: int
    default: 900
notes:
  - The model files are downloaded by the Ollama server, not by the managed host.
seealso:
  - module: aistack.baremetal.ollama_model_info
  - name: Ollama API
    description: The REST API this module uses.
    link: https://github.com/ollama/ollama/blob/main/docs/api.md
"""

EXAMPLES = r"""
- name: Install the chat models
  aistack.baremetal.ollama_model:
    name:
      - llama3.1:8b
      - qwen2.5-coder:14b
      - nomic-embed-text

- name: Keep the default model hot in GPU memory
  aistack.baremetal.ollama_model:
    name: llama3.1:8b
    loaded: true
    keep_alive: -1

- name: Follow upstream re-publications of a model
  aistack.baremetal.ollama_model:
    name: mistral:7b
    state: latest

- name: Derive a long-context model
  aistack.baremetal.ollama_model:
    name: llama3.1-32k
    from: llama3.1:8b
    parameters:
      num_ctx: 32768
      temperature: 0.2
    system: You are a concise assistant.

- name: Remove a model everywhere, with the connection set once
  module_defaults:
    group/aistack.baremetal.ollama:
      url: http://gpu01:11434
      timeout: 60
  aistack.baremetal.ollama_model:
    name: codellama:70b
    state: absent
"""

RETURN = r"""
changed:
  description: Whether anything was pulled, updated, deleted, created, loaded or unloaded.
  returned: always
  type: bool
pulled:
  description: Models that were missing and were pulled (or would be, in check mode), the base of O(from) included.
  returned: always
  type: list
  elements: str
  sample: [llama3.1:8b]
updated:
  description: With O(state=latest), installed models whose manifest digest changed.
  returned: always
  type: list
  elements: str
deleted:
  description: Models deleted (or that would be).
  returned: always
  type: list
  elements: str
created:
  description: Derived models created or recreated (or that would be).
  returned: always
  type: list
  elements: str
preloaded:
  description: Models loaded into memory, or whose keep_alive was changed (or would be).
  returned: always
  type: list
  elements: str
unloaded:
  description: Models unloaded from memory (or that would be).
  returned: always
  type: list
  elements: str
models:
  description: One entry per requested name, in the order given, after the run.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The name in the short form C(/api/tags) uses (tag always present).
      type: str
      sample: llama3.1:8b
    present:
      description: Whether the model is installed after the run.
      type: bool
    digest:
      description: Manifest digest after the run; in check mode a placeholder for a model still to be pulled.
      type: str
    digest_before:
      description: Manifest digest before the run, null when the model was missing.
      type: str
    size:
      description: Size in bytes on the server after the run.
      type: int
    changed:
      description: Whether this model was changed.
      type: bool
    attempts:
      description: Pull attempts used (0 when it was not pulled).
      type: int
    loaded:
      description: Whether the model is loaded after the run.
      type: bool
      returned: when O(loaded) is set
differences:
  description:
    - For a derived model, what differed from the request, keyed by parameter name (or C(from), C(system),
      C(template), C(model)), each with C(before) and C(after); empty when nothing differed.
  returned: when O(from) is set
  type: dict
  sample: {"num_ctx": {"before": "4096", "after": 8192}}
diff:
  description: Requested models with their digests, and which are loaded, before and after.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: State before the run.
      type: dict
    after:
      description: State after the run (predicted in check mode).
      type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_client import (
    client_from_params,
    connection_argument_spec,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_converge import ModelConverger
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import OllamaError


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec.update(
        name={"type": "list", "elements": "str", "required": True, "aliases": ["model"]},
        state={"type": "str", "choices": ["present", "latest", "absent"], "default": "present"},
        loaded={"type": "bool"},
        keep_alive={"type": "raw"},
        parameters={"type": "dict"},
        system={"type": "str"},
        template={"type": "str"},
        insecure={"type": "bool", "default": False},
        pull_concurrency={"type": "int", "default": 2},
        retries={"type": "int", "default": 5},
        retry_delay={"type": "float", "default": 2},
        pull_deadline={"type": "int", "default": 14400},
        stall_timeout={"type": "int", "default": 900},
        unload_timeout={"type": "int", "default": 60},
    )
    argument_spec["from"] = {"type": "str"}
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    for option in ("pull_concurrency", "pull_deadline", "stall_timeout", "timeout", "unload_timeout"):
        if params[option] < 1:
            module.fail_json(msg="%s must be at least 1, got %d" % (option, params[option]))
    if params["retries"] < 0 or params["retry_delay"] < 0:
        module.fail_json(msg="retries and retry_delay cannot be negative")

    client = client_from_params(
        params,
        stream_timeout=params["stall_timeout"],
        retries=params["retries"],
        retry_delay=params["retry_delay"],
        pull_deadline=params["pull_deadline"],
    )
    converger = None
    try:
        converger = ModelConverger(client, params, module.check_mode)
        result = converger.run()
    except OllamaError as exc:
        partial = dict(converger.result) if converger is not None else {"changed": False}
        partial.pop("diff", None)
        module.fail_json(msg=str(exc), **partial)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
