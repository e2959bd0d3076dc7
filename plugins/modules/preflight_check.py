#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: preflight_check
short_description: Check an inventory and a host's hardware before any change and plan its capacity
version_added: 0.1.0
description:
  - Runs every preflight rule of the collection for one host in one pass and returns every problem
    found, each naming the inventory variable (its full path) and the fix, so that one run shows all
    that is wrong with an inventory.
  - Checks the types and ranges of the C(aistack_*) stack variables, host names (DNS names), ports,
    the Open WebUI release (0.6.12 to 0.12.x), pinned chart versions, the C(OLLAMA_*) settings
    (ranges, durations, a quantised KV cache where Ollama runs without flash attention), the model lists (a name,
    a known tier) and the declared hardware.
  - Checks the host - operating system, NVIDIA GPU and driver, Secure Boot, containers, and whether
    the gathered hardware matches what the inventory declares.
  - Then plans the capacity exactly as M(aistack.baremetal.capacity_plan) does, with the same input
    validation - a model the built-in catalog lacks is listed as not estimated with a warning and left
    out of the fit decisions; it never stops the plan.
  - Never fails because of what it finds; the caller decides (the C(preflight) role fails in enforce mode).
  - "Runs on the controller (C(delegate_to: localhost)) and reads nothing from the host."
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  host:
    description: Inventory name of the host.
    type: str
    required: true
  address:
    description: Address the host is reached at (C(ansible_host)), for messages.
    type: str
  stack:
    description:
      - The stack variables by name, as the inventory sets them; a null value counts as unset.
      - Read are C(aistack_domain), C(aistack_hostnames), C(aistack_ports), C(aistack_gpu_acceleration),
        C(aistack_storage_class), C(aistack_open_webui_version), every chart source C(<role>_chart)
        (C(repo)/C(chart)/C(version) or C(file)), C(aistack_longhorn_data_path), C(aistack_allocations),
        C(aistack_standby_allocations), C(aistack_volumes), C(aistack_disk_reserved_gb),
        C(aistack_ollama_env), C(aistack_models) and C(aistack_model_catalog_extra).
    type: dict
    default: {}
  hardware_facts:
    description: The host's gathered C(aistack.baremetal.hardware_facts) tree (C(ansible_facts.aistack_hardware)).
    type: dict
  declared_hardware:
    description:
      - C(preflight_declared_hardware) - C(cpu_cores), C(memory_gb), C(os) (C(distribution), C(version)),
        C(disks) (C(device), C(size_gb), C(free_gb), C(mount), C(model)), C(gpus) (C(name), C(memory_mib)),
        C(cpu_model), C(secure_boot).
      - Its types are checked; with O(use_declared) the hardware is built from it, otherwise gathered
        hardware that falls short of it by more than O(tolerance_pct) is a warning.
    type: dict
    default: {}
  use_declared:
    description: Plan from O(declared_hardware) instead of O(hardware_facts) (plan mode, host not contacted).
    type: bool
    default: false
  unreachable:
    description: The connection error when the host could not be gathered; the host is then an error, not planned.
    type: str
  supported_os:
    description:
      - Operating systems accepted, each C(distribution) and C(version).
      - Empty - the collection's supported list (Debian 12 and 13, Ubuntu 22.04 and 24.04).
    type: list
    elements: dict
    default: []
  require_gpu:
    description: An NVIDIA GPU is required; a host without one is an error.
    type: bool
    default: false
  tolerance_pct:
    description: Percent by which gathered CPU or memory may fall short of O(declared_hardware) without a warning.
    type: int
    default: 5
  plan_models:
    description: Plan the Ollama models of C(aistack_models) on this host.
    type: bool
    default: true
  model_facts:
    description:
      - The models list C(aistack.baremetal.model_architecture) returned; models it read are planned from their
        architecture (see C(aistack.baremetal.capacity_plan)).
    type: list
    elements: dict
    default: []
  report:
    description: Path of the report, named in RV(message).
    type: str
attributes:
  check_mode:
    support: full
    details: The module only computes; it changes nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: aistack.baremetal.capacity_plan
  - module: aistack.baremetal.capacity_report
  - module: aistack.baremetal.hardware_facts
"""

EXAMPLES = r"""
- name: Check the inventory against the declared hardware (plan mode)
  aistack.baremetal.preflight_check:
    host: "{{ inventory_hostname }}"
    stack:
      aistack_allocations: "{{ aistack_allocations | default(None) }}"
      aistack_volumes: "{{ aistack_volumes | default(None) }}"
      aistack_ollama_env: "{{ aistack_ollama_env | default(None) }}"
      aistack_models: "{{ aistack_models | default(None) }}"
      aistack_open_webui_version: "{{ aistack_open_webui_version | default(None) }}"
    declared_hardware: "{{ preflight_declared_hardware }}"
    use_declared: true
  delegate_to: localhost
  register: checked

- name: Stop on errors
  ansible.builtin.fail:
    msg: "{{ checked.message }}"
  when: checked.plan.summary.errors > 0
"""

RETURN = r"""
plan:
  description:
    - The capacity plan, as RV(aistack.baremetal.capacity_plan#module:plan) describes it, with every
      problem preflight found in C(problems).
    - Without usable hardware (unreachable host, invalid declared hardware) C(hardware), C(budget) and
      C(models) are empty and C(problems) says why.
  returned: success
  type: dict
hardware:
  description: The hardware fact tree the plan used (gathered, or built from the declared hardware); empty without one.
  returned: success
  type: dict
message:
  description:
    - Every error with its fix, one per line, headed "Preflight stopped HOST before any change".
    - Empty without errors.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._preflight import failure_message, run


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "required": True},
            "address": {"type": "str"},
            "stack": {"type": "dict", "default": {}},
            "hardware_facts": {"type": "dict"},
            "declared_hardware": {"type": "dict", "default": {}},
            "use_declared": {"type": "bool", "default": False},
            "unreachable": {"type": "str"},
            "supported_os": {"type": "list", "elements": "dict", "default": []},
            "require_gpu": {"type": "bool", "default": False},
            "tolerance_pct": {"type": "int", "default": 5},
            "plan_models": {"type": "bool", "default": True},
            "model_facts": {"type": "list", "elements": "dict", "default": []},
            "report": {"type": "str"},
        },
        supports_check_mode=True,
    )
    params = module.params
    result = run(
        params["host"],
        params["stack"],
        hardware_facts=params["hardware_facts"],
        declared_hardware=params["declared_hardware"],
        use_declared=params["use_declared"],
        unreachable=params["unreachable"],
        address=params["address"],
        supported_os=params["supported_os"],
        require_gpu=params["require_gpu"],
        tolerance_pct=params["tolerance_pct"],
        plan_models=params["plan_models"],
        model_facts=params["model_facts"],
    )
    plan = result["plan"]
    message = failure_message(params["host"], plan, params["report"]) if plan["summary"]["errors"] else ""
    module.exit_json(changed=False, plan=plan, hardware=result["hardware"], message=message)


if __name__ == "__main__":
    main()
