#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: capacity_plan
short_description: Check a host's CPU, memory, disk and Ollama model plan against its hardware
version_added: 0.1.0
description:
  - Budgets the stack's CPU and memory allocations against the host's cores and RAM, volumes and
    reservations against its disk, and a standby scenario (extra workloads such as a backup Ollama).
  - For every Ollama instance and model, estimates weights, KV cache, compute graph and fixed
    overheads the way Ollama does (its pre-load estimate, or what its newer engine allocates, by the pinned
    O(ollama_version) and the model's architecture), how many layers fit in VRAM and how much spills to RAM.
  - Then checks whether the hot set fits at once, what room is left for warm models, which models can
    never load, and recommends C(OLLAMA_NUM_PARALLEL), C(OLLAMA_MAX_LOADED_MODELS) and pod resources.
  - Returns a plan with a list of problems (errors carry the numbers, warnings explain the trade-off).
    It never fails because of what it finds, nor on a bad inventory value - every bad value is an error
    problem that names the variable (its full path) and the fix, that entry is left out, and the rest is
    planned, so one run lists every problem.
  - A model the built-in catalog (and O(catalog_extra)) lacks is not estimated - it is listed in
    C(not_estimated) with a warning that says what to provide, and left out of the fit decisions.
  - "Runs on the controller (C(delegate_to: localhost)) and reads nothing from the host."
  - Sizes are GiB (2^30 bytes, Kubernetes C(Gi)) for keys ending in C(_gb); model figures in the
    result are bytes.
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  host:
    description: Name of the host the plan is for (used in the report).
    type: str
    required: true
  hardware:
    description:
      - What the host has, as C(aistack.baremetal.hardware_facts) returns under C(summary).
      - Keys C(cpu_cores) (int), C(memory_gb) (GiB), C(gpus) (list of C(name), C(memory_mib)) and
        C(disks) (list of C(device), C(size_gb), C(free_gb), C(mount)).
      - The disk whose mount contains C(longhorn), else the largest, carries the volumes.
      - A GPU whose C(memory_mib) is null (seen by lspci only, no driver yet) is left out, with a warning.
    type: dict
    required: true
  allocations:
    description:
      - C(aistack_allocations) - name to C(cpu) (cores) and C(memory_gb).
      - The Ollama instance V(primary) takes its memory limit from C(ollama), other instances from
        C(ollama_<instance>) (here or in O(standby_allocations)).
    type: dict
    default: {}
  standby_allocations:
    description: C(aistack_standby_allocations) - workloads that run beside the plan, reported as an extra scenario.
    type: dict
    default: {}
  volumes:
    description:
      - C(aistack_volumes) - name to C(size_gb).
      - C(ollama) (or C(ollama_<instance>)) holds that instance's models.
    type: dict
    default: {}
  disk_reserved_gb:
    description: C(aistack_disk_reserved_gb) - name to GiB budgeted on the same disk but not a volume.
    type: dict
    default: {}
  ollama_env:
    description:
      - C(aistack_ollama_env) - the C(OLLAMA_*) variables. Read are C(OLLAMA_NUM_PARALLEL),
        C(OLLAMA_MAX_LOADED_MODELS), C(OLLAMA_KV_CACHE_TYPE), C(OLLAMA_FLASH_ATTENTION),
        C(OLLAMA_CONTEXT_LENGTH), C(OLLAMA_KEEP_ALIVE) and C(OLLAMA_GPU_OVERHEAD) (bytes).
    type: dict
    default: {}
  models:
    description:
      - C(aistack_models) - instance name to a list of models with C(name), C(tier)
        (V(hot), V(warm), V(cold) or V(none)), optional C(num_ctx) and C(purpose).
      - The GPUs go to the instance V(primary); other instances are planned CPU-only.
    type: dict
    default: {}
  catalog_extra:
    description:
      - C(aistack_model_catalog_extra) - catalog rows for models the built-in catalog lacks, or overrides.
      - Required fields C(name), C(size_bytes), C(architecture), C(block_count), C(head_count),
        C(head_count_kv), C(embedding_length), C(vocab_size), C(context_length); optional
        C(quantization), C(key_length), C(value_length), C(tied_embeddings), C(output_type),
        C(token_embd_type), C(default_num_ctx), C(parameters), C(digest), C(source), C(unverified),
        C(sliding_window), C(sliding_window_layers), C(projector_bytes), C(projector_graph_bytes),
        C(expert_count), C(expert_used_count), C(expert_shared_count), C(leading_dense_block_count),
        C(feed_forward_length), C(expert_feed_forward_length).
      - C(ollama show --verbose MODEL) (or C(/api/show) C(model_info)) prints these values.
    type: list
    elements: dict
    default: []
  model_facts:
    description:
      - The RV(aistack.baremetal.model_architecture#module:models) list that module returned; each model a source
        answered for is planned from its architecture (it wins over the built-in catalog, O(catalog_extra) wins
        over it). Models without facts stay not estimated.
    type: list
    elements: dict
    default: []
    version_added: 0.1.0
  ollama_version:
    description:
      - C(aistack_ollama_version) - the Ollama release the instances run. From 0.11.11 on, models of the
        architectures Ollama's newer engine runs (gemma3, gpt-oss, qwen3, llama4, mistral3, vision models) are
        planned from what that engine allocates instead of the older estimate; the report names the method per
        model. Unset - the older estimate for every model (it never plans less).
    type: str
    version_added: 0.1.0
  monitoring_enabled:
    description:
      - C(aistack_monitoring_enabled) - whether the stack installs monitoring. When true, Prometheus's volume is
        budgeted on the disk - C(aistack_volumes.prometheus), else C(volume_gb) of O(monitoring), else the monitoring
        role's default (50 GiB).
    type: raw
    default: false
    version_added: 0.1.0
  monitoring:
    description:
      - C(aistack_monitoring) - the monitoring settings; only C(volume_gb) is read.
    type: dict
    default: {}
    version_added: 0.1.0
  extra_problems:
    description:
      - Problems found elsewhere (preflight), each C(severity) (V(error) or V(warning)), C(area),
        C(message), C(fix); merged into RV(plan.problems).
    type: list
    elements: dict
    default: []
attributes:
  check_mode:
    support: full
    details: The module only computes; it changes nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Default C(num_ctx) follows Ollama's VRAM tiers (below 23 GiB total VRAM 4096, below 47 GiB 32768,
    else 262144), capped at the model's maximum; C(OLLAMA_CONTEXT_LENGTH) or a model's C(num_ctx) override it.
  - The estimator charges the non-flash-attention compute graph, as Ollama's did; with flash attention the
    real graph is smaller at long contexts, so the figures err on the safe side.
  - A quantised C(OLLAMA_KV_CACHE_TYPE) only counts for a model Ollama runs with flash attention, which depends on
    the release in O(ollama_version), the model and C(OLLAMA_FLASH_ATTENTION); elsewhere the plan sizes the f16
    cache Ollama keeps and warns. From Ollama 0.30 C(OLLAMA_FLASH_ATTENTION=0) with a quantised cache is an error
    (the model does not load).
seealso:
  - module: aistack.baremetal.capacity_report
  - module: aistack.baremetal.hardware_facts
"""

EXAMPLES = r"""
- name: Plan the example server from its declared hardware
  aistack.baremetal.capacity_plan:
    host: "{{ inventory_hostname }}"
    hardware: "{{ preflight_declared_hardware }}"
    allocations: "{{ aistack_allocations }}"
    standby_allocations: "{{ aistack_standby_allocations }}"
    volumes: "{{ aistack_volumes }}"
    disk_reserved_gb: "{{ aistack_disk_reserved_gb }}"
    ollama_env: "{{ aistack_ollama_env }}"
    models: "{{ aistack_models }}"
    catalog_extra: "{{ aistack_model_catalog_extra | default([]) }}"
  delegate_to: localhost
  register: capacity

- name: Fail on planning errors
  ansible.builtin.assert:
    that: capacity.plan.summary.errors == 0
    fail_msg: "{{ capacity.plan.problems | selectattr('severity', '==', 'error') | map(attribute='message') }}"

- name: Plan a model the catalog does not know
  aistack.baremetal.capacity_plan:
    host: gpu-box
    hardware: {cpu_cores: 16, memory_gb: 64, gpus: [{name: RTX 4090, memory_mib: 24564}], disks: []}
    models:
      primary:
        - {name: "mymodel:7b", tier: hot, num_ctx: 8192}
    catalog_extra:
      - name: "mymodel:7b"
        size_bytes: 4683087332
        architecture: qwen2
        block_count: 28
        head_count: 28
        head_count_kv: 4
        embedding_length: 3584
        vocab_size: 152064
        context_length: 32768
  delegate_to: localhost
"""

RETURN = r"""
plan:
  description: The capacity plan.
  returned: success
  type: dict
  contains:
    host:
      description: O(host).
      type: str
      sample: ai-server
    hardware:
      description:
        - The validated O(hardware) (C(cpu_cores), C(memory_gb), C(gpus), C(disks), C(unknown_gpus)).
        - Empty when its CPU or memory figure is unusable; C(budget) and C(models) are then empty too.
      type: dict
    budget:
      description:
        - Host budgets. C(cpu), C(memory) and C(disk) each have C(unit), C(requested), C(available),
          C(over_by) and C(items) (C(name), C(value)); C(disk) adds C(device), C(mount), C(free).
        - C(standby) has C(names) and C(cpu)/C(memory) budgets with the standby workloads added.
        - C(kubelet) suggests C(kube_reserved), C(system_reserved) (C(cpu), C(memory_gb)),
          C(eviction_hard_memory_gb), C(reserved_cpu) and C(reserved_memory_gb).
      type: dict
      sample:
        cpu: {unit: cores, requested: 48.0, available: 40, over_by: 8.0, items: [{name: ollama, value: 35.0}]}
    models:
      description:
        - Per Ollama instance - C(instance), C(allocation), C(gpus), C(settings) (effective
          C(num_parallel), C(max_loaded_models), C(kv_cache_type), C(flash_attention), C(default_num_ctx)...),
          C(memory_limit) and C(vram_total) (bytes), C(download_bytes), C(volume).
        - C(models) lists one estimate per model (bytes) - C(weights), C(kv), C(graph), C(overhead),
          C(total), C(vram_used), C(ram_used), C(gpu_layers), C(layers_total), C(fits_vram),
          C(processor) (as C(ollama ps) prints it), C(fits) (loads at all), C(num_ctx), C(ctx_total),
          C(tier), C(download_bytes), C(source).
        - C(not_estimated) lists the models the catalog lacks (C(name), C(tier), C(purpose), C(num_ctx)).
        - C(hot_set) sums the hot models loaded together (C(weights), C(kv), C(kv_one_slot), C(graph),
          C(vram_used), C(ram_used), C(total), C(fits), C(items)); C(warm) says for each warm model
          whether it fits beside the hot set; C(room_after_hot), C(never_fit), C(split_cpu_gpu).
        - C(recommendations) has C(OLLAMA_NUM_PARALLEL), C(OLLAMA_MAX_LOADED_MODELS), C(loaded_models)
          and C(resources) (pod C(requests)/C(limits)).
      type: dict
    problems:
      description:
        - Errors first, then warnings; each with C(severity), C(area), C(message), C(fix).
        - Includes O(extra_problems).
      type: list
      elements: dict
      sample:
        - severity: error
          area: budget/cpu
          message: "CPU over-committed: aistack_allocations request 48 cores, the host has 40 (over by 8): ..."
          fix: Lower the cpu values in aistack_allocations by 8 cores in all ...
    summary:
      description: C(errors) and C(warnings) counts.
      type: dict
      sample: {errors: 2, warnings: 6}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_budget import build_plan
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import CapacityInputError


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "required": True},
            "hardware": {"type": "dict", "required": True},
            "allocations": {"type": "dict", "default": {}},
            "standby_allocations": {"type": "dict", "default": {}},
            "volumes": {"type": "dict", "default": {}},
            "disk_reserved_gb": {"type": "dict", "default": {}},
            "ollama_env": {"type": "dict", "default": {}},
            "models": {"type": "dict", "default": {}},
            "catalog_extra": {"type": "list", "elements": "dict", "default": []},
            "extra_problems": {"type": "list", "elements": "dict", "default": []},
            "model_facts": {"type": "list", "elements": "dict", "default": []},
            "ollama_version": {"type": "str"},
            "monitoring_enabled": {"type": "raw", "default": False},
            "monitoring": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        plan = build_plan(
            host=params["host"],
            hardware=params["hardware"],
            allocations=params["allocations"],
            standby_allocations=params["standby_allocations"],
            volumes=params["volumes"],
            disk_reserved_gb=params["disk_reserved_gb"],
            ollama_env=params["ollama_env"],
            models=params["models"],
            catalog_extra=params["catalog_extra"],
            extra_problems=params["extra_problems"],
            model_facts=params["model_facts"],
            ollama_version=params["ollama_version"],
            monitoring_enabled=params["monitoring_enabled"],
            monitoring=params["monitoring"],
        )
    except CapacityInputError as exc:  # only the built-in catalog raises: a bug in the collection
        module.fail_json(msg=f"capacity_plan: {exc}")
    module.exit_json(changed=False, plan=plan)


if __name__ == "__main__":
    main()
