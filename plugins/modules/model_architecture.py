#!/usr/bin/python
# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: model_architecture
short_description: Read the architecture of Ollama models from a running Ollama, a registry or GGUF files
version_added: 0.1.0
description:
  - Returns, for each model in O(name), the facts the capacity planner needs (block count, head counts, key and
    value lengths, context length, sliding window, experts, parameters, quantisation, sizes).
  - The sources in O(sources) are asked in order and the first that knows the model answers. C(ollama) asks
    C(/api/show) of the server at O(url). C(registry) reads the model's manifest from its registry and then only
    the header of the GGUF model layer, with HTTP range requests that start at O(header_read_bytes) and grow while
    the header is incomplete, up to O(header_max_bytes). C(artifact) reads a GGUF file from O(gguf_files) or an
    Ollama model store in O(artifact_dir) (air-gapped hosts).
  - A model no source knows is returned with RV(models[].estimated=false) and the reason; that is not a failure.
    The module fails only on bad input (an invalid model name, bad read bounds).
  - Facts read from a GGUF header are cached per model-layer digest as JSON files in O(cache_dir).
    The module changes nothing else; in check mode it does not write the cache either.
  - Run it where the sources are reachable; to keep the cache on the controller, delegate it to C(localhost).
author:
  - aistack.baremetal maintainers (@aistack)
attributes:
  check_mode:
    description: The module only reads; in check mode it also leaves the fact cache alone.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
options:
  name:
    description:
      - Model names as Ollama takes them (C([host/][namespace/]model[:tag])); the host defaults to
        C(registry.ollama.ai), the namespace to C(library) and the tag to C(latest).
    type: list
    elements: str
    required: true
  sources:
    description:
      - Sources to ask, in this order. A source without its settings (C(ollama) without O(url), C(artifact) without
        O(artifact_dir) or O(gguf_files)) is skipped.
    type: list
    elements: str
    choices: [ollama, registry, artifact]
    default: [ollama, registry, artifact]
  url:
    description:
      - Base URL of a running Ollama server (without C(/api)) for the C(ollama) source.
    type: str
  token:
    description:
      - Bearer token for an Ollama behind an authenticating proxy.
    type: str
  headers:
    description:
      - Extra HTTP headers sent to the Ollama server. Values are not logged.
    type: dict
    default: {}
  validate_certs:
    description:
      - Verify TLS certificates of the Ollama server and the registry.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
  registry_url:
    description:
      - Base URL that stands in for C(registry.ollama.ai) (a mirror or a proxy). Names on another host
        (C(hf.co/...)) are read from that host.
    type: str
    default: https://registry.ollama.ai
  registry_token:
    description:
      - Bearer token sent to the registry (not to the CDN its blob redirects point at).
    type: str
  artifact_dir:
    description:
      - Directory with an Ollama model store (C(manifests/) and C(blobs/), or a C(models/) directory holding them).
      - Relative paths in O(gguf_files) are relative to it.
    type: path
  gguf_files:
    description:
      - GGUF files by model name, for models that are not in an Ollama store.
    type: dict
    default: {}
  cache_dir:
    description:
      - Directory of the fact cache (one JSON file per model-layer digest). Created when missing.
      - The default is in the home directory of the user the module runs as.
    type: path
    default: ~/.cache/aistack/model_architecture
  cache:
    description:
      - Use the fact cache. With V(false) every header is read again and nothing is written.
    type: bool
    default: true
  header_read_bytes:
    description:
      - Size of the first range read of a GGUF header. Most headers (metadata plus vocabulary) are 1 to 10 MiB.
    type: int
    default: 2097152
  header_max_bytes:
    description:
      - Largest GGUF header read; a larger header makes the source answer that it could not read the model.
    type: int
    default: 67108864
  retries:
    description:
      - How often a dropped registry connection or a 5xx answer is retried (each retry resumes where the read stopped).
    type: int
    default: 3
seealso:
  - module: aistack.baremetal.capacity_plan
  - module: aistack.baremetal.ollama_model_info
notes:
  - The registry source needs no Ollama; it reads the public registry API anonymously, as C(ollama pull) does.
"""

EXAMPLES = r"""
- name: Read the architecture of the models the inventory asks for
  aistack.baremetal.model_architecture:
    name: [gemma3:12b, qwen3:30b, gpt-oss:20b]
    url: http://gpu01:11434
  delegate_to: localhost
  register: __arch

- name: Name the models that could not be read
  ansible.builtin.debug:
    msg: "{{ __arch.models | rejectattr('estimated') | map(attribute='reason') | list }}"

- name: Air-gapped, from an Ollama model store copied next to the playbook
  aistack.baremetal.model_architecture:
    name: [llama3.1:8b]
    sources: [artifact]
    artifact_dir: "{{ playbook_dir }}/artifacts/ollama"

- name: From a mirror of the registry, one extra GGUF file
  aistack.baremetal.model_architecture:
    name: [llama3.1:8b, mymodel:q4]
    sources: [registry, artifact]
    registry_url: https://ollama-mirror.example.com
    gguf_files:
      mymodel:q4: /srv/models/mymodel-Q4_K_M.gguf
"""

RETURN = r"""
models:
  description: One entry per requested model, in the order of O(name).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The model name in its shortest form, tag included.
      type: str
      sample: gemma3:12b
    requested:
      description: The name as given in O(name).
      type: str
    estimated:
      description: Whether a source knew the model, so the planner can estimate its memory.
      type: bool
    source:
      description: The source that answered (C(ollama), C(registry), C(artifact)); null when none did.
      type: str
    location:
      description: The URL or file the facts were read from.
      type: str
    digest:
      description: Digest of the GGUF model layer (registry, store), or of the model's manifest (Ollama); may be null.
      type: str
    cached:
      description: Whether the facts came from the fact cache instead of reading the header.
      type: bool
    reason:
      description: Why the model is not estimated, what each source answered and what to provide; null when estimated.
      type: str
    attempts:
      description: Each source asked before the answer, with its answer (C(source), C(result)).
      type: list
      elements: dict
    facts:
      description:
        - The model's facts, null when not estimated. Keys are those of the capacity catalog rows
          (C(architecture), C(parameters), C(quantization), C(block_count), C(head_count), C(head_count_kv),
          C(key_length), C(value_length), C(embedding_length), C(vocab_size), C(context_length), C(tied_embeddings),
          C(output_type), C(token_embd_type), C(size_bytes)) plus C(file_type), C(feed_forward_length),
          C(model_bytes), C(projector_bytes), per-layer arrays C(head_count_per_layer), C(head_count_kv_per_layer),
          C(feed_forward_length_per_layer), sliding-window facts C(sliding_window), C(sliding_window_layers) (one
          boolean per block, true when windowed), C(sliding_window_source) (C(gguf) or C(architecture)), mixture of
          experts facts C(expert_count), C(expert_used_count), C(expert_shared_count), C(expert_feed_forward_length),
          C(leading_dense_block_count), multi-head latent attention facts C(kv_lora_rank), C(key_length_mla),
          C(value_length_mla), and a vision tower inside the model file C(vision_bytes), C(vision_graph_bytes) (the
          compute graph of one image). Unknown values are null.
      type: dict
      sample:
        architecture: gemma3
        block_count: 48
        head_count: 16
        head_count_kv: 8
        key_length: 256
        value_length: 256
        embedding_length: 3840
        context_length: 131072
        sliding_window: 1024
        sliding_window_source: architecture
        quantization: Q4_K_M
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._model_sources import (
    SOURCES,
    FactCache,
    describe,
    sources_from_params,
    validate_params,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "list", "elements": "str", "required": True},
            "sources": {"type": "list", "elements": "str", "choices": list(SOURCES), "default": list(SOURCES)},
            "url": {"type": "str"},
            "token": {"type": "str", "no_log": True},
            "headers": {"type": "dict", "default": {}, "no_log": True},
            "validate_certs": {"type": "bool", "default": True},
            "timeout": {"type": "int", "default": 30},
            "registry_url": {"type": "str", "default": "https://registry.ollama.ai"},
            "registry_token": {"type": "str", "no_log": True},
            "artifact_dir": {"type": "path"},
            "gguf_files": {"type": "dict", "default": {}},
            "cache_dir": {"type": "path", "default": "~/.cache/aistack/model_architecture"},
            "cache": {"type": "bool", "default": True},
            "header_read_bytes": {"type": "int", "default": 2 << 20},
            "header_max_bytes": {"type": "int", "default": 64 << 20},
            "retries": {"type": "int", "default": 3},
        },
        supports_check_mode=True,
    )
    params = module.params
    names, errors = validate_params(params)
    if errors:
        module.fail_json(msg="; ".join(errors))

    cache = FactCache(params["cache_dir"] if params["cache"] else None, writable=not module.check_mode)
    models = describe(names, sources_from_params(params, cache))
    for warning in cache.warnings:
        module.warn(warning)
    module.exit_json(changed=False, models=models)


if __name__ == "__main__":
    main()
