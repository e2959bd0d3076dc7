"""Rules the node roles (base, nvidia_driver, nvidia_container_toolkit, k3s) must keep.

Two kinds of test: the role's own variables rendered by ansible-core's templating
engine, as the role would render them (hold list, retry budget, cache ages), and
the task files read as data for patterns that were bugs (a module-level wait inside
a retry loop, an apt cache refreshed only when a repository task changed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = Path(__file__).resolve().parents[3]
ROLES = ROOT / "roles"
NODE_ROLES = ("base", "nvidia_driver", "nvidia_container_toolkit", "k3s")


def render(role: str, files: list[str], expression: str, **overrides: Any) -> Any:
    """Render ``expression`` with the role's defaults and the given vars files (later files win)."""
    loader = DataLoader()
    variables: dict[str, Any] = {}
    for name in ["defaults/main.yml", *files]:
        variables.update(loader.load_from_file(str(ROLES / role / name), trusted_as_template=True) or {})
    variables.update(overrides)
    return Templar(loader=loader, variables=variables).template(trust_as_template(expression))


def tasks(role: str) -> list[tuple[str, dict[str, Any]]]:
    """Every task of a role's tasks/ and handlers/ (blocks flattened), with its file name."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(name: str, items: list[dict[str, Any]]) -> None:
        for item in items or []:
            found.append((name, item))
            for key in ("block", "rescue", "always"):
                walk(name, item.get(key) or [])

    for folder in ("tasks", "handlers"):
        for path in sorted((ROLES / role / folder).glob("*.yml")):
            walk(f"{role}/{folder}/{path.name}", yaml.safe_load(path.read_text()))
    return found


def module_args(task: dict[str, Any], module: str) -> dict[str, Any] | None:
    for key in (module, module.rsplit(".", 1)[-1]):
        if key in task:
            args = task[key]
            return args if isinstance(args, dict) else {}
    return None


DEBIAN_FACTS = {"architecture": "x86_64", "distribution": "Debian", "distribution_major_version": "13"}
# The package list as tasks/distribution.yml settles it.
ALL_PACKAGES: str = next(
    task["ansible.builtin.set_fact"]["__nvidia_driver_all_packages"]
    for _file, task in tasks("nvidia_driver")
    if "__nvidia_driver_all_packages" in (task.get("ansible.builtin.set_fact") or {})
)


class TestDriverHoldList:
    """Only the driver's packages are held; what follows the kernel stays upgradable."""

    def hold(self, distribution: str, **overrides: Any) -> list[str]:
        result: list[str] = render(
            "nvidia_driver",
            ["vars/main.yml", f"vars/{distribution}.yml"],
            "{{ __nvidia_driver_hold_packages }}",
            ansible_facts=dict(DEBIAN_FACTS, distribution=distribution),
            __nvidia_driver_all_packages=trust_as_template(ALL_PACKAGES),
            **overrides,
        )
        return result

    def test_debian_packages_hold_the_driver_not_the_kernel_headers(self) -> None:
        assert self.hold("Debian", nvidia_driver_debian_source="debian") == [
            "nvidia-open-kernel-dkms",
            "nvidia-smi",
            "nvidia-persistenced",
            "libcuda1",
            "firmware-nvidia-gsp",
        ]

    def test_cuda_repository_holds_the_driver_not_the_kernel_headers(self) -> None:
        assert self.hold("Debian", nvidia_driver_debian_source="cuda") == ["nvidia-open"]
        assert self.hold("Debian", nvidia_driver_debian_source="cuda", nvidia_driver_open_kernel_modules=False) == [
            "cuda-drivers"
        ]

    def test_ubuntu_holds_the_driver_not_the_kernel_modules_metapackage(self) -> None:
        assert self.hold("Ubuntu") == [
            "nvidia-headless-no-dkms-580-server-open",
            "nvidia-utils-580-server",
            "nvidia-compute-utils-580-server",
        ]

    def test_the_install_list_still_has_what_follows_the_kernel(self) -> None:
        installed = render(
            "nvidia_driver",
            ["vars/main.yml", "vars/Ubuntu.yml"],
            ALL_PACKAGES,
            ansible_facts=dict(DEBIAN_FACTS, distribution="Ubuntu"),
        )
        assert "linux-modules-nvidia-580-server-open-generic" in installed

    def test_the_role_holds_the_hold_list(self) -> None:
        holds = [t for _f, t in tasks("nvidia_driver") if module_args(t, "ansible.builtin.dpkg_selections") is not None]
        assert [t["loop"] for t in holds] == ["{{ __nvidia_driver_hold_packages }}"]


class TestCudaRepositoryKey:
    @pytest.mark.parametrize(("version", "key"), [("12", "3bf863cc.pub"), ("13", "8793F200.pub")])
    def test_each_debian_release_gets_its_repository_key(self, version: str, key: str) -> None:
        url = render(
            "nvidia_driver",
            ["vars/main.yml", "vars/Debian.yml"],
            "{{ nvidia_driver_cuda_repo_key }}",
            ansible_facts=dict(DEBIAN_FACTS, distribution_major_version=version),
        )
        assert url == f"https://developer.download.nvidia.com/compute/cuda/repos/debian{version}/x86_64/{key}"


class TestDebianComponents:
    @pytest.mark.parametrize(
        ("source", "components"), [("debian", ["contrib", "non-free", "non-free-firmware"]), ("cuda", [])]
    )
    def test_components_checked_per_source(self, source: str, components: list[str]) -> None:
        found = render(
            "nvidia_driver",
            ["vars/main.yml", "vars/Debian.yml"],
            "{{ __nvidia_driver_debian_components }}",
            ansible_facts=DEBIAN_FACTS,
            nvidia_driver_debian_source=source,
        )
        assert found == components


class TestBoundedWaits:
    def test_no_module_level_wait_inside_a_retry_loop(self) -> None:
        offenders = [
            f"{name}: {task.get('name')}"
            for role in NODE_ROLES
            for name, task in tasks(role)
            if ("until" in task or "retries" in task)
            and any(isinstance(v, dict) and v.get("wait") is True for v in task.values())
        ]
        assert offenders == []

    @pytest.mark.parametrize(("timeout", "retries"), [(300, 30), (305, 31), (10, 1)])
    def test_retries_times_delay_is_the_documented_timeout(self, timeout: int, retries: int) -> None:
        rendered = render(
            "k3s",
            ["vars/main.yml"],
            "{{ [__k3s_ready_retries | int, __k3s_ready_delay | int] }}",
            k3s_ready_timeout=timeout,
        )
        assert rendered == [retries, 10]
        assert timeout <= rendered[0] * rendered[1] < timeout + rendered[1]

    def test_k3s_waits_use_the_budget_and_poll_the_ready_condition(self) -> None:
        waits = {
            task["name"]: task
            for _f, task in tasks("k3s")
            if module_args(task, "kubernetes.core.k8s_info") is not None and "until" in task
        }
        assert set(waits) == {"Wait for the node to be Ready", "Wait for the nvidia RuntimeClass"}
        for task in waits.values():
            assert task["retries"] == "{{ __k3s_ready_retries }}"
            assert task["delay"] == "{{ __k3s_ready_delay }}"
            assert module_args(task, "kubernetes.core.k8s_info")["wait"] is False  # type: ignore[index]
        assert "'Ready'" in waits["Wait for the node to be Ready"]["until"]


class TestAptCache:
    def test_no_refresh_only_when_a_repository_task_changed(self) -> None:
        # update_cache: "{{ repo is changed }}" never recovers from a run that added the
        # repository and failed before the refresh.
        offenders = [
            f"{name}: {task.get('name')}"
            for role in NODE_ROLES
            for name, task in tasks(role)
            if "is changed" in str((module_args(task, "ansible.builtin.apt") or {}).get("update_cache", ""))
        ]
        assert offenders == []

    def test_base_refreshes_the_cache_before_asking_for_open_iscsi_versions(self) -> None:
        preflight = yaml.safe_load((ROLES / "base" / "tasks" / "preflight.yml").read_text())
        names = [t["name"] for t in preflight]
        madison = next(i for i, t in enumerate(preflight) if "madison" in str(t.get("ansible.builtin.command", "")))
        refresh = [
            i
            for i, t in enumerate(preflight)
            if (module_args(t, "ansible.builtin.apt") or {}).get("update_cache") is True and i < madison
        ]
        assert refresh, f"no apt cache refresh before {names[madison]!r}"
        # The refresh also runs in check mode, or a dry run on empty lists reads nothing.
        assert preflight[refresh[0]].get("check_mode") is False

    @pytest.mark.parametrize(("lists", "valid_time"), [(0, 0), (3, 3600)])
    def test_base_forces_the_refresh_when_there_are_no_package_lists(self, lists: int, valid_time: int) -> None:
        # apt judges the cache's age by the lists directory, which emptying it makes look fresh.
        preflight = yaml.safe_load((ROLES / "base" / "tasks" / "preflight.yml").read_text())
        refresh = next(t for t in preflight if (module_args(t, "ansible.builtin.apt") or {}).get("update_cache"))
        rendered = render(
            "base",
            ["vars/main.yml"],
            refresh["ansible.builtin.apt"]["cache_valid_time"],
            __base_apt_lists={"matched": lists},
        )
        assert int(rendered) == valid_time
