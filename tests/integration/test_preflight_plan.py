"""Run the preflight role through ansible-playbook against small inventories.

Each bad inventory must stop with the one message that names the variable to fix,
and no run may change anything or contact a host: the inventories point at
TEST-NET-1 addresses (192.0.2.0/24) that nothing answers, so a connection attempt
would show up as an unreachable host. Results are read from the json callback.

The runs are declared with ``@playbook_run`` and start together with the session
(tests/integration/playbook_runs.py); each test waits for the run it reads.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.tests.integration.playbook_runs import PlaybookRuns, playbook_run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventories" / "example"
PLAYBOOK_DIR = ROOT / "playbooks"
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")

STACK: dict[str, Any] = yaml.safe_load((EXAMPLE / "group_vars" / "all" / "stack.yml").read_text())
DECLARED: dict[str, Any] = yaml.safe_load((EXAMPLE / "host_vars" / "ai-server.yml").read_text())


def _run(
    tmp_path: Path,
    hosts: dict[str, dict[str, Any]],
    *,
    stack: dict[str, Any] | None = None,
    playbook: str = "plan.yml",
    local: bool = False,
    extra: dict[str, Any] | None = None,
    tags: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """Write an inventory (host name -> host_vars), run a playbook with the json callback.

    Reports go to tmp_path/reports/inventory/ (aistack_report_root=tmp_path/reports).
    """
    inv = tmp_path / "inventory"
    (inv / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    (inv / "host_vars").mkdir(exist_ok=True)
    connection: dict[str, Any] = (
        {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
        if local
        else {"ansible_host": "192.0.2.10", "ansible_connection": "ssh", "ansible_timeout": 3}
    )
    inventory = {
        "all": {"children": {"aistack": {"children": {"k3s_server": {"hosts": dict.fromkeys(hosts, connection)}}}}}
    }
    (inv / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (inv / "group_vars" / "all" / "stack.yml").write_text(yaml.safe_dump(STACK if stack is None else stack))
    for name, host_vars in hosts.items():
        (inv / "host_vars" / f"{name}.yml").write_text(yaml.safe_dump(host_vars))
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    extra_vars = {"aistack_report_root": str(tmp_path / "reports"), **(extra or {})}
    proc = subprocess.run(
        [ANSIBLE_PLAYBOOK, str(PLAYBOOK_DIR / playbook), "-i", str(inv), "-e", json.dumps(extra_vars)]
        + (["--tags", tags] if tags else []),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        # Generous: the runs share the machine with each other (playbook_runs.py).
        timeout=900,
        check=False,
    )
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"ansible-playbook printed no JSON (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.returncode, result


def _host_results(result: dict[str, Any], host: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (task["task"]["name"], task["hosts"][host])
        for play in result["plays"]
        for task in play["tasks"]
        if host in task["hosts"]
    ]


def _failures(result: dict[str, Any], host: str) -> list[str]:
    return [res["msg"] for _name, res in _host_results(result, host) if res.get("failed") and not res.get("ignored")]


def _changed_tasks(result: dict[str, Any]) -> set[str]:
    return {name for host in result["stats"] for name, res in _host_results(result, host) if res.get("changed")}


def _controller_write(task: str) -> bool:
    """Tasks of plan mode that write files on the controller: the reports and the planned manifests."""
    return (
        task.endswith("Write the capacity report of all hosts")
        or "into the plan directory" in task
        or task.startswith("Remove manifests an earlier plan wrote")
        or task.endswith(("Start from an empty manifest directory", "Create the plan manifest directory"))
    )


def _assert_untouched(result: dict[str, Any]) -> None:
    for host, stats in result["stats"].items():
        assert stats["unreachable"] == 0, f"{host} was contacted"
    # Only the report files on the controller may be written; no task changes a host.
    assert all(_controller_write(name) for name in _changed_tasks(result)), _changed_tasks(result)


def _declared(**changes: Any) -> dict[str, Any]:
    declared = copy.deepcopy(DECLARED)
    declared["preflight_declared_hardware"].update(changes)
    return declared


def _fitting_stack() -> dict[str, Any]:
    """The example stack cut down to fit 40 cores and 96 GB: less Ollama, no 70B models."""
    stack = copy.deepcopy(STACK)
    stack["aistack_allocations"]["ollama"] = {"cpu": 27, "memory_gb": 60}
    stack["aistack_allocations"]["redis"] = {"cpu": 2, "memory_gb": 4}
    # The standalone Ollama's 50 GiB volume and Prometheus's (monitoring is on by default,
    # with the monitoring role's 50 GiB) inside the 1000 GiB disk.
    stack["aistack_volumes"]["ollama"] = {"size_gb": 400}
    stack["aistack_volumes"]["ollama_standalone"] = {"size_gb": 50}
    stack["aistack_models"]["primary"] = [
        m for m in stack["aistack_models"]["primary"] if not m["name"].endswith(("70b", "72b"))
    ]
    return stack


def _allocations(**changes: dict[str, Any]) -> dict[str, Any]:
    allocations = copy.deepcopy(_fitting_stack()["aistack_allocations"])
    for name, values in changes.items():
        allocations[name].update(values)
    return {"aistack_allocations": allocations}


def _disk_free(free_gb: float) -> dict[str, Any]:
    host_vars = copy.deepcopy(DECLARED)
    host_vars["preflight_declared_hardware"]["disks"][0]["free_gb"] = free_gb
    return host_vars


# One bad value per host; all run in one strict plan-mode play (each host fails on its own).
BAD_HOSTS: dict[str, dict[str, Any]] = {
    "fits": DECLARED,
    "type_text": {**DECLARED, **_allocations(ollama={"memory_gb": "lots"})},
    "type_declared": _declared(cpu_cores="forty"),
    "negative_cpu": {**DECLARED, **_allocations(open_webui={"cpu": -3})},
    "unknown_os": _declared(os={"distribution": "Ubuntu", "version": "20.04"}),
    "cpu_over": {**DECLARED, **_allocations(ollama={"cpu": 40})},
    "memory_over": {**DECLARED, **_allocations(ollama={"memory_gb": 90})},
    "disk_over": _disk_free(600),
    "gpu_missing": _declared(gpus=[]),
    "unreachable": {},  # no declared hardware: plan mode tries it (TEST-NET, 3 s timeout) and reports why not
}

EXPECTED: dict[str, tuple[str, ...]] = {
    "type_text": (
        "(1 error(s)",
        "[inventory] aistack_allocations.ollama.memory_gb is text 'lots' but must be a number",
    ),
    "type_declared": (
        "(1 error(s)):",
        "[inventory] preflight_declared_hardware.cpu_cores is text 'forty' but must be a whole number",
    ),
    "negative_cpu": (
        "(1 error(s)",
        "[inventory] aistack_allocations.open_webui.cpu is -3 but must be a number at least 0",
    ),
    "unknown_os": ("(1 error(s)", "[os] Ubuntu 20.04 is not supported", "preflight_declared_hardware.os"),
    "cpu_over": ("(1 error(s)", "[budget/cpu]", "aistack_allocations request 53 cores, the host has 40"),
    "memory_over": ("(1 error(s)", "[budget/memory]", "aistack_allocations request 118 GiB, the host has 96 GiB"),
    "disk_over": ("(1 error(s)", "[budget/disk]", "volumes need 860 GiB but nvme0n1 has 600 GiB free"),
    "gpu_missing": ("(1 error(s)", "[gpu] No NVIDIA GPU found", "aistack_gpu_acceleration is true"),
    "unreachable": (
        "(1 error(s)):",
        "[host] unreachable (192.0.2.10) could not be reached",
        "preflight_declared_hardware",
    ),
}


@playbook_run
def bad_hosts_run(directory: Path) -> tuple[int, dict[str, Any]]:
    return _run(directory, BAD_HOSTS, stack=_fitting_stack(), extra={"preflight_fail_on_errors": True})


@pytest.fixture
def bad_run(playbook_runs: PlaybookRuns) -> tuple[int, dict[str, Any]]:
    return playbook_runs.result(bad_hosts_run)


@pytest.mark.parametrize("host", sorted(EXPECTED))
def test_bad_value_stops_with_one_clear_message(bad_run: tuple[int, dict[str, Any]], host: str) -> None:
    rc, result = bad_run
    assert rc != 0
    assert result["stats"][host]["failures"] == 1, result["stats"][host]
    message = _failures(result, host)[0]
    assert message.startswith(f"Preflight stopped {host} before any change")
    for text in EXPECTED[host]:
        assert text in message, message


def test_bad_runs_contact_and_change_nothing(bad_run: tuple[int, dict[str, Any]]) -> None:
    _rc, result = bad_run
    assert set(result["stats"]) == set(BAD_HOSTS)
    _assert_untouched(result)
    assert result["stats"]["fits"]["failures"] == 0
    # Only the host without declared hardware was tried (and its failure to answer ignored).
    assert {host for host, stats in result["stats"].items() if stats["ignored"]} == {"unreachable"}


@playbook_run
def example_twice(directory: Path) -> tuple[Path, list[tuple[int, dict[str, Any]]]]:
    return directory, [_run(directory, {"ai-server": DECLARED}) for _attempt in range(2)]


def test_example_report_shows_the_design_overcommit_and_plan_mode_exits_0(playbook_runs: PlaybookRuns) -> None:
    tmp_path, runs = playbook_runs.result(example_twice)
    for rc, result in runs:
        assert rc == 0, _failures(result, "ai-server")
        _assert_untouched(result)
    # Same plans, same report files: the second run writes no report.
    assert {t for t in _changed_tasks(result) if not _controller_write(t) or "report" in t} == set()
    plans = json.loads((tmp_path / "reports" / "inventory" / "report.json").read_text())["plans"]
    budget = plans[0]["budget"]
    assert (budget["cpu"]["requested"], budget["cpu"]["available"]) == (48, 40)
    assert (budget["memory"]["requested"], budget["memory"]["available"]) == (112, 96)
    markdown = (tmp_path / "reports" / "inventory" / "report.md").read_text()
    assert "| CPU | 48 cores | 40 cores | **over by 8** |" in markdown
    assert "| Memory | 112 GiB | 96 GiB | **over by 16** |" in markdown
    errors = [p for p in plans[0]["problems"] if p["severity"] == "error"]
    # the disk: the design's volumes fill it, the standalone Ollama's and Prometheus's default 50 GiB volumes do not fit
    assert sorted(p["area"] for p in errors) == ["budget/cpu", "budget/disk", "budget/memory"]


@playbook_run
def enforce_on_this_machine(directory: Path) -> tuple[int, dict[str, Any]]:
    # Enforce mode ignores declared hardware and reads this machine; an OS list that
    # matches no real machine must stop the play, naming the OS it found.
    return _run(
        directory,
        {"this": DECLARED},
        stack=_fitting_stack(),
        playbook="preflight.yml",
        local=True,
        extra={
            "preflight_supported_os": [{"distribution": "Plan9", "version": "4"}],
            "aistack_gpu_acceleration": False,
        },
    )


def test_enforce_mode_gathers_real_facts_and_stops(playbook_runs: PlaybookRuns) -> None:
    rc, result = playbook_runs.result(enforce_on_this_machine)
    assert rc != 0
    hardware = next(
        res["ansible_facts"]["aistack_hardware"]
        for _name, res in _host_results(result, "this")
        if "aistack_hardware" in res.get("ansible_facts", {})
    )
    assert hardware["source"] == "gathered"
    assert hardware["cpu"]["threads"] >= 1
    found = f"{hardware['os']['distribution']} {hardware['os']['version']}"
    message = _failures(result, "this")[-1]
    assert "is not supported (supported: Plan9 4)" in message, message
    assert "[os]" in message and hardware["os"]["pretty_name"] in message, (found, message)
    assert all(_controller_write(name) for name in _changed_tasks(result)), _changed_tasks(result)


UNKNOWN_MODELS = ["gemma3:1b", "qwen3:0.6b", "gpt-oss:120b", "mxbai-embed-large"]


def _every_problem_stack() -> dict[str, Any]:
    # A wrong type, a negative volume, bad Ollama settings, a bad model entry, a bad host name,
    # an unsupported Open WebUI release and models the catalog lacks, all in one inventory.
    stack = _fitting_stack()
    stack["aistack_allocations"]["redis"] = {"cpu": 2, "memory_gb": "eight"}
    stack["aistack_volumes"]["open_webui"] = {"size_gb": -100}
    # Under llama-server (Ollama 0.30+) a quantised cache with flash attention off cannot load.
    stack["aistack_ollama_env"].update({"OLLAMA_KV_CACHE_TYPE": "q8_0", "OLLAMA_FLASH_ATTENTION": "0"})
    stack["aistack_ollama_version"] = "0.32.15"
    stack["aistack_hostnames"]["jupyterhub"] = "jupyter_local"
    stack["aistack_open_webui_version"] = "0.13.1"
    stack["aistack_models"]["primary"] += [{"name": n, "tier": "warm"} for n in UNKNOWN_MODELS] + [{"tier": "hot"}]
    return stack


@playbook_run
def every_problem(directory: Path) -> tuple[Path, int, dict[str, Any]]:
    return directory, *_run(directory, {"ai-server": DECLARED}, stack=_every_problem_stack())


@playbook_run
def every_problem_strict(directory: Path) -> tuple[int, dict[str, Any]]:
    extra = {"preflight_fail_on_errors": True}
    return _run(directory, {"ai-server": DECLARED}, stack=_every_problem_stack(), extra=extra)


def test_one_run_reports_every_problem_and_plan_mode_still_writes_the_report(playbook_runs: PlaybookRuns) -> None:
    unknown = UNKNOWN_MODELS
    tmp_path, rc, result = playbook_runs.result(every_problem)
    assert rc == 0, _failures(result, "ai-server")
    _assert_untouched(result)
    plan = json.loads((tmp_path / "reports" / "inventory" / "report.json").read_text())["plans"][0]
    errors = [p["message"] for p in plan["problems"] if p["severity"] == "error"]
    for text in (
        "aistack_allocations.redis.memory_gb is text 'eight'",
        "aistack_volumes.open_webui.size_gb is -100",
        "OLLAMA_KV_CACHE_TYPE=q8_0: ",
        "aistack_models.primary[",
        "aistack_hostnames.jupyterhub is 'jupyter_local'",
        "aistack_open_webui_version is 0.13.1",
    ):
        assert any(text in m for m in errors), (text, errors)
    primary = plan["models"]["primary"]
    assert [m["name"] for m in primary["not_estimated"]] == [*unknown[:3], "mxbai-embed-large:latest"]
    markdown = (tmp_path / "reports" / "inventory" / "report.md").read_text()
    assert "| **gemma3:1b (not estimated)** | warm |" in markdown
    assert "**WARNING** [models/primary] not estimated: gemma3:1b, qwen3:0.6b" in markdown
    # Strict plan mode fails with all of them in one message.
    rc, result = playbook_runs.result(every_problem_strict)
    assert rc != 0
    message = _failures(result, "ai-server")[0]
    assert all(text in message for text in ("redis.memory_gb", "open_webui.size_gb", "OLLAMA_KV_CACHE_TYPE"))


@playbook_run
def gguf_file_model(directory: Path) -> tuple[Path, int, dict[str, Any]]:
    from ansible_collections.aistack.baremetal.tests.unit import gguf_models as gm

    gguf = gm.write_model(directory / "gemma3-custom.gguf", "gemma3:12b", small_vocab=True)
    os.truncate(gguf, 8_100_000_000)  # a sparse file as large as the real blob; only its header is read
    stack = _fitting_stack()
    stack["aistack_ollama_version"] = "0.32.15"
    stack["aistack_model_gguf_files"] = {"gemma3:12b-custom": str(gguf)}
    stack["aistack_models"] = {"primary": [{"name": "gemma3:12b-custom", "tier": "hot"}, {"tier": "warm"}]}
    extra = {"preflight_model_cache_dir": str(directory)}
    return directory, *_run(directory, {"ai-server": DECLARED}, stack=stack, extra=extra)


def test_unknown_model_is_planned_from_its_gguf_file(playbook_runs: PlaybookRuns) -> None:
    """aistack_model_gguf_files makes the preflight role read the model's GGUF header on the controller."""
    tmp_path, rc, result = playbook_runs.result(gguf_file_model)
    assert rc == 0, _failures(result, "ai-server")
    plan = json.loads((tmp_path / "reports" / "inventory" / "report.json").read_text())["plans"][0]
    primary = plan["models"]["primary"]
    assert primary["not_estimated"] == []
    (model,) = primary["models"]
    assert (model["name"], model["method"], model["facts_from"]) == ("gemma3:12b-custom", "allocations", "artifact")
    markdown = (tmp_path / "reports" / "inventory" / "report.md").read_text()
    assert "allocations (artifact)" in markdown


def test_plan_writes_manifests_under_aistack_report_root_and_removes_only_stale_ones(tmp_path: Path) -> None:
    """aistack_report_root alone decides where plan mode writes; a stale manifest goes, the planned stay.

    The root is given with a '..' in it: ansible's find returns normalised paths, so comparing
    them with the written ones must not depend on how the root was spelled.
    """
    manifests = tmp_path / "reports" / "inventory" / "manifests"
    manifests.mkdir(parents=True)
    (manifests / "stale.yaml").write_text("---\n")
    root = tmp_path / "elsewhere" / ".." / "reports"
    rc, result = _run(tmp_path, {"ai-server": DECLARED}, tags="manifests", extra={"aistack_report_root": str(root)})
    assert rc == 0, _failures(result, "ai-server")
    _assert_untouched(result)
    written = sorted(p.name for p in manifests.glob("*.yaml"))
    assert {"longhorn.yaml", "open-webui.yaml", "open-webui-redis.yaml", "kube-prometheus-stack.yaml"} <= set(
        written
    ), written
    assert "stale.yaml" not in written
    removed = [
        item["item"]
        for name, res in _host_results(result, "ai-server")
        if name.startswith("Remove manifests")
        for item in res.get("results", [])
        if item.get("changed")
    ]
    assert removed == ["stale.yaml"]


def test_plan_refuses_a_report_dir_set_apart_from_aistack_report_root(tmp_path: Path) -> None:
    rc, result = _run(
        tmp_path, {"ai-server": DECLARED}, tags="manifests", extra={"preflight_report_dir": str(tmp_path / "old")}
    )
    assert rc != 0
    message = _failures(result, "ai-server")[0]
    assert "set aistack_report_root instead" in message, message
    assert not (tmp_path / "old").exists()
    assert not (tmp_path / "reports").exists()
