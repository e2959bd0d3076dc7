"""Unit tests for plugins/module_utils/_hardware_parse.py, _hardware_discover.py and _hardware_facts.py.

GPU parsers run against output captured on a real H100 with driver 580
(tests/unit/fixtures/gpu/h100-ubuntu2404-driver580/). lspci and mokutil have no
capture there; their tests use text in the exact format those tools print and say so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _hardware_discover as hw_discover
from ansible_collections.aistack.baremetal.plugins.module_utils import _hardware_facts as hw_facts
from ansible_collections.aistack.baremetal.plugins.module_utils import _hardware_parse as hw_parse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gpu" / "h100-ubuntu2404-driver580"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def _os_release_from_env() -> str:
    # env.txt holds a dump of /etc/os-release between other command outputs.
    lines = _fixture("env.txt").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("PRETTY_NAME="))
    end = next(i for i, line in enumerate(lines[start:], start) if line.startswith("LOGO="))
    return "\n".join(lines[start : end + 1])


class TestGpuQuery:
    def test_real_h100_capture_with_header_and_units(self) -> None:
        gpus = hw_parse.parse_gpu_query(_fixture("query-gpu.csv"))
        assert gpus == [
            {
                "index": 0,
                "uuid": "GPU-5ef4129f-cdb8-c223-af49-51751ee12cc2",
                "name": "NVIDIA H100 80GB HBM3",
                "pci_bus_id": "00000000:00:06.0",
                "driver_version": "580.159.04",
                "memory_mib": 81559,
                "memory_used_mib": 0,
                "memory_free_mib": 81079,
                "compute_cap": "9.0",
                "utilization_pct": 0,
                "temperature_c": 50,
                "power_draw_w": 131.76,
                "power_limit_w": 700.0,
                "mig_mode": "Disabled",
            }
        ]

    def test_fixture_header_matches_the_fields_preflight_asks_for(self) -> None:
        header = _fixture("query-gpu.csv").splitlines()[0]
        names = [cell.strip().split(" ")[0] for cell in header.split(",")]
        assert tuple(names) == hw_parse.GPU_QUERY_FIELDS

    def test_noheader_nounits_form_and_na_values(self) -> None:
        text = (
            "0, GPU-aaaa, NVIDIA GeForce RTX 3050, 00000000:01:00.0, 550.120, 8192, 300, 7892, 8.6, 3, 41, "
            "[N/A], 130.00, [N/A]\n"
            "1, GPU-bbbb, NVIDIA H100 80GB HBM3, 00000000:00:06.0, 550.120, 81559, 0, 81079, 9.0, 0, 50, "
            "131.76, 700.00, Enabled\n"
        )
        gpus = hw_parse.parse_gpu_query(text)
        assert [g["memory_mib"] for g in gpus] == [8192, 81559]
        assert gpus[0]["power_draw_w"] is None
        assert gpus[0]["mig_mode"] is None
        assert gpus[1]["mig_mode"] == "Enabled"

    def test_query_args_are_the_parsed_fields(self) -> None:
        args = hw_parse.nvidia_smi_query_args()
        assert args == ["--query-gpu=" + ",".join(hw_parse.GPU_QUERY_FIELDS), "--format=csv,noheader,nounits"]

    def test_empty_output_means_no_gpu(self) -> None:
        assert hw_parse.parse_gpu_query("\n\n") == []

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("0, GPU-x, NVIDIA H100\n", "expected 14 comma-separated fields, got 3"),
            (
                "0, GPU-x, NVIDIA H100, 0:0:6.0, 580, lots, 0, 1, 9.0, 0, 50, 1.0, 2.0, Disabled\n",
                "field memory.total is 'lots', not a number",
            ),
            (
                "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
                "expected 14 comma-separated fields, got 1",
            ),
        ],
    )
    def test_malformed_output_raises_a_clear_error(self, text: str, message: str) -> None:
        with pytest.raises(hw_parse.HardwareParseError, match=message):
            hw_parse.parse_gpu_query(text)

    def test_unknown_field_is_refused(self) -> None:
        with pytest.raises(hw_parse.HardwareParseError, match=r"unknown nvidia-smi fields: clocks\.sm"):
            hw_parse.parse_gpu_query("", fields=("index", "clocks.sm"))


class TestNvidiaSmiVersion:
    def test_real_capture(self) -> None:
        assert hw_parse.parse_nvidia_smi_version(_fixture("versions.txt")) == {
            "driver_version": "580.159.04",
            "cuda_version": "13.0",
            "nvml_version": "580.159",
        }

    def test_garbage_gives_none(self) -> None:
        assert hw_parse.parse_nvidia_smi_version("command not found") == {
            "driver_version": None,
            "cuda_version": None,
            "nvml_version": None,
        }


# /proc/driver/nvidia/version of the proprietary flavour, as users posted it (driver 515.76 on
# Ubuntu 18.04; driver 440.95.01): two- and three-part versions, a build date after them.
PROC_PROPRIETARY_515 = """\
NVRM version: NVIDIA UNIX x86_64 Kernel Module  515.76  Mon Sep 12 19:21:56 UTC 2022
GCC version:  gcc version 7.5.0 (Ubuntu 7.5.0-3ubuntu1~18.04)
"""
PROC_PROPRIETARY_440 = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  440.95.01  Thu May 28 07:03:08 UTC 2020\n"


def _proc_version_from_capture() -> str:
    # versions.txt holds nvidia-smi --version, then /proc/driver/nvidia/version, then uname -r.
    lines = _fixture("versions.txt").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("NVRM version:"))
    return "\n".join(lines[start : start + 2]) + "\n"


class TestNvidiaProcVersion:
    def test_real_h100_capture_is_the_open_flavour(self) -> None:
        assert hw_parse.parse_nvidia_proc_version(_proc_version_from_capture()) == {
            "kernel_module_version": "580.159.04",
            "kernel_module_flavor": "open",
        }

    @pytest.mark.parametrize(
        ("text", "version"), [(PROC_PROPRIETARY_515, "515.76"), (PROC_PROPRIETARY_440, "440.95.01")]
    )
    def test_proprietary_flavour(self, text: str, version: str) -> None:
        assert hw_parse.parse_nvidia_proc_version(text) == {
            "kernel_module_version": version,
            "kernel_module_flavor": "proprietary",
        }

    def test_open_flavour_on_arm(self) -> None:
        # The open flavour names the architecture after "for"; the version still follows it.
        text = "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  580.65.06  Release Build  (dvs-builder@U22)\n"
        assert hw_parse.parse_nvidia_proc_version(text)["kernel_module_flavor"] == "open"
        assert hw_parse.parse_nvidia_proc_version(text)["kernel_module_version"] == "580.65.06"

    @pytest.mark.parametrize(
        "text", ["", "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n", "NVRM version: garbled"]
    )
    def test_no_module_line(self, text: str) -> None:
        assert hw_parse.parse_nvidia_proc_version(text) == {"kernel_module_version": None, "kernel_module_flavor": None}

    @pytest.mark.parametrize(
        ("version", "branch"), [("580.159.04", "580"), ("515.76", "515"), (None, None), ("", None), ("n/a", None)]
    )
    def test_driver_branch(self, version: str | None, branch: str | None) -> None:
        assert hw_parse.driver_branch(version) == branch


# The format `lspci -nn` prints (pciutils 3.x); not a capture from a lent machine.
LSPCI_SAMPLE = """\
00:00.0 Host bridge [0600]: Intel Corporation 8th Gen Core Processor Host Bridge/DRAM Registers [8086:3ec2] (rev 07)
00:02.0 VGA compatible controller [0300]: Intel Corporation UHD Graphics 630 (Desktop) [8086:3e92]
01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA106 [GeForce RTX 3050] [10de:2507] (rev a1)
01:00.1 Audio device [0403]: NVIDIA Corporation GA106 High Definition Audio Controller [10de:228e] (rev a1)
00:06.0 3D controller [0302]: NVIDIA Corporation GH100 [H100 SXM5 80GB] [10de:2330] (rev a1)
02:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller [144d:a808]
this line is not lspci output
"""


class TestLspci:
    def test_only_nvidia_display_controllers_count(self) -> None:
        gpus = hw_parse.nvidia_pci_gpus(hw_parse.parse_lspci(LSPCI_SAMPLE))
        assert gpus == [
            {
                "index": 0,
                "name": "NVIDIA GeForce RTX 3050",
                "pci_bus_id": "01:00.0",
                "pci_id": "10de:2507",
                "memory_mib": None,
            },
            {
                "index": 1,
                "name": "NVIDIA H100 SXM5 80GB",
                "pci_bus_id": "00:06.0",
                "pci_id": "10de:2330",
                "memory_mib": None,
            },
        ]

    def test_unknown_device_keeps_the_description(self) -> None:
        text = "01:00.0 3D controller [0302]: NVIDIA Corporation Device [10de:2b85] (rev a1)\n"
        gpus = hw_parse.nvidia_pci_gpus(hw_parse.parse_lspci(text))
        assert gpus[0]["name"] == "NVIDIA Corporation Device"

    def test_no_nvidia(self) -> None:
        assert hw_parse.nvidia_pci_gpus(hw_parse.parse_lspci(LSPCI_SAMPLE.splitlines()[1])) == []
        assert hw_parse.parse_lspci("") == []


class TestSysfsPci:
    def test_reads_vendor_and_class(self, tmp_path: Path) -> None:
        for slot, vendor, cls, dev in [
            ("0000:01:00.0", "0x10de", "0x030000", "0x2507"),
            ("0000:01:00.1", "0x10de", "0x040300", "0x228e"),
            ("0000:00:02.0", "0x8086", "0x030000", "0x3e92"),
        ]:
            d = tmp_path / slot
            d.mkdir()
            (d / "vendor").write_text(vendor + "\n")
            (d / "class").write_text(cls + "\n")
            (d / "device").write_text(dev + "\n")
        gpus = hw_discover.sysfs_pci_gpus(str(tmp_path))
        assert [(g["pci_bus_id"], g["name"]) for g in gpus] == [("0000:01:00.0", "NVIDIA GPU [10de:2507]")]

    def test_missing_root(self, tmp_path: Path) -> None:
        assert hw_discover.sysfs_pci_gpus(str(tmp_path / "absent")) == []


class TestSecureBoot:
    @pytest.mark.parametrize(
        ("text", "state"),
        [
            ("SecureBoot enabled\n", "enabled"),
            ("SecureBoot disabled\nPlatform is in Setup Mode\n", "disabled"),
            ("EFI variables are not supported on this system\n", "legacy_bios"),
            ("", "unknown"),
            ("Failed to read SecureBoot\n", "unknown"),
        ],
    )
    def test_mokutil(self, text: str, state: str) -> None:
        assert hw_parse.parse_secure_boot_mokutil(text) == state

    @pytest.mark.parametrize(
        ("data", "state"),
        [
            (b"\x06\x00\x00\x00\x01", "enabled"),
            (b"\x06\x00\x00\x00\x00", "disabled"),
            (b"\x06\x00", "unknown"),
            (None, "unknown"),
        ],
    )
    def test_efivar(self, data: bytes | None, state: str) -> None:
        assert hw_parse.secure_boot_from_efivar(data) == state


class TestOsCpuMemory:
    def test_os_release_from_real_capture(self) -> None:
        info = hw_parse.parse_os_release(_os_release_from_env())
        assert info["distribution"] == "Ubuntu"
        assert info["version"] == "24.04"
        assert info["codename"] == "noble"

    def test_debian_os_release(self) -> None:
        text = 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nID=debian\n'
        assert hw_parse.parse_os_release(text)["distribution"] == "Debian"
        assert hw_parse.parse_os_release(text)["version"] == "13"

    def test_os_release_empty(self) -> None:
        assert hw_parse.parse_os_release("")["distribution"] == "unknown"

    def test_meminfo(self) -> None:
        text = "MemTotal:       98765432 kB\nMemFree:        1000 kB\nMemAvailable:   50000000 kB\n"
        assert hw_parse.parse_meminfo(text) == {"total_gb": 94.2, "available_gb": 47.7}

    def test_meminfo_malformed(self) -> None:
        with pytest.raises(hw_parse.HardwareParseError, match="no MemTotal"):
            hw_parse.parse_meminfo("garbage")

    def test_cpuinfo_two_threads_per_core(self) -> None:
        blocks = [
            f"processor\t: {i}\nmodel name\t: AMD EPYC 7443\nphysical id\t: 0\ncore id\t\t: {i % 2}\n" for i in range(4)
        ]
        assert hw_parse.parse_cpuinfo("\n".join(blocks)) == {
            "model": "AMD EPYC 7443",
            "sockets": 1,
            "cores": 2,
            "threads": 4,
        }

    def test_cpuinfo_without_topology(self) -> None:
        text = "processor\t: 0\nModel\t: Raspberry Pi\n\nprocessor\t: 1\n"
        assert hw_parse.parse_cpuinfo(text) == {"model": "Raspberry Pi", "sockets": 1, "cores": 2, "threads": 2}

    def test_cpuinfo_empty(self) -> None:
        with pytest.raises(hw_parse.HardwareParseError):
            hw_parse.parse_cpuinfo("")


class TestDisks:
    def test_block_devices(self, tmp_path: Path) -> None:
        for name, sectors, rot in [("nvme0n1", 1953525168, "0"), ("loop0", 100, "0"), ("sda", 0, "1")]:
            (tmp_path / name / "queue").mkdir(parents=True)
            (tmp_path / name / "size").write_text(f"{sectors}\n")
            (tmp_path / name / "queue" / "rotational").write_text(rot)
        assert hw_discover.block_devices(str(tmp_path)) == [
            {"device": "nvme0n1", "size_gb": 931.5, "rotational": False, "model": ""}
        ]

    def test_mounts_and_mount_for(self) -> None:
        mounts = hw_parse.parse_mounts(
            "/dev/vda1 / ext4 rw 0 0\n/dev/nvme0n1p1 /var/lib ext4 rw 0 0\n/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\n"
        )
        assert mounts[2]["mount"] == "/mnt/my disk"
        assert hw_parse.mount_for("/var/lib/longhorn", mounts) == mounts[1]
        assert hw_parse.mount_for("/var/library", mounts) == mounts[0]
        assert hw_parse.mount_for("/", mounts) == mounts[0]

    def test_path_usage_measures_the_nearest_existing_parent(self, tmp_path: Path) -> None:
        mounts = [{"device": "/dev/vda", "mount": "/", "fstype": "ext4"}]
        usage = hw_discover.path_usage(str(tmp_path / "not" / "yet"), mounts)
        assert usage["exists"] is False
        assert usage["measured_at"] == str(tmp_path)
        assert usage["device"] == "vda"
        assert 0 < usage["free_gb"] <= usage["size_gb"]


class TestTrees:
    DECLARED: ClassVar[dict[str, Any]] = {
        "cpu_cores": 40,
        "memory_gb": 96,
        "os": {"distribution": "Ubuntu", "version": "24.04"},
        "disks": [{"device": "nvme0n1", "size_gb": 1000, "mount": "/var/lib/longhorn"}],
        "gpus": [{"name": "NVIDIA GeForce RTX 3050", "memory_mib": 8192}],
    }

    def test_declared_tree_summary_is_the_planner_input(self) -> None:
        tree = hw_facts.declared_tree(self.DECLARED)
        assert tree["source"] == "declared"
        assert tree["os"]["distribution"] == "Ubuntu"
        assert tree["summary"] == {
            "cpu_cores": 40,
            "memory_gb": 96.0,
            "gpus": [{"name": "NVIDIA GeForce RTX 3050", "memory_mib": 8192}],
            "disks": [{"device": "nvme0n1", "size_gb": 1000.0, "free_gb": 1000.0, "mount": "/var/lib/longhorn"}],
        }

    def test_declared_without_gpu_or_os(self) -> None:
        tree = hw_facts.declared_tree({"cpu_cores": 2, "memory_gb": 4})
        assert tree["gpus"] == []
        assert tree["os"]["distribution"] == "unknown"
        assert tree["summary"]["disks"] == []

    def test_summary_counts_a_shared_filesystem_once(self) -> None:
        usage = {"device": "vda", "mount": "/", "size_gb": 100.0, "free_gb": 50.0}
        tree = {
            "cpu": {"threads": 8},
            "memory": {"total_gb": 31.3},
            "gpus": [{"name": "NVIDIA GeForce RTX 3050", "memory_mib": None}],
            "storage": [dict(usage, path="/var/lib/longhorn"), dict(usage, path="/srv")],
        }
        assert hw_facts.summary(tree)["disks"] == [
            {"device": "vda", "size_gb": 100.0, "free_gb": 50.0, "mount": "/var/lib/longhorn"}
        ]
        # lspci saw the GPU but its memory is unknown until the driver runs: nothing to plan on.
        assert hw_facts.summary(tree)["gpus"] == []


class FakeHost:
    """Commands a host has, and what they answer: {argv[0] basename + first arg: (rc, out, err)}."""

    def __init__(self, answers: dict[str, tuple[int, str, str]]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}" if any(key.split(" ")[0] == name for key in self.answers) else None

    def run(self, args: list[str]) -> tuple[int, str, str]:
        self.calls.append(args)
        key = f"{Path(args[0]).name} {args[1]}" if len(args) > 1 else Path(args[0]).name
        for pattern, answer in self.answers.items():
            if key.startswith(pattern):
                return answer
        raise AssertionError(f"unexpected command {args}")


def _pci_slot(root: Path, slot: str, device: str, vendor: str = "0x10de", pci_class: str = "0x030200") -> None:
    """Write one PCI function the way sysfs shows it."""
    base = root / slot
    base.mkdir(parents=True)
    (base / "vendor").write_text(vendor + "\n")
    (base / "class").write_text(pci_class + "\n")
    (base / "device").write_text(device + "\n")


class TestDiscovery:
    def test_nvidia_smi_answers(self, tmp_path: Path) -> None:
        host = FakeHost(
            {
                "nvidia-smi --query-gpu": (0, _fixture("query-gpu.csv"), ""),
                "nvidia-smi --version": (0, _fixture("versions.txt"), ""),
                "lspci -nn": (0, LSPCI_SAMPLE, ""),
            }
        )
        proc = tmp_path / "version"
        proc.write_text(_proc_version_from_capture())
        _pci_slot(tmp_path / "pci", "0000:00:06.0", "0x2330")
        gpus, driver = hw_discover.discover_gpus(host.run, host.which, str(tmp_path / "pci"), str(proc))
        assert [(g["name"], g["memory_mib"], g["source"]) for g in gpus] == [
            ("NVIDIA H100 80GB HBM3", 81559, "nvidia-smi")
        ]
        assert driver == {
            "loaded": True,
            "driver_version": "580.159.04",
            "branch": "580",
            "cuda_version": "13.0",
            "source": "nvidia-smi",
            "error": None,
            "kernel_module_version": "580.159.04",
            "kernel_module_flavor": "open",
            "pci_gpu_count": 1,
        }
        assert host.calls[0] == ["/usr/bin/nvidia-smi", *hw_parse.nvidia_smi_query_args()]
        assert not any("lspci" in call[0] for call in host.calls)

    def test_nvidia_smi_fails_falls_back_to_lspci(self, tmp_path: Path) -> None:
        failure = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
        host = FakeHost({"nvidia-smi --query-gpu": (9, failure, ""), "lspci -nn": (0, LSPCI_SAMPLE, "")})
        gpus, driver = hw_discover.discover_gpus(host.run, host.which, str(tmp_path), str(tmp_path / "no-module"))
        assert [(g["name"], g["memory_mib"], g["source"]) for g in gpus] == [
            ("NVIDIA GeForce RTX 3050", None, "lspci"),
            ("NVIDIA H100 SXM5 80GB", None, "lspci"),
        ]
        assert driver["loaded"] is False
        assert driver["error"] == failure
        assert driver["source"] == "lspci"
        # No module loaded: no version, branch or flavour to report.
        assert (driver["driver_version"], driver["branch"], driver["kernel_module_flavor"]) == (None, None, None)

    def test_module_loaded_but_nvidia_smi_fails(self, tmp_path: Path) -> None:
        # A loaded module whose nvidia-smi fails (version mismatch after an upgrade without a reboot):
        # the running driver's version comes from the module, and the driver does not count as working.
        proc = tmp_path / "version"
        proc.write_text(PROC_PROPRIETARY_515)
        _pci_slot(tmp_path / "pci", "0000:01:00.0", "0x2507")
        _pci_slot(tmp_path / "pci", "0000:02:00.0", "0x2507")
        failure = "Failed to initialize NVML: Driver/library version mismatch"
        host = FakeHost({"nvidia-smi --query-gpu": (18, failure, "")})
        gpus, driver = hw_discover.discover_gpus(host.run, host.which, str(tmp_path / "pci"), str(proc))
        assert [g["source"] for g in gpus] == ["sysfs", "sysfs"]
        assert driver["loaded"] is False
        assert driver["error"] == failure
        assert (driver["driver_version"], driver["branch"]) == ("515.76", "515")
        assert (driver["kernel_module_version"], driver["kernel_module_flavor"]) == ("515.76", "proprietary")
        assert driver["pci_gpu_count"] == 2

    def test_garbled_nvidia_smi_is_an_error_not_a_crash(self, tmp_path: Path) -> None:
        host = FakeHost({"nvidia-smi --query-gpu": (0, "garbage", ""), "lspci -nn": (0, "", "")})
        gpus, driver = hw_discover.discover_gpus(host.run, host.which, str(tmp_path), str(tmp_path / "no-module"))
        assert gpus == []
        assert "expected 14 comma-separated fields" in driver["error"]

    def test_no_tools_reads_sysfs(self, tmp_path: Path) -> None:
        _pci_slot(tmp_path, "0000:01:00.0", "0x2330")
        host = FakeHost({})
        gpus, driver = hw_discover.discover_gpus(host.run, host.which, str(tmp_path), str(tmp_path / "no-module"))
        assert [(g["name"], g["source"]) for g in gpus] == [("NVIDIA GPU [10de:2330]", "sysfs")]
        assert driver["source"] == "sysfs"
        assert host.calls == []

    def test_secure_boot_from_mokutil(self, tmp_path: Path) -> None:
        host = FakeHost({"mokutil --sb-state": (0, "SecureBoot enabled\n", "")})
        assert hw_discover.discover_secure_boot(host.run, host.which, str(tmp_path / "none")) == "enabled"

    def test_secure_boot_from_efivar_when_mokutil_is_absent(self, tmp_path: Path) -> None:
        efivars = tmp_path / "efivars"
        efivars.mkdir()
        (efivars / "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c").write_bytes(b"\x06\x00\x00\x00\x00")
        host = FakeHost({})
        assert hw_discover.discover_secure_boot(host.run, host.which, str(tmp_path)) == "disabled"

    def test_secure_boot_legacy_bios_and_unknown(self, tmp_path: Path) -> None:
        host = FakeHost({"mokutil --sb-state": (255, "", "Failed to read SecureBoot\n")})
        assert hw_discover.discover_secure_boot(host.run, host.which, str(tmp_path / "absent")) == "legacy_bios"
        assert hw_discover.discover_secure_boot(host.run, host.which, str(tmp_path)) == "unknown"

    @pytest.mark.parametrize(
        ("answers", "expected"),
        [
            ({"systemd-detect-virt": (1, "none\n", "")}, "none"),
            ({"systemd-detect-virt": (0, "kvm\n", "")}, "kvm"),
            ({}, "unknown"),
        ],
    )
    def test_virtualization(self, answers: dict[str, tuple[int, str, str]], expected: str) -> None:
        assert hw_discover.discover_virtualization(*_runner_which(FakeHost(answers))) == expected


def _runner_which(host: FakeHost) -> tuple[hw_discover.Runner, hw_discover.Which]:
    return host.run, host.which
