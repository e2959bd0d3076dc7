#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: hardware_facts
short_description: Gather CPU, memory, disk, OS, Secure Boot and NVIDIA GPU facts for capacity planning
version_added: 0.1.0
description:
  - Reads what a host has - CPU cores and threads, memory, whole disks and the free space of the
    filesystems that will hold volumes, OS and kernel, virtualisation, Secure Boot state and NVIDIA
    GPUs - and returns it as one fact tree, C(ansible_facts.aistack_hardware).
  - GPUs come from C(nvidia-smi --query-gpu); when nvidia-smi is absent or fails (no driver yet),
    from C(lspci -nn) (vendor C(10de), class C(0300) or C(0302)); without lspci, from C(/sys/bus/pci).
  - The loaded kernel module's version and flavour (open or proprietary) come from
    C(/proc/driver/nvidia/version).
  - Secure Boot comes from C(mokutil --sb-state) when installed, else from the C(SecureBoot-*)
    EFI variable; a host without C(/sys/firmware/efi) reads C(legacy_bios).
  - With O(declared), nothing on the host is read; the tree is built from the declared values
    (plan mode for a host that cannot be reached).
  - Sizes are GiB (2^30 bytes, Kubernetes C(Gi)) under keys ending in C(_gb); GPU memory is MiB.
  - Needs nothing beyond Python's standard library on the target.
author:
  - aistack.baremetal maintainers (@aistack)
options:
  storage_paths:
    description:
      - Paths whose filesystem will hold persistent volumes; size and free space are reported for each.
      - A path that does not exist yet is measured on its nearest existing parent.
    type: list
    elements: path
    default: [/var/lib/longhorn]
  set_facts:
    description:
      - Set the tree as C(ansible_facts.aistack_hardware).
      - V(false) returns it as RV(hardware) instead and leaves the host's facts alone, so a role can
        read the GPUs again (after a driver install) without replacing the tree another role gathered.
    type: bool
    default: true
  declared:
    description:
      - Hardware as an inventory declares it. When set, the host is not inspected.
    type: dict
    suboptions:
      cpu_cores:
        description: Logical CPUs Kubernetes may schedule.
        type: int
        required: true
      memory_gb:
        description: Memory in GiB.
        type: float
        required: true
      cpu_model:
        description: CPU model name, for the report.
        type: str
      secure_boot:
        description: Secure Boot state when known.
        type: str
        choices: [enabled, disabled, legacy_bios, unknown]
        default: unknown
      os:
        description: Operating system.
        type: dict
        suboptions:
          distribution:
            description: Distribution name as Ansible reports it (V(Debian), V(Ubuntu)).
            type: str
            required: true
          version:
            description: Version (V(12), V(24.04)).
            type: str
            required: true
      disks:
        description: Disks, each with the free space that volumes may use.
        type: list
        elements: dict
        default: []
        suboptions:
          device:
            description: Kernel device name (V(nvme0n1)).
            type: str
            required: true
          size_gb:
            description: Size in GiB.
            type: float
            required: true
          free_gb:
            description: Free space for volumes in GiB; defaults to O(declared.disks[].size_gb).
            type: float
          mount:
            description: Where volumes will live on it (V(/var/lib/longhorn)).
            type: str
          model:
            description: Model, for the report.
            type: str
      gpus:
        description: GPUs.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Name as nvidia-smi prints it.
            type: str
            required: true
          memory_mib:
            description: GPU memory in MiB.
            type: int
            required: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: posix
notes:
  - Memory is MemTotal from C(/proc/meminfo), a little below the installed size (firmware and kernel keep some).
seealso:
  - name: nvidia-smi documentation
    description: The query fields used are in C(nvidia-smi --help-query-gpu).
    link: https://docs.nvidia.com/deploy/nvidia-smi/index.html
"""

EXAMPLES = r"""
- name: Gather hardware facts
  aistack.baremetal.hardware_facts:
    storage_paths:
      - /var/lib/longhorn

- name: Read the GPUs and the driver without touching ansible_facts
  aistack.baremetal.hardware_facts:
    storage_paths: []
    set_facts: false
  register: gpu_probe

- name: Show the numbers the capacity planner uses
  ansible.builtin.debug:
    var: ansible_facts['aistack_hardware']['summary']

- name: Build the same tree from declared hardware, on the controller
  aistack.baremetal.hardware_facts:
    declared:
      cpu_cores: 40
      memory_gb: 96
      os: {distribution: Ubuntu, version: "24.04"}
      disks: [{device: nvme0n1, size_gb: 1000, mount: /var/lib/longhorn}]
      gpus: [{name: NVIDIA GeForce RTX 3050, memory_mib: 8192}]
  delegate_to: localhost
"""

RETURN = r"""
hardware:
  description: The hardware fact tree, as C(ansible_facts.aistack_hardware) describes it.
  returned: when O(set_facts=false)
  type: dict
ansible_facts:
  description: Facts to add to the host.
  returned: when O(set_facts=true)
  type: dict
  contains:
    aistack_hardware:
      description: The hardware fact tree.
      returned: always
      type: dict
      contains:
        source:
          description: V(gathered) or V(declared).
          type: str
          sample: gathered
        cpu:
          description: C(model), C(sockets), C(cores) (physical) and C(threads) (logical CPUs).
          type: dict
          sample: {model: AMD EPYC 7443, sockets: 1, cores: 24, threads: 48}
        memory:
          description: C(total_gb) and C(available_gb) in GiB.
          type: dict
          sample: {total_gb: 94.2, available_gb: 90.1}
        os:
          description: C(distribution), C(version), C(codename), C(id), C(pretty_name), C(kernel), C(architecture).
          type: dict
          sample: {distribution: Ubuntu, version: "24.04", codename: noble, kernel: 6.8.0-45-generic}
        virtualization:
          description: What C(systemd-detect-virt) prints (V(none) on bare metal), or V(unknown).
          type: str
          sample: none
        secure_boot:
          description: V(enabled), V(disabled), V(legacy_bios) or V(unknown).
          type: str
          sample: disabled
        disks:
          description: Whole disks with C(device), C(size_gb), C(rotational), C(model).
          type: list
          elements: dict
        storage:
          description: One entry per O(storage_paths) item with C(path), C(mount), C(device), C(size_gb), C(free_gb).
          type: list
          elements: dict
        gpus:
          description: >-
            NVIDIA GPUs with C(index), C(name), C(memory_mib) (None when only lspci saw it), C(source)
            and, from nvidia-smi, C(uuid), C(pci_bus_id), C(driver_version), C(compute_cap), C(mig_mode) and more.
          type: list
          elements: dict
        gpu_driver:
          description:
            - C(loaded) (nvidia-smi answered), C(source) (the tool that listed the GPUs), C(error) (why
              nvidia-smi did not answer).
            - C(driver_version) (nvidia-smi's, else the loaded kernel module's), C(branch) (its first number)
              and C(cuda_version).
            - C(kernel_module_version) and C(kernel_module_flavor) (V(open) or V(proprietary)) from
              C(/proc/driver/nvidia/version); None while no module is loaded.
            - C(pci_gpu_count), the NVIDIA GPUs on the PCI bus however many the driver lists.
          type: dict
          sample:
            loaded: true
            source: nvidia-smi
            error: null
            driver_version: 580.159.04
            branch: "580"
            cuda_version: "13.0"
            kernel_module_version: 580.159.04
            kernel_module_flavor: open
            pci_gpu_count: 1
        summary:
          description: >-
            What the capacity planner budgets against - C(cpu_cores) (logical CPUs), C(memory_gb),
            C(gpus), C(disks).
          type: dict
          sample:
            cpu_cores: 40
            memory_gb: 96.0
            gpus: [{name: NVIDIA GeForce RTX 3050, memory_mib: 8192}]
            disks: [{device: nvme0n1, size_gb: 1000.0, free_gb: 1000.0, mount: /var/lib/longhorn}]
"""

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils import _hardware_discover as hw_discover
from ansible_collections.aistack.baremetal.plugins.module_utils import _hardware_facts as hw_facts
from ansible_collections.aistack.baremetal.plugins.module_utils import _hardware_parse as hw_parse


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def gather(module: AnsibleModule) -> dict[str, Any]:
    os_release = next((p for p in ("/etc/os-release", "/usr/lib/os-release") if os.path.exists(p)), None)
    os_info: dict[str, Any] = (
        hw_parse.parse_os_release(_read(os_release)) if os_release else {"distribution": "unknown"}
    )
    uname = os.uname()
    os_info.update(kernel=uname.release, architecture=uname.machine)
    mounts = hw_parse.parse_mounts(_read("/proc/mounts"))

    def run(args: list[str]) -> tuple[int, str, str]:
        rc, out, err = module.run_command(args)
        return rc, out, err

    def which(name: str) -> str | None:
        path: str | None = module.get_bin_path(name)
        return path

    gpus, driver = hw_discover.discover_gpus(run, which)
    tree: dict[str, Any] = {
        "source": "gathered",
        "cpu": hw_parse.parse_cpuinfo(_read("/proc/cpuinfo")),
        "memory": hw_parse.parse_meminfo(_read("/proc/meminfo")),
        "os": os_info,
        "virtualization": hw_discover.discover_virtualization(run, which),
        "secure_boot": hw_discover.discover_secure_boot(run, which),
        "disks": hw_discover.block_devices(),
        "storage": [hw_discover.path_usage(p, mounts) for p in module.params["storage_paths"]],
        "gpus": gpus,
        "gpu_driver": driver,
    }
    tree["summary"] = hw_facts.summary(tree)
    return tree


def main() -> None:
    disk_spec = {
        "device": {"type": "str", "required": True},
        "size_gb": {"type": "float", "required": True},
        "free_gb": {"type": "float"},
        "mount": {"type": "str"},
        "model": {"type": "str"},
    }
    declared_spec = {
        "cpu_cores": {"type": "int", "required": True},
        "memory_gb": {"type": "float", "required": True},
        "cpu_model": {"type": "str"},
        "secure_boot": {
            "type": "str",
            "choices": ["enabled", "disabled", "legacy_bios", "unknown"],
            "default": "unknown",
        },
        "os": {
            "type": "dict",
            "options": {
                "distribution": {"type": "str", "required": True},
                "version": {"type": "str", "required": True},
            },
        },
        "disks": {"type": "list", "elements": "dict", "default": [], "options": disk_spec},
        "gpus": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {"name": {"type": "str", "required": True}, "memory_mib": {"type": "int", "required": True}},
        },
    }
    module = AnsibleModule(
        argument_spec={
            "storage_paths": {"type": "list", "elements": "path", "default": ["/var/lib/longhorn"]},
            "set_facts": {"type": "bool", "default": True},
            "declared": {"type": "dict", "options": declared_spec},
        },
        supports_check_mode=True,
    )
    try:
        tree = hw_facts.declared_tree(module.params["declared"]) if module.params["declared"] else gather(module)
    except (OSError, hw_parse.HardwareParseError) as exc:
        module.fail_json(msg=f"Cannot read the hardware: {exc}")
    if module.params["set_facts"]:
        module.exit_json(changed=False, ansible_facts={"aistack_hardware": tree})
    module.exit_json(changed=False, hardware=tree)


if __name__ == "__main__":
    main()
