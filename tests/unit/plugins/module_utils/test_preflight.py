"""Unit tests for preflight's rules: stack variables (_stack_inputs), the host (_preflight) and one run."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import _preflight as pf
from ansible_collections.aistack.baremetal.plugins.module_utils import _stack_inputs as si
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import Problems
from ansible_collections.aistack.baremetal.plugins.module_utils._hardware_facts import declared_tree
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_schema import UNCOVERED

ROOT = Path(__file__).resolve().parents[4]
STACK: dict[str, Any] = yaml.safe_load((ROOT / "inventories/example/group_vars/all/stack.yml").read_text())
DECLARED: dict[str, Any] = yaml.safe_load((ROOT / "inventories/example/host_vars/ai-server.yml").read_text())[
    "preflight_declared_hardware"
]


def _messages(problems: Problems) -> list[str]:
    return [p["message"] for p in problems.items]


def _stack(**changes: Any) -> list[str]:
    problems = Problems()
    si.check_stack({**STACK, **changes}, problems)
    return _messages(problems)


def test_the_example_stack_has_no_problem() -> None:
    assert _stack() == []


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("ai.local", True),
        ("jupyter.local", True),
        ("a" * 63 + ".example.com", True),
        ("localhost", True),
        ("ai_local", False),
        ("-ai.local", False),
        ("ai-.local", False),
        ("ai..local", False),
        ("https://ai.local", False),
        ("ai.local:80", False),
        ("a" * 64 + ".example.com", False),
        ("", False),
    ],
)
def test_dns_names(name: str, valid: bool) -> None:
    assert si.is_dns_name(name) is valid


def test_hostnames_and_domain_are_dns_names() -> None:
    messages = _stack(aistack_domain="ai local", aistack_hostnames={"open_webui": "ai.local", "jupyterhub": "jup_yter"})
    assert len(messages) == 2
    assert messages[0].startswith("aistack_domain is 'ai local', which is not a valid DNS name")
    assert messages[1].startswith("aistack_hostnames.jupyterhub is 'jup_yter', which is not a valid DNS name")
    assert _stack(aistack_hostnames={"open_webui": 80})[0].startswith("aistack_hostnames.open_webui is 80 but must")


@pytest.mark.parametrize(
    ("version", "accepted"),
    [
        ("0.6.12", True),
        ("0.10.0", True),
        ("0.11.0", True),
        ("0.12.4", True),
        ("0.12.99", True),
        ("v0.6.12", True),
        ("0.6.11", False),
        ("0.5.20", False),
        ("0.13.0", False),
        ("1.0.0", False),
        ("latest", False),
        ("0.6", False),
        (0.6, False),
    ],
)
def test_open_webui_versions(version: Any, accepted: bool) -> None:
    messages = _stack(aistack_open_webui_version=version)
    assert (messages == []) is accepted, messages
    if not accepted:
        assert messages[0].startswith("aistack_open_webui_version is")
        assert "0.6.12 to 0.12.x" in messages[0]


def _releases() -> list[str]:
    lines = (Path(__file__).resolve().parents[3] / "tools" / "openwebui_releases.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("version", _releases())
def test_every_listed_open_webui_release_passes_unless_uncovered(version: str) -> None:
    # Every release openwebui_config has request shapes for passes; the uncovered ones are refused.
    messages = _stack(aistack_open_webui_version=version)
    if version in UNCOVERED:
        assert len(messages) == 1 and "carries no request shapes" in messages[0], messages
    else:
        assert messages == []


GAPPY = (
    ("0.6.12", "0.6.12", "0.6.13"),
    ("0.10.0", "0.10.0", "0.10.1"),
    ("0.10.2", "0.10.2", "0.10.3"),
    ("0.10.3", "0.10.3", "0.11.0"),
)


@pytest.mark.parametrize("version", ["0.6.13", "0.7.0", "0.9.5", "0.10.1", "0.11.2"])
def test_open_webui_versions_without_request_shapes(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # In the supported range, but the shapes data has no family for them: refused in preflight too.
    monkeypatch.setattr(si, "OPEN_WEBUI_FAMILIES", GAPPY)
    messages = _stack(aistack_open_webui_version=version)
    assert len(messages) == 1, messages
    assert "openwebui_config carries no request shapes for this release" in messages[0], messages
    # neighbouring families are named as one range
    assert "(it has: 0.6.12, 0.10.0, 0.10.2-0.10.x)" in messages[0], messages


def test_chart_versions_the_collection_does_not_know_are_refused() -> None:
    charts = {
        "open_webui_chart": {"repo": "https://helm.openwebui.com", "chart": "open-webui", "version": "6.18.0"},
        "open_webui_next_chart": {"repo": "https://helm.openwebui.com", "chart": "open-webui", "version": "16.0.0"},
        "longhorn_chart": {"file": "longhorn-1.12.1.tgz"},
        "mine_chart": {"repo": "https://charts.example.com", "chart": "something", "version": "0.1.0"},
    }
    assert _stack(**charts) == []
    charts["open_webui_chart"]["version"] = "6.19.0"
    charts["longhorn_chart"] = {"file": "longhorn-1.11.0.tgz"}
    messages = _stack(**charts)
    assert messages == [
        "longhorn_chart.file names longhorn chart version 1.11.0, which this collection is not tested "
        "with (known: 1.12.1)",
        "open_webui_chart.version names open-webui chart version 6.19.0, which this collection is not "
        "tested with (known: 6.18.0, 16.0.0)",
    ]


def test_ports_types_and_paths() -> None:
    messages = _stack(
        aistack_ports={"open_webui": 0, "redis": "six", "pipelines": "9099", "ollama_primary": 65536},
        aistack_gpu_acceleration="yes",
        aistack_storage_class="Longhorn SSD",
        aistack_longhorn_data_path="var/lib/longhorn",
    )
    assert [m.split(" is ")[0] for m in messages] == [
        "aistack_ports.open_webui",
        "aistack_ports.redis",
        "aistack_ports.ollama_primary",
        "aistack_gpu_acceleration",
        "aistack_storage_class",
        "aistack_longhorn_data_path",
    ]


def _declared(**changes: Any) -> list[str]:
    problems = Problems()
    ok = si.check_declared_hardware(problems, {**copy.deepcopy(DECLARED), **changes})
    assert ok is (problems.items == [])
    return _messages(problems)


def test_declared_hardware_types() -> None:
    assert _declared() == []
    messages = _declared(
        cpu_cores="forty",
        memory_gb=-1,
        os={"distribution": "Ubuntu", "version": 24.04},
        gpus=[{"name": "RTX", "memory_mib": "8 GB"}],
        disks=[{"device": "nvme0n1", "size_gb": "1 TB"}],
        secure_boot="maybe",
        sockets=2,
    )
    assert [m.split(" is ")[0] for m in messages] == [
        "preflight_declared_hardware.sockets",
        "preflight_declared_hardware.cpu_cores",
        "preflight_declared_hardware.memory_gb",
        "preflight_declared_hardware.gpus[0].memory_mib",
        "preflight_declared_hardware.disks[0].size_gb",
        "preflight_declared_hardware.secure_boot",
        "preflight_declared_hardware.os.version",
    ]
    assert "'forty' but must be a whole number" in messages[1]
    assert 'text in quotes, e.g. "24.04"' in messages[-1]
    # A declaration must give GPU memory and names (gathered facts may lack memory: no driver yet).
    messages = _declared(gpus=[{"memory_mib": 8192}, {"name": "RTX"}], disks=[{"size_gb": 10}])
    assert [m.split(" is ")[0] for m in messages] == [
        "preflight_declared_hardware.disks[0].device",
        "preflight_declared_hardware.gpus[0].name",
        "preflight_declared_hardware.gpus[1].memory_mib",
    ]


# ---------------------------------------------------------------------------
# Host rules
# ---------------------------------------------------------------------------


def _gathered(**changes: Any) -> dict[str, Any]:
    tree = declared_tree(DECLARED)
    tree.update(source="gathered", virtualization="none", secure_boot="disabled")
    tree["gpu_driver"] = {"loaded": True, "source": "nvidia-smi"}
    tree.update(changes)
    return tree


def _host(tree: dict[str, Any], **options: Any) -> list[tuple[str, str, str]]:
    problems = Problems()
    pf.check_host(problems, "ai-server", tree, **options)
    return [(p["severity"], p["area"], p["message"]) for p in problems.items]


def test_a_supported_gathered_host_has_no_problem() -> None:
    assert _host(_gathered(), require_gpu=True, declared=DECLARED) == []


def test_unsupported_os_names_what_was_found_and_the_list() -> None:
    tree = _gathered(os={"distribution": "Ubuntu", "version": "20.04", "pretty_name": "Ubuntu 20.04.6 LTS"})
    (severity, area, message), *_rest = _host(tree)
    assert (severity, area) == ("error", "os")
    assert message == (
        "Ubuntu 20.04.6 LTS is not supported (supported: Debian 12, Debian 13, Ubuntu 22.04, Ubuntu 24.04)."
    )
    custom = _host(tree, supported_os=[{"distribution": "Ubuntu", "version": "20.04"}])
    assert custom == []


def test_gpu_rules() -> None:
    assert _host(_gathered(gpus=[]), require_gpu=True, gpu_acceleration=True)[0][:2] == ("error", "gpu")
    assert _host(_gathered(gpus=[]), require_gpu=False) == []
    no_driver = _host(_gathered(gpu_driver={"loaded": False, "source": "lspci"}))
    assert no_driver == [
        (
            "warning",
            "gpu",
            "NVIDIA GeForce RTX 3050 found by lspci, but nvidia-smi is not installed; GPU memory is unknown until "
            "the driver runs.",
        )
    ]
    assert [a for _s, a, _m in _host(_gathered(secure_boot="enabled"))] == ["secure_boot"]
    assert [a for _s, a, _m in _host(_gathered(secure_boot="unknown"))] == ["secure_boot"]
    # Declared hardware does not know its Secure Boot state: no warning for that.
    assert _host(declared_tree(DECLARED)) == []


@pytest.mark.parametrize("virt", ["docker", "podman", "lxc", "systemd-nspawn", "wsl", "container-other"])
def test_containers_are_a_warning(virt: str) -> None:
    assert _host(_gathered(virtualization=virt)) == [
        (
            "warning",
            "host",
            f"ai-server runs inside a {virt} container; k3s, Longhorn (iSCSI) and the NVIDIA driver need a kernel "
            "they can load modules into.",
        )
    ]


def test_gathered_hardware_short_of_the_declared() -> None:
    tree = _gathered()
    tree["summary"] = {**tree["summary"], "memory_gb": 90.0}
    assert [a for _s, a, _m in _host(tree, declared=DECLARED)] == ["hardware"]
    assert _host(tree, declared=DECLARED, tolerance_pct=10) == []


# ---------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------


def test_run_plan_mode_on_declared_hardware() -> None:
    result = pf.run("ai-server", STACK, declared_hardware=DECLARED, use_declared=True, require_gpu=True)
    plan = result["plan"]
    assert result["hardware"]["source"] == "declared"
    # CPU, memory and disk over-committed (the disk by the standalone Ollama's default volume)
    assert (plan["summary"]["errors"], plan["budget"]["cpu"]["requested"]) == (3, 48)
    message = pf.failure_message("ai-server", plan, "/r/report.md")
    assert message.startswith("Preflight stopped ai-server before any change (3 error(s), report in /r/report.md):\n- ")
    assert message.count("\n- ") == 3 and "Fix: Lower the cpu values" in message


def test_run_unreachable_host_is_an_error_and_still_checks_the_inventory() -> None:
    stack = {**STACK, "aistack_open_webui_version": "0.4.0", "aistack_volumes": None}
    result = pf.run("ai-server", stack, unreachable="timed out", address="192.0.2.10")
    plan = result["plan"]
    assert plan["hardware"] == {} and plan["models"] == {}
    messages = [p["message"] for p in plan["problems"]]
    assert messages[0] == "ai-server (192.0.2.10) could not be reached (timed out), so its hardware is unknown."
    assert any(m.startswith("aistack_open_webui_version is 0.4.0") for m in messages)
    assert "report in" not in pf.failure_message("ai-server", plan, "/r/report.md")


def test_run_invalid_declared_hardware_plans_nothing_but_lists_all() -> None:
    result = pf.run(
        "ai-server",
        {**STACK, "aistack_ollama_env": {"OLLAMA_NUM_PARALLEL": "0"}},
        declared_hardware={**DECLARED, "memory_gb": "ninety-six"},
        use_declared=True,
    )
    messages = [p["message"] for p in result["plan"]["problems"]]
    assert result["hardware"] == {} and result["plan"]["budget"] == {}
    assert any(m.startswith("preflight_declared_hardware.memory_gb is text 'ninety-six'") for m in messages)
    assert any(m.startswith("aistack_ollama_env.OLLAMA_NUM_PARALLEL is text '0'") for m in messages)


def test_run_without_models_on_nodes_that_do_not_run_ollama() -> None:
    result = pf.run("ai-server", STACK, declared_hardware=DECLARED, use_declared=True, plan_models=False)
    assert result["plan"]["models"] == {}
