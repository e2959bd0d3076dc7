#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: reset_plan
short_description: Plan a reset of the stack's layers 3 to 5 - what is removed, what is kept
version_added: 0.1.0
description:
  - Orders the components to remove in the reverse order of their install (AI services, then the platform,
    Longhorn last) and sorts the stack's volumes (O(pvcs) in O(namespaces)) and the nodes' data directories
    (O(data_paths)) into removed or kept. Without O(delete_data) every volume and data directory is kept.
  - Returns a Markdown report of both lists, which C(playbooks/reset.yml) writes to C(reports/<inventory>/reset.md).
  - Only computes; changes nothing.
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  components:
    description: Roles of layers 3 and 4 to remove, for example V(longhorn) or V(open_webui).
    type: list
    elements: str
    required: true
  namespaces:
    description: The stack's namespaces; only volumes there are deleted or listed.
    type: list
    elements: str
    required: true
  pvcs:
    description: PersistentVolumeClaim objects (C(kubernetes.core.k8s_info) C(resources)).
    type: list
    elements: dict
    default: []
  delete_data:
    description: Delete the volumes and the data directories too. Default keeps them.
    type: bool
    default: false
  data_paths:
    description: Data directories on the nodes (Longhorn's), deleted only with O(delete_data).
    type: list
    elements: path
    default: []
  longhorn_namespace:
    description: Namespace of Longhorn's Volume objects.
    type: str
    default: longhorn-system
attributes:
  check_mode:
    support: full
    details: The module only computes; it changes nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
"""

EXAMPLES = r"""
- name: Plan the reset
  aistack.baremetal.reset_plan:
    components: [longhorn, object_storage, ollama, open_webui]
    namespaces: [longhorn-system, object-storage, open-webui]
    pvcs: "{{ __pvcs.resources }}"
    delete_data: "{{ aistack_reset_delete_data | default(false) | bool }}"
    data_paths: [/var/lib/longhorn]
  register: __reset
"""

RETURN = r"""
remove:
  description: Components to remove, in order, C({role, layer}).
  returned: success
  type: list
  elements: dict
  sample: [{role: jupyterhub, layer: 4}, {role: longhorn, layer: 3}]
delete_volumes:
  description: Volumes to delete, C({namespace, name, volume, size}) (empty without O(delete_data)).
  returned: success
  type: list
  elements: dict
keep_volumes:
  description: Volumes kept.
  returned: success
  type: list
  elements: dict
delete_objects:
  description:
    - Objects to delete for RV(delete_volumes), in order - each claim, its PersistentVolume and Longhorn's Volume.
  returned: success
  type: list
  elements: dict
delete_paths:
  description: Data directories to delete.
  returned: success
  type: list
  elements: str
keep_paths:
  description: Data directories kept.
  returned: success
  type: list
  elements: str
report:
  description: Markdown report of what is removed and what is kept.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._reset import ResetError, plan


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "components": {"type": "list", "elements": "str", "required": True},
            "namespaces": {"type": "list", "elements": "str", "required": True},
            "pvcs": {"type": "list", "elements": "dict", "default": []},
            "delete_data": {"type": "bool", "default": False},
            "data_paths": {"type": "list", "elements": "path", "default": []},
            "longhorn_namespace": {"type": "str", "default": "longhorn-system"},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        result = plan(
            components=p["components"],
            namespaces=p["namespaces"],
            pvcs=p["pvcs"],
            delete_data=p["delete_data"],
            data_paths=p["data_paths"],
            longhorn_namespace=p["longhorn_namespace"],
        )
    except ResetError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
