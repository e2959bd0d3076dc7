#!/usr/bin/python
# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openwebui_model_info
short_description: List the models Open WebUI offers, with the Ollama servers each comes from
version_added: 0.1.0
description:
  - Reads C(GET /api/models) of an Open WebUI instance as an admin (nothing is changed).
  - An Ollama model's entry names, in C(ollama.urls), the indexes in C(OLLAMA_BASE_URLS) of the Ollama
    servers that have it; M(aistack.baremetal.verify_report) checks with them that every instance's
    models are offered.
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - aistack.baremetal.openwebui
attributes:
  check_mode:
    description: The module only reads, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
seealso:
  - module: aistack.baremetal.verify_report
"""

EXAMPLES = r"""
- name: List the models Open WebUI offers
  aistack.baremetal.openwebui_model_info:
    url: http://10.43.20.5:8080
    api_key: "{{ webui_api_key }}"
  register: webui_models
"""

RETURN = r"""
models:
  description: The entries of C(/api/models), each with C(id), C(owned_by) and for Ollama models C(ollama.urls).
  returned: success
  type: list
  elements: dict
  sample: [{id: "llama3.1:8b", owned_by: ollama, ollama: {urls: [0, 1]}}]
ids:
  description: The model ids.
  returned: success
  type: list
  elements: str
  sample: ["llama3.1:8b", "qwen2.5-coder:14b"]
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui import (
    CONNECTION_ARGUMENT_SPEC,
    Client,
    OpenWebUIError,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(CONNECTION_ARGUMENT_SPEC),
        supports_check_mode=True,
        required_together=[("email", "password")],
        required_one_of=[("password", "api_key")],
    )
    client = Client.from_params(module.params)
    try:
        data: Any = client.get("/api/models")
    except OpenWebUIError as exc:
        module.fail_json(msg=f"openwebui_model_info: GET {client.base_url}/api/models: {exc}")
    entries = data.get("data") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        module.fail_json(msg=f"openwebui_model_info: GET {client.base_url}/api/models did not return a model list")
    models = [m for m in entries if isinstance(m, dict)]
    module.exit_json(changed=False, models=models, ids=[str(m.get("id")) for m in models])


if __name__ == "__main__":
    main()
