#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: openwebui_config
short_description: Manage Open WebUI admin settings through its API, idempotently
version_added: 0.1.0
description:
  - Sets Open WebUI's admin settings - connections to Ollama and OpenAI-compatible servers (Pipelines too),
    sign-up and authentication, default models, documents and web search, banners, tool servers, task model,
    default user permissions, audio, image generation and code execution - from data.
  - Each option is one section of the admin API. Only the keys given are managed. For each section given,
    the module reads the current object, lays the given keys over it and, only when a managed key differs,
    writes the section back whole, because most update endpoints need every field (422) or reset the
    fields left out.
  - Reads C(GET /api/version) first and uses the request shapes of that release's family. The shapes are
    data generated from the OpenAPI documents of the releases (one entry per family of releases that share
    them); a version no family covers fails before a request is written, listing the supported ranges.
    Tested against Open WebUI 0.6.12, 0.11.0 and 0.12.4.
  - Keys of the free-form sections (O(auth), O(retrieval), O(tasks), O(permissions), O(audio), O(images),
    O(code_execution)) are the API's field names in lower case (V(enable_signup), V(file_max_size),
    V(web.enable_web_search)); they are checked against the running release's schema, and an unknown key
    or a value of the wrong type fails before anything is written, listing the valid keys.
  - Values of keys whose name ends in C(key), C(api_key), C(password), C(token) or C(secret) are treated as
    secrets - masked in the diff and in the results.
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - aistack.baremetal.openwebui
options:
  connections:
    description:
      - Model connections (C(/ollama/config) and C(/openai/config)).
    type: dict
    suboptions:
      ollama:
        description:
          - Ollama servers. Several URLs are load-balanced by Open WebUI, and a model served by more than one
            fails over between them.
        type: dict
        suboptions:
          enable:
            description: Whether the Ollama API is used at all (C(ENABLE_OLLAMA_API)).
            type: bool
          urls:
            description:
              - The complete, ordered list of Ollama base URLs. URLs not listed are removed.
              - Per-URL sub-keys not given keep their current value (or Open WebUI's default for a new URL).
            type: list
            elements: dict
            suboptions:
              url:
                description: Base URL, for example V(http://ollama.ollama.svc:11434). A trailing slash is dropped.
                type: str
                required: true
              enable:
                description: Whether this connection is used.
                type: bool
              prefix_id:
                description: Prefix added to the model names this URL serves.
                type: str
              tags:
                description: Tags shown on the models of this connection.
                type: list
                elements: str
              model_ids:
                description: Only these models of the server are offered (empty list = all).
                type: list
                elements: str
              connection_type:
                description: V(local) or V(external).
                type: str
              key:
                description: Bearer key sent to this Ollama server, when it sits behind an authenticating proxy.
                type: str
      openai:
        description:
          - OpenAI-compatible servers. A Pipelines server (port 9099) is attached as one of these, with the
            Pipelines API key as O(connections.openai.urls[].key).
        type: dict
        suboptions:
          enable:
            description: Whether OpenAI-compatible connections are used (C(ENABLE_OPENAI_API)).
            type: bool
          urls:
            description:
              - The complete, ordered list of base URLs. URLs not listed are removed.
              - Per-URL sub-keys not given keep their current value (or the default for a new URL).
            type: list
            elements: dict
            suboptions:
              url:
                description: Base URL, for example V(http://pipelines.open-webui.svc:9099).
                type: str
                required: true
              key:
                description: API key of this server.
                type: str
              enable:
                description: Whether this connection is used.
                type: bool
              prefix_id:
                description: Prefix added to the model names this URL serves.
                type: str
              tags:
                description: Tags shown on the models of this connection.
                type: list
                elements: str
              model_ids:
                description: Only these models of the server are offered (empty list = all).
                type: list
                elements: str
              connection_type:
                description: V(local) or V(external).
                type: str
  auth:
    description:
      - General and authentication settings (C(/api/v1/auths/admin/config)), for example V(enable_signup),
        V(default_user_role) (V(pending), V(user) or V(admin)), V(jwt_expires_in) (V(-1), V(0) or a duration
        such as V(4w); Open WebUI silently ignores other forms), V(enable_api_keys), V(webui_url).
      - V(enable_api_keys), V(enable_api_keys_endpoint_restrictions) and V(api_keys_allowed_endpoints) work
        on both 0.6 (where the API calls them C(ENABLE_API_KEY...)) and 0.12.
      - On 0.6.x, keep signup enabled until the first admin exists (see M(aistack.baremetal.openwebui_admin)).
    type: dict
  models:
    description:
      - Default models and model order (C(/api/v1/configs/models)).
    type: dict
    suboptions:
      default_models:
        description: Models preselected in a new chat.
        type: list
        elements: str
      default_pinned_models:
        description:
          - Models pinned in the sidebar for every user.
          - Newer releases such as 0.11 and 0.12; refused where the release lacks it.
        type: list
        elements: str
      model_order:
        description: Order of the model selector.
        type: list
        elements: str
      default_model_params:
        description:
          - Default parameters of every model.
          - Newer releases such as 0.11 and 0.12; refused where the release lacks it.
        type: dict
      default_model_metadata:
        description:
          - Default metadata (capabilities...) of every model.
          - Newer releases such as 0.11 and 0.12; refused where the release lacks it.
        type: dict
  retrieval:
    description:
      - Documents and web search (C(/api/v1/retrieval/config)), for example V(file_max_size) (MiB;
        V(5120) for 5 GiB), V(file_max_count), V(chunk_size), V(chunk_overlap), V(text_splitter), V(top_k),
        V(enable_rag_hybrid_search), and C(web) with V(enable_web_search), V(web_search_engine),
        V(searxng_query_url), V(web_search_result_count), and the engines' API keys.
    type: dict
  banners:
    description:
      - The complete list of banners (C(/api/v1/configs/banners)), each with V(id), V(type) (V(info),
        V(success), V(warning), V(error)), V(title), V(content), V(dismissible) and optionally V(timestamp).
        A new banner without V(timestamp) is stamped with the current time; an existing one keeps its stamp.
    type: list
    elements: dict
  tool_servers:
    description:
      - The complete list of OpenAPI tool servers (C(/api/v1/configs/tool_servers)), each with V(url) and
        optionally V(path) (default V(openapi.json)), V(auth_type) (default V(bearer)), V(key), V(config);
        0.12 adds V(type), V(headers), V(forward_cookies), V(info).
    type: list
    elements: dict
  tasks:
    description:
      - Task model and background generation (C(/api/v1/tasks/config)), for example V(task_model),
        V(task_model_external), V(enable_title_generation), V(enable_tags_generation).
    type: dict
  permissions:
    description:
      - Default permissions of users (C(/api/v1/users/default/permissions)), nested by group -
        C(workspace), C(sharing), C(chat), C(features) (0.12 adds C(access_grants) and C(settings)).
    type: dict
  audio:
    description:
      - Speech settings (C(/api/v1/audio/config)), nested as C(tts) and C(stt) (0.12 adds C(realtime)).
    type: dict
  images:
    description:
      - Image generation (C(/api/v1/images/config)). The shape differs by release - nested
        (C(enabled), C(engine), C(openai), C(comfyui)...) on 0.6, flat (V(enable_image_generation),
        V(image_generation_engine)...) on 0.12.
    type: dict
  code_execution:
    description:
      - Code execution and code interpreter (C(/api/v1/configs/code_execution)).
    type: dict
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
    details: Reads every section given and reports what would be written, without writing.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) when in diff mode.
    support: full
    details: Before and after of the managed keys only; secrets are masked.
notes:
  - Every value is validated before the first write, but sections are written one after another; when the
    server refuses a write, the sections written before it stay written and the error names the endpoint.
  - Some writes make Open WebUI load what they name - for example an C(audio) write on 0.6.12 with the local
    Whisper engine loads the Whisper model, which fails (HTTP 500) on an instance without internet access.
  - Open WebUI 0.6 keeps settings in memory per process and in its database; with several replicas and no
    C(REDIS_URL), a write reaches only the replica that served it.
seealso:
  - module: aistack.baremetal.openwebui_admin
"""

EXAMPLES = r"""
- name: Configure Open WebUI
  aistack.baremetal.openwebui_config:
    url: http://127.0.0.1:8080
    email: admin@example.com
    password: "{{ vault_openwebui_admin_password }}"
    connections:
      ollama:
        enable: true
        urls:
          - url: http://ollama-gpu.ollama.svc:11434
          - url: http://ollama-standalone.example.com:11434
            tags: [standalone]
      openai:
        enable: true
        urls:
          - url: http://open-webui-pipelines.open-webui.svc:9099
            key: "{{ vault_pipelines_api_key }}"
    auth:
      enable_signup: false
      default_user_role: user
      jwt_expires_in: 4w
    models:
      default_models: [llama3.1:8b]
    retrieval:
      file_max_size: 5120
      file_max_count: 10
      chunk_size: 1000
      chunk_overlap: 100
      web:
        enable_web_search: true
        web_search_engine: searxng
        searxng_query_url: http://searxng.search.svc:8080/search?q=<query>
  delegate_to: localhost

- name: Set the connection once for several tasks
  module_defaults:
    group/aistack.baremetal.openwebui:
      url: https://chat.example.com
      api_key: "{{ vault_openwebui_api_key }}"
  block:
    - name: Show a maintenance banner
      aistack.baremetal.openwebui_config:
        banners:
          - id: maintenance
            type: warning
            title: Maintenance
            content: The GPU node restarts on Sunday at 06:00.
            dismissible: true
"""

RETURN = r"""
version:
  description: Version of the Open WebUI server, from C(GET /api/version).
  returned: always
  type: str
  sample: 0.12.4
profile:
  description: The reference release of the family whose request shapes were used.
  returned: always
  type: str
  sample: 0.12.4
sections_changed:
  description: Sections that differed and were written (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [connections.ollama, retrieval]
config:
  description: The managed keys as they are after the run (secrets masked), grouped like the options.
  returned: always
  type: dict
  sample: {auth: {ENABLE_SIGNUP: false}, retrieval: {FILE_MAX_SIZE: 5120}}
requests:
  description: HTTP requests this run made.
  returned: always
  type: dict
  contains:
    reads:
      description: GET requests.
      type: int
      sample: 4
    writes:
      description: Requests that change state (POST of a section).
      type: int
      sample: 1
    signins:
      description: Sign-ins (0 or 1).
      type: int
      sample: 1
    total:
      description: All requests.
      type: int
      sample: 6
    write_requests:
      description: Method and path of each write.
      type: list
      elements: str
      sample: [POST /api/v1/retrieval/config/update]
  sample: {reads: 4, writes: 0, signins: 1, total: 5, write_requests: []}
diff:
  description: Before and after of the managed keys (secrets masked); only in diff mode.
  returned: when diff mode is on
  type: dict
  sample: {before: {auth: {ENABLE_SIGNUP: true}}, after: {auth: {ENABLE_SIGNUP: false}}}
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui import (
    CONNECTION_ARGUMENT_SPEC,
    Client,
    OpenWebUIError,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_config import apply, flatten_settings
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_secrets import secret_values


def _connection_spec(secret_key: bool) -> dict[str, Any]:
    url_options: dict[str, Any] = {
        "url": {"type": "str", "required": True},
        "enable": {"type": "bool"},
        "prefix_id": {"type": "str"},
        "tags": {"type": "list", "elements": "str"},
        "model_ids": {"type": "list", "elements": "str"},
        "connection_type": {"type": "str"},
        "key": {"type": "str", "no_log": secret_key},
    }
    return {
        "type": "dict",
        "options": {
            "enable": {"type": "bool"},
            "urls": {"type": "list", "elements": "dict", "options": url_options},
        },
    }


def main() -> None:
    argument_spec: dict[str, Any] = dict(CONNECTION_ARGUMENT_SPEC)
    argument_spec.update(
        connections={
            "type": "dict",
            "options": {"ollama": _connection_spec(True), "openai": _connection_spec(True)},
        },
        auth={"type": "dict"},
        models={
            "type": "dict",
            "options": {
                "default_models": {"type": "list", "elements": "str"},
                "default_pinned_models": {"type": "list", "elements": "str"},
                "model_order": {"type": "list", "elements": "str"},
                "default_model_params": {"type": "dict"},
                "default_model_metadata": {"type": "dict"},
            },
        },
        retrieval={"type": "dict"},
        banners={"type": "list", "elements": "dict"},
        tool_servers={"type": "list", "elements": "dict"},
        tasks={"type": "dict"},
        permissions={"type": "dict"},
        audio={"type": "dict"},
        images={"type": "dict"},
        code_execution={"type": "dict"},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    settings = flatten_settings(params)
    # Secrets inside the free-form sections (web search API keys, tool server keys...)
    # are not options of their own, so no_log cannot reach them: register them.
    module.no_log_values.update(secret_values(settings))

    client = Client.from_params(params)
    try:
        result = apply(client, settings, module.check_mode)
    except OpenWebUIError as exc:
        module.fail_json(msg=str(exc), requests=client.report())
    diff = result.pop("diff")
    result["requests"] = client.report()
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
