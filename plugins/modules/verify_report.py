#!/usr/bin/python
# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: verify_report
short_description: Judge measured models against the design's per-size bands and write the verify report
version_added: 0.1.0
description:
  - Takes the smoke checks and the measurements of C(aistack.baremetal.ollama_perf), sorts each model into a
    size band by its parameter count (from the capacity plan, else from Ollama's C(parameter_size)) and says
    per band whether the design's figures are met and why not, taking the reasons from the capacity plan
    (a model split between CPU and GPU runs at CPU speed) and from the measurement (requests that waited for
    a parallel slot, a model that had to be loaded first, errors).
  - With O(dest), writes C(verify.md), C(verify.html) (self-contained, inline SVG charts of tokens/s per
    model against its band and of the first-token time of every request) and C(verify.json); a file is
    rewritten only when its content changes.
  - "Runs on the controller (C(delegate_to: localhost))."
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  results:
    description:
      - One entry per measured model, the RV(aistack.baremetal.ollama_perf#module:perf) result with
        C(instance) (the Ollama instance's name in the plan) and C(tier) added; or the registered loop results
        of M(aistack.baremetal.ollama_perf) whose items carry C(instance), C(model) and C(tier) (a failed one
        is listed as not measured, with its message).
    type: list
    elements: dict
    default: []
  smoke:
    description: Smoke checks, each C({check, target, ok, detail}).
    type: list
    elements: dict
    default: []
  observed:
    description:
      - What the services reported, as the verify role registers it, turned into smoke checks. Keys, each optional.
      - C(tls), M(ansible.builtin.uri) loop results, one per endpoint; any HTTP status after a verified TLS
        handshake passes.
      - C(answers), M(aistack.baremetal.ollama_perf) loop results with items C({instance, model}); the model answered.
      - C(ollama_info), M(aistack.baremetal.ollama_model_info) loop results with items C({key, value}) (instance,
        URL); the instance answers.
      - C(ollama_gpu), instance -> whether it runs on a GPU host; there a loaded model must have C(size_vram) above 0.
      - C(ollama_missing), instances whose Service was not found; each is a failed check.
      - C(openwebui), the M(aistack.baremetal.openwebui_model_info) result; every model of every instance must be
        listed, from that instance (C(openwebui_order) gives the instances in OLLAMA_BASE_URLS order).
      - C(nodes), Node objects, and C(gpu_allocatable), node -> expected allocatable C(nvidia.com/gpu); when that is
        empty, C(gpu_replicas) above 0 takes the GPUs the capacity plans found on each host times that.
    type: dict
    default: {}
  bands_variable:
    description: Name of the variable O(bands) came from, used in error messages.
    type: str
    default: bands
  bands:
    description:
      - Size name -> C({label, params_b, first_token_s, tokens_per_s, users}); each figure a list
        C([low, high]) where C(high) may be null (no upper bound). C(params_b) is in billions of
        parameters, low inclusive, high exclusive.
      - A model meets its band when its median first token is at most the band's high, its median
        tokens/s at least the band's low, and (when measured) the concurrent requests had no error
        and a 95th-percentile first token at most the band's high.
    type: dict
    required: true
  plans:
    description: Capacity plans as C(aistack.baremetal.capacity_plan) returns them; used for the reasons.
    type: list
    elements: dict
    default: []
  plans_file:
    description:
      - JSON file with a C(plans) list, as C(aistack.baremetal.capacity_report) writes C(report.json);
        read on the controller and added to O(plans). A missing file is not an error (no reasons from a plan).
    type: path
  inventory:
    description: Name shown in the report's title.
    type: str
    default: ""
  dest:
    description: Directory for the report files; created when missing. Without it, only RV(markdown) is returned.
    type: path
attributes:
  check_mode:
    support: full
    details: Writes nothing; C(changed) says whether the files would change.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: aistack.baremetal.ollama_perf
  - module: aistack.baremetal.capacity_report
"""

EXAMPLES = r"""
- name: Write the verify report
  aistack.baremetal.verify_report:
    results: "{{ verify_results }}"
    smoke: "{{ verify_smoke }}"
    bands:
      small:
        label: small (1-8B)
        params_b: [0, 11]
        first_token_s: [0.1, 0.5]
        tokens_per_s: [20, 50]
        users: [10, 20]
    plans_file: "{{ playbook_dir }}/../reports/example/report.json"
    inventory: example
    dest: "{{ playbook_dir }}/../reports/example"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
markdown:
  description: The report in Markdown (also written to C(verify.md)).
  returned: success
  type: str
files:
  description: Paths of the report files by kind (C(markdown), C(html), C(json)); empty without O(dest).
  returned: success
  type: dict
  sample: {markdown: /srv/reports/verify.md, html: /srv/reports/verify.html, json: /srv/reports/verify.json}
met:
  description: Every smoke check passed and no measured model missed its band.
  returned: success
  type: bool
summary:
  description: One line per band (its label, then met, not met or not measured), then one per failed smoke check.
  returned: success
  type: list
  elements: str
report:
  description: The judged report (the content of C(verify.json)).
  returned: success
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._report_files import write_reports
from ansible_collections.aistack.baremetal.plugins.module_utils._verify_report import (
    FILE_NAMES,
    VerifyReportError,
    judge,
    render_all,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._verify_smoke import checks_from


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "results": {"type": "list", "elements": "dict", "default": []},
            "smoke": {"type": "list", "elements": "dict", "default": []},
            "observed": {"type": "dict", "default": {}},
            "bands": {"type": "dict", "required": True},
            "bands_variable": {"type": "str", "default": "bands"},
            "plans": {"type": "list", "elements": "dict", "default": []},
            "plans_file": {"type": "path"},
            "inventory": {"type": "str", "default": ""},
            "dest": {"type": "path"},
        },
        supports_check_mode=True,
    )
    p = module.params
    plans = list(p["plans"])
    if p["plans_file"]:
        try:
            with open(p["plans_file"], encoding="utf-8") as handle:
                plans += list(json.load(handle).get("plans") or [])
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError) as exc:
            module.fail_json(
                msg=f"verify_report: cannot read the capacity plans from plans_file {p['plans_file']}: {exc}"
            )
    try:
        smoke = list(p["smoke"]) + checks_from(p["observed"], plans)
    except (ValueError, TypeError, AttributeError) as exc:
        module.fail_json(msg=f"verify_report: observed: {exc}")
    try:
        report = judge(p["results"], p["bands"], plans, smoke, p["inventory"], p["bands_variable"])
        contents = render_all(report)
    except VerifyReportError as exc:
        module.fail_json(msg=f"verify_report: {exc}")
    changed = False
    files: dict[str, str] = {}
    if p["dest"]:
        try:
            changed, files = write_reports(p["dest"], contents, module.check_mode, names=FILE_NAMES)
        except OSError as exc:
            module.fail_json(msg=f"verify_report: cannot write to dest {p['dest']}: {exc}")
    summary = [f"{t['band']['label']}: {t['verdict']}" for t in report["tiers"].values()]
    summary += [
        f"smoke FAILED: {s['check']} {s.get('target') or ''}: {s.get('detail') or ''}"
        for s in report["smoke"]
        if not s["ok"]
    ]
    module.exit_json(
        changed=changed, markdown=contents["markdown"], files=files, met=report["met"], summary=summary, report=report
    )


if __name__ == "__main__":
    main()
