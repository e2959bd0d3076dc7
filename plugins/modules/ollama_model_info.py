#!/usr/bin/python
# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ollama_model_info
short_description: Report the Ollama server version, installed models and loaded models
version_added: 0.1.0
description:
  - Reads C(/api/version), C(/api/tags) and C(/api/ps) of an Ollama server (three requests, nothing is changed).
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - aistack.baremetal.ollama
  - aistack.baremetal.ollama.attributes
attributes:
  check_mode:
    description: The module only reads, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
options:
  name:
    description:
      - Report only these models (compared the way Ollama compares names, the tag defaulting to C(latest)).
      - RV(loaded) then also lists a requested model that C(/api/ps) shows under another name of the same
        manifest (Ollama lists a loaded model under the first name it was loaded with).
      - Omit it to report every model.
    type: list
    elements: str
    default: []
seealso:
  - module: aistack.baremetal.ollama_model
"""

EXAMPLES = r"""
- name: Read what the Ollama server holds
  aistack.baremetal.ollama_model_info:
    url: http://gpu01:11434
  register: __ollama

- name: Check that the default model is hot
  ansible.builtin.assert:
    that:
      - __ollama.loaded | selectattr('name', 'equalto', 'llama3.1:8b') | list | length == 1
    fail_msg: llama3.1:8b is not loaded on gpu01

- name: Report only two models
  aistack.baremetal.ollama_model_info:
    name: [llama3.1:8b, mistral]
"""

RETURN = r"""
version:
  description: Server version from C(/api/version).
  returned: always
  type: str
  sample: 0.12.6
models:
  description: Installed models, as C(/api/tags) lists them (most recently modified first).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Model name in its shortest form, tag included.
      type: str
      sample: llama3.1:8b
    model:
      description: Model name as the server reports it in C(model).
      type: str
    digest:
      description:
        - sha256 of the local manifest (hex, no prefix); its first 12 characters are the ID C(ollama list) shows.
      type: str
    size:
      description: Size on disk in bytes.
      type: int
    modified_at:
      description: When the model was last pulled or created (RFC 3339).
      type: str
    details:
      description: C(format), C(family), C(families), C(parameter_size), C(quantization_level), C(parent_model).
      type: dict
loaded:
  description: Models loaded in memory, as C(/api/ps) lists them (latest expiry first).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Model name in its shortest form.
      type: str
    model:
      description: Model name as the server reports it in C(model).
      type: str
    digest:
      description: Manifest digest of the loaded model.
      type: str
    size:
      description: Memory used in bytes (weights, KV cache and compute buffers).
      type: int
    size_vram:
      description: Part of RV(loaded[].size) held in GPU memory, in bytes.
      type: int
    expires_at:
      description: When the model will be unloaded; a date centuries ahead means it stays loaded (keep_alive < 0).
      type: str
    context_length:
      description: Context length the model was loaded with (null on servers that do not report it).
      type: int
    details:
      description: Same keys as RV(models[].details).
      type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_client import (
    client_from_params,
    connection_argument_spec,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_converge import gather_info
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import OllamaError


def main() -> None:
    argument_spec = connection_argument_spec()
    argument_spec["name"] = {"type": "list", "elements": "str", "default": []}
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    client = client_from_params(module.params)
    try:
        info = gather_info(client, module.params["name"])
    except OllamaError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **info)


if __name__ == "__main__":
    main()
