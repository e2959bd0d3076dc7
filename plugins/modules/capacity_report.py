#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: capacity_report
short_description: Render capacity plans as Markdown, a self-contained HTML page with charts, and JSON
version_added: 0.1.0
description:
  - Takes the plans C(aistack.baremetal.capacity_plan) returns and renders them as a Markdown summary
    for the terminal, an HTML page with inline SVG charts (CPU and memory allocations against the host,
    memory per model and component against RAM and VRAM, the hot set loaded together) and JSON.
  - The HTML page has no scripts and no external assets; it opens from disk anywhere.
  - With O(dest), writes C(report.md), C(report.html) and C(report.json) there; a file is rewritten only
    when its content changes, so a second run with the same plans reports no change.
  - "Runs on the controller (C(delegate_to: localhost))."
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  plans:
    description:
      - Plans as C(aistack.baremetal.capacity_plan) returns them in
        RV(aistack.baremetal.capacity_plan#module:plan).
    type: list
    elements: dict
    required: true
  dest:
    description: Directory for the report files; created when missing. Without it, only RV(markdown) is returned.
    type: path
attributes:
  check_mode:
    support: full
    details: Writes nothing; C(changed) says whether the files would change, RV(markdown) is returned as usual.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: aistack.baremetal.capacity_plan
"""

EXAMPLES = r"""
- name: Plan every host
  aistack.baremetal.capacity_plan:
    host: "{{ inventory_hostname }}"
    hardware: "{{ ansible_facts['aistack_hardware']['summary'] }}"
    allocations: "{{ aistack_allocations }}"
    models: "{{ aistack_models }}"
  delegate_to: localhost
  register: capacity

- name: Write the capacity report
  aistack.baremetal.capacity_report:
    plans: "{{ ansible_play_hosts | map('extract', hostvars, ['capacity', 'plan']) | list }}"
    dest: "{{ playbook_dir }}/../reports/capacity"
  delegate_to: localhost
  run_once: true
  register: report

- name: Show the summary
  ansible.builtin.debug:
    msg: "{{ report.markdown }}"
  run_once: true
"""

RETURN = r"""
markdown:
  description: The Markdown summary (also written to C(report.md)).
  returned: success
  type: str
  sample: "# Capacity plan: ai-server\n\n40 cores, 96 GiB RAM, ..."
files:
  description: Paths of the report files by kind (C(markdown), C(html), C(json)); empty without O(dest).
  returned: success
  type: dict
  sample: {markdown: /srv/reports/report.md, html: /srv/reports/report.html, json: /srv/reports/report.json}
error_count:
  description: Number of error problems over all plans.
  returned: success
  type: int
  sample: 2
warning_count:
  description:
    - Number of warning problems over all plans.
    - Not named C(warnings) because Ansible reserves that key for module warning messages.
  returned: success
  type: int
  sample: 6
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_report import (
    FILE_NAMES,
    ReportError,
    count,
    render_all,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._report_files import write_reports


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "plans": {"type": "list", "elements": "dict", "required": True},
            "dest": {"type": "path"},
        },
        supports_check_mode=True,
    )
    plans = module.params["plans"]
    try:
        contents = render_all(plans)
    except (ReportError, KeyError, TypeError) as exc:
        module.fail_json(msg=f"capacity_report: cannot render the plans: {exc!r}")
    changed = False
    files: dict[str, str] = {}
    if module.params["dest"]:
        try:
            changed, files = write_reports(module.params["dest"], contents, module.check_mode, names=FILE_NAMES)
        except OSError as exc:
            module.fail_json(msg=f"capacity_report: cannot write to {module.params['dest']}: {exc}")
    module.exit_json(
        changed=changed,
        markdown=contents["markdown"],
        files=files,
        error_count=count(plans, "error"),
        warning_count=count(plans, "warning"),
    )


if __name__ == "__main__":
    main()
