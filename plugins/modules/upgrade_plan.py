#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: upgrade_plan
short_description: Plan an upgrade of the stack, or decide its health gate
version_added: 0.1.0
description:
  - With O(mode=plan), compares the cluster (O(nodes), O(helmcharts), O(workloads), as
    C(kubernetes.core.k8s_info) returns them) with the inventory (O(k3s_version), O(charts), O(images)) and
    returns what an upgrade changes, before and after, in the order C(playbooks/upgrade.yml) applies it - k3s on
    the servers one at a time, then on the agents, then charts and images layer by layer.
  - Refuses, before anything changes, a k3s downgrade, a jump of more than one minor version, and nodes that are
    not Ready.
  - With O(mode=gate), decides the health gate after an upgrade - every node Ready, uncordoned and on
    O(k3s_version), every workload of O(workloads) with all replicas ready, every O(http) check answered as
    expected - and fails listing each problem and how to roll back O(plan) when it does not pass.
  - Only computes; runs anywhere (C(delegate_to) the controller is usual).
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  mode:
    description: V(plan) computes the upgrade; V(gate) checks its result.
    type: str
    choices: [plan, gate]
    default: plan
  nodes:
    description: Node objects of the cluster (C(k8s_info) C(kind=Node) C(resources)).
    type: list
    elements: dict
    default: []
  k3s_version:
    description: The k3s version the inventory asks for, for example V(v1.33.5+k3s1).
    type: str
  helmcharts:
    description: HelmChart objects of the cluster (C(k8s_info) C(kind=HelmChart) C(resources)); the plan's before side.
    type: list
    elements: dict
    default: []
  charts:
    description:
      - The charts the inventory asks for, C({layer, name, variable, source}), C(name) the HelmChart's name,
        C(source) the chart source variable's value (C({repo, chart, version}) or C({file})).
    type: list
    elements: dict
    default: []
  workloads:
    description:
      - Deployment, StatefulSet and DaemonSet objects (C(k8s_info) C(resources)), for the images before
        (V(plan)) and the readiness the gate checks (V(gate)).
    type: list
    elements: dict
    default: []
  manifests:
    description:
      - The objects of k3s's manifests directory (every document of its files), the plan's before side instead
        of O(helmcharts) and O(workloads) while k3s is prepared but not running (the k3s role's prepare-only mode);
        k3s applies exactly these files when it starts. No node is read then, so k3s itself is not planned.
      - Excludes O(nodes).
    type: list
    elements: raw
  images:
    description:
      - Images the inventory pins, C({layer, workload, image, variable}); C(workload) is
        C(<Kind>/<namespace>/<name>/<container>). An empty C(image) is skipped (the chart's default applies).
    type: list
    elements: dict
    default: []
  http:
    description:
      - With O(mode=gate), health checks as C(ansible.builtin.uri) registered them, C({name, status, expected, msg}).
    type: list
    elements: dict
    default: []
  plan:
    description: With O(mode=gate), the plan this module returned before the upgrade, for the rollback hints.
    type: dict
    default: {}
  backup:
    description: With O(mode=gate), where the backup taken before the upgrade is, named in the rollback hints.
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
  - module: kubernetes.core.k8s_info
  - module: kubernetes.core.k8s_drain
"""

EXAMPLES = r"""
- name: Plan the upgrade (before from the cluster, after from the inventory)
  aistack.baremetal.upgrade_plan:
    nodes: "{{ __nodes.resources }}"
    k3s_version: "{{ k3s_version }}"
    helmcharts: "{{ __helmcharts.resources }}"
    charts:
      - { layer: 3, name: longhorn, variable: longhorn_chart, source: "{{ longhorn_chart }}" }
    workloads: "{{ __deployments.resources }}"
  register: __plan

- name: Health gate after the upgrade
  aistack.baremetal.upgrade_plan:
    mode: gate
    nodes: "{{ __nodes_after.resources }}"
    k3s_version: "{{ k3s_version }}"
    workloads: "{{ __deployments_after.resources }}"
    http: ["{{ __health | combine({'name': 'Open WebUI /health'}) }}"]
    plan: "{{ __plan }}"
"""

RETURN = r"""
k3s:
  description: k3s steps in order, C({node, role, before, after}); nodes already on the version are left out.
  returned: O(mode=plan)
  type: list
  elements: dict
  sample: [{node: ctl-a, role: server, before: v1.32.9+k3s1, after: v1.33.5+k3s1}]
servers:
  description: Server nodes to upgrade, in order.
  returned: O(mode=plan)
  type: list
  elements: str
agents:
  description: Agent nodes to upgrade, in order.
  returned: O(mode=plan)
  type: list
  elements: str
charts:
  description:
    - C({layer, name, variable, before, after, action}), action V(install), V(upgrade), V(downgrade) or V(none).
  returned: O(mode=plan)
  type: list
  elements: dict
images:
  description: C({layer, workload, variable, before, after, action}).
  returned: O(mode=plan)
  type: list
  elements: dict
source:
  description: Where the before side was read, V(cluster) or V(manifests) (k3s's manifests directory).
  returned: O(mode=plan)
  type: str
  sample: cluster
target_k3s:
  description: The k3s version planned for, O(k3s_version).
  returned: O(mode=plan)
  type: str
  sample: v1.33.5+k3s1
layers:
  description: Layers with a chart or image change.
  returned: O(mode=plan)
  type: list
  elements: int
changes:
  description: Number of changes (k3s nodes, charts and images).
  returned: O(mode=plan)
  type: int
lines:
  description: The plan as lines, what the dry mode prints.
  returned: O(mode=plan)
  type: list
  elements: str
  sample:
    - "k3s      server ctl-a: v1.32.9+k3s1 -> v1.33.5+k3s1"
    - "layer 3  chart  longhorn: 1.11.2 -> 1.12.1 (upgrade)"
passed:
  description: Whether the gate passed.
  returned: O(mode=gate)
  type: bool
problems:
  description: What failed the gate.
  returned: O(mode=gate)
  type: list
  elements: str
rollback:
  description: How to undo what the plan changed, most recent change first.
  returned: O(mode=gate)
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._upgrade import UpgradeError, gate, plan, rollback


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "mode": {"type": "str", "choices": ["plan", "gate"], "default": "plan"},
            "nodes": {"type": "list", "elements": "dict", "default": []},
            "k3s_version": {"type": "str"},
            "helmcharts": {"type": "list", "elements": "dict", "default": []},
            "charts": {"type": "list", "elements": "dict", "default": []},
            "workloads": {"type": "list", "elements": "dict", "default": []},
            "images": {"type": "list", "elements": "dict", "default": []},
            "manifests": {"type": "list", "elements": "raw"},
            "http": {"type": "list", "elements": "dict", "default": []},
            "plan": {"type": "dict", "default": {}},
            "backup": {"type": "str"},
        },
        required_if=[("mode", "plan", ["k3s_version"])],
        supports_check_mode=True,
    )
    p = module.params
    try:
        if p["mode"] == "plan":
            result = plan(
                nodes=p["nodes"],
                target_k3s=p["k3s_version"],
                helmcharts=p["helmcharts"],
                charts=p["charts"],
                workloads=p["workloads"],
                images=p["images"],
                manifests=p["manifests"],
            )
            module.exit_json(changed=False, **result)
        decision = gate(nodes=p["nodes"], target_k3s=p["k3s_version"], workloads=p["workloads"], http=p["http"])
    except UpgradeError as exc:
        module.fail_json(msg=str(exc))
    hints = rollback(p["plan"], p["backup"])
    if not decision["passed"]:
        module.fail_json(
            msg="health gate failed, the upgrade stops here: "
            + "; ".join(decision["problems"])
            + ". To roll back: "
            + ("; ".join(hints) if hints else "nothing was changed by the plan"),
            rollback=hints,
            **decision,
        )
    module.exit_json(changed=False, rollback=hints, **decision)


if __name__ == "__main__":
    main()
