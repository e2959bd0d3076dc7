# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NVIDIA device plugin values: GPU nodes only, the nvidia runtime, optional time-slicing.

Time-slicing (``replicas`` > 1) advertises each GPU that many times, so several
pods (the primary and the standalone Ollama) can share one card. The pods share
its memory with no isolation: one that allocates too much makes the others fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name, dump_yaml

PREFIX = "nvidia_device_plugin_"
RESOURCE = "nvidia.com/gpu"
CONFIG_NAME = "aistack"


def replicas(inputs: Mapping[str, Any]) -> int:
    """Time-slicing replicas per GPU (1 = no sharing)."""
    value = inputs.get("time_slicing_replicas")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 64:
        raise ChartError(f"{PREFIX}time_slicing_replicas: {value!r} must be a whole number from 1 to 64")
    return value


def node_selector(inputs: Mapping[str, Any]) -> dict[str, str]:
    """The label GPU nodes carry (set by the k3s role)."""
    labels = inputs.get("node_selector")
    if not isinstance(labels, Mapping) or not labels:
        raise ChartError(f"{PREFIX}node_selector: must be a non-empty dict of node labels")
    return {str(k): str(v) for k, v in labels.items()}


def plugin_config(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The device plugin's config file (version v1)."""
    config: dict[str, Any] = {"version": "v1", "flags": {"migStrategy": "none", "failOnInitError": True}}
    count = replicas(inputs)
    if count > 1:
        config["sharing"] = {
            "timeSlicing": {"renameByDefault": False, "resources": [{"name": RESOURCE, "replicas": count}]}
        }
    return config


def values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """nvidia-device-plugin chart values."""
    runtime_class = check_name(inputs.get("runtime_class"), f"{PREFIX}runtime_class", label=False)
    selector = node_selector(inputs)
    return {
        "runtimeClassName": runtime_class,
        "nodeSelector": selector,
        # The chart's default affinity asks for NFD's PCI label or gpu.present; NFD is not
        # installed, so the node selector above is what places the pods.
        "affinity": {},
        # The chart installs node-feature-discovery only with GFD (condition nfd.enabled,gfd.enabled).
        "gfd": {"enabled": False},
        "failOnInitError": True,
        "config": {
            "map": {CONFIG_NAME: dump_yaml(plugin_config(inputs))},
            "default": CONFIG_NAME,
        },
    }


def expected_allocatable(inputs: Mapping[str, Any]) -> dict[str, int]:
    """``{node: GPUs x replicas}`` for the nodes whose GPUs the inventory's facts counted."""
    counts = inputs.get("expected_gpus") or {}
    if not isinstance(counts, Mapping):
        raise ChartError(f"{PREFIX}expected_gpus: must map node names to GPU counts")
    return {str(node).lower(): int(count) * replicas(inputs) for node, count in counts.items() if int(count) > 0}
