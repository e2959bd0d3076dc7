# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ollama instances: one ollama chart release each, and the NetworkPolicy in front of them.

Every instance is its own release of the ollama chart (not the open-webui
chart's ollama subchart): the subchart's version is locked by the open-webui
chart (1.18.0 under open-webui 6.18.0), it gives one instance only, and
upgrading Open WebUI would restart Ollama and reload its models.

- The primary (service ``<primary_name>:<primary_port>``, the design's
  "embedded" engine) runs once per Ollama node. With one node it is not pinned;
  with several (scale-out) instance 1 keeps the primary name and instance N is
  ``<primary_name>-<node>``, each pinned to its node by ``kubernetes.io/hostname``
  and the GPU label, each with its own volume. Adding a node adds a release and
  leaves the others unchanged.
- The standalone backup (``<standalone.name>:<standalone.port>``) is a standby:
  its allocation is its limit and it requests little, so it only takes memory
  and CPU when it is used. It runs on the CPU unless ``standalone.gpu`` asks for
  a (time-sliced) GPU.

Models are never pulled by the chart (``ollama.models`` runs the CLI in a
postStart hook that fails silently); the models role pulls them through the API.
Ollama has no authentication, so a NetworkPolicy admits only the listed client
pods and host addresses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._constants import OLLAMA_STANDALONE_VOLUME_GB
from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name

PREFIX = "ollama_"
CONTAINER_PORT = 11434
NETWORK_POLICY = "ollama-clients"
_VERSION = re.compile(r"^\d+\.\d+\.\d+(-rc\d+)?$")
_ENV_NAME = re.compile(r"^OLLAMA_[A-Z0-9_]+$")
_CIDR = re.compile(r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$|^[0-9a-fA-F:]+/\d{1,3}$")
# Settings the role owns: the listen address follows the chart's port; the
# models directory is the volume's mount.
_RESERVED_ENV = ("OLLAMA_HOST", "OLLAMA_MODELS")


def _number(value: Any, variable: str, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool):
        raise ChartError(f"{variable}: {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ChartError(f"{variable}: {value!r} is not a number") from None
    if number < minimum:
        raise ChartError(f"{variable}: {value!r} must be at least {minimum:g}")
    return number


def _port(value: Any, variable: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ChartError(f"{variable}: {value!r} is not a port number (1-65535)")
    return value


def cpu_quantity(cores: float) -> str:
    """CPU cores as a Kubernetes quantity (whole cores, or millicores)."""
    if cores == int(cores):
        return str(int(cores))
    return f"{round(cores * 1000)}m"


def memory_quantity(gb: float) -> str:
    """GB of the inventory as a Kubernetes quantity in Mi (the planner counts GiB)."""
    return f"{round(gb * 1024)}Mi"


def version(inputs: Mapping[str, Any]) -> str:
    """The pinned Ollama image version."""
    value = inputs.get("version")
    if not isinstance(value, str) or not _VERSION.match(value):
        raise ChartError(f"{PREFIX}version: {value!r} is not a pinned Ollama version like 0.12.6")
    return value


def env(inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    """OLLAMA_* settings as a container env list (sorted, values as strings)."""
    settings = inputs.get("env") or {}
    if not isinstance(settings, Mapping):
        raise ChartError(f"{PREFIX}env: must be a dict of OLLAMA_* settings")
    result = []
    for name in sorted(settings):
        if not _ENV_NAME.match(str(name)):
            raise ChartError(f"{PREFIX}env: {name!r} is not an OLLAMA_* setting")
        if name in _RESERVED_ENV:
            raise ChartError(f"{PREFIX}env: {name} is set by the role (port and volume); remove it")
        value = settings[name]
        if isinstance(value, (Mapping, list)) or value is None:
            raise ChartError(f"{PREFIX}env.{name}: {value!r} must be a string")
        result.append({"name": str(name), "value": str(value).lower() if isinstance(value, bool) else str(value)})
    return result


def _node_name(node: str) -> str:
    """A k8s node name as part of a release name."""
    return re.sub(r"[^a-z0-9-]", "-", node.lower()).strip("-")


def instances(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every Ollama instance: ``[{name, role, port, node, gpu, cpu, memory_gb, volume_gb, standby}]``."""
    primary_name = check_name(inputs.get("primary_name"), f"{PREFIX}primary_name")
    primary_port = _port(inputs.get("primary_port"), f"{PREFIX}primary_port")
    nodes = inputs.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise ChartError(
            f"{PREFIX}nodes: must list at least one Ollama node "
            "({node, cpu, memory_gb, volume_gb}; node '' when there is only one)"
        )
    gpu = inputs.get("gpu")
    if not isinstance(gpu, bool):
        raise ChartError(f"{PREFIX}gpu: {gpu!r} must be true or false")
    result: list[dict[str, Any]] = []
    for index, entry in enumerate(nodes):
        variable = f"{PREFIX}nodes[{index}]"
        if not isinstance(entry, Mapping):
            raise ChartError(f"{variable}: must be a dict with node, cpu, memory_gb, volume_gb")
        node = str(entry.get("node") or "")
        if len(nodes) > 1 and not node:
            raise ChartError(f"{variable}.node: with several Ollama nodes every entry names its k3s node")
        if node:
            check_name(node.lower(), f"{variable}.node", label=False)
        name = primary_name if index == 0 else f"{primary_name}-{_node_name(node)}"
        check_name(name, f"{variable}.node (release {name!r})")
        result.append(
            {
                "name": name,
                "role": "primary",
                "port": primary_port,
                "node": node.lower(),
                "gpu": gpu,
                "cpu": _number(entry.get("cpu"), f"{variable}.cpu", minimum=0.1),
                "memory_gb": _number(entry.get("memory_gb"), f"{variable}.memory_gb", minimum=0.5),
                "volume_gb": int(_number(entry.get("volume_gb"), f"{variable}.volume_gb", minimum=1)),
                "standby": False,
            }
        )
    names = [i["name"] for i in result]
    if len(set(names)) != len(names):
        raise ChartError(f"{PREFIX}nodes: two nodes give the same release name: {names}")
    standalone = inputs.get("standalone") or {}
    if not isinstance(standalone, Mapping):
        raise ChartError(f"{PREFIX}standalone: must be a dict")
    if standalone.get("enabled"):
        variable = f"{PREFIX}standalone"
        name = check_name(standalone.get("name"), f"{variable}.name")
        if name in names:
            raise ChartError(f"{variable}.name: {name!r} is already a primary instance")
        standalone_gpu = standalone.get("gpu", False)
        if not isinstance(standalone_gpu, bool):
            raise ChartError(f"{variable}.gpu: {standalone_gpu!r} must be true or false")
        if standalone_gpu and not gpu:
            raise ChartError(f"{variable}.gpu: a GPU for the standalone needs {PREFIX}gpu true")
        node = str(standalone.get("node") or "")
        if node:
            check_name(node.lower(), f"{variable}.node", label=False)
        result.append(
            {
                "name": name,
                "role": "standalone",
                "port": _port(standalone.get("port"), f"{variable}.port"),
                "node": node.lower(),
                "gpu": standalone_gpu,
                "cpu": _number(standalone.get("cpu"), f"{variable}.cpu", minimum=0.1),
                "memory_gb": _number(standalone.get("memory_gb"), f"{variable}.memory_gb", minimum=0.5),
                "volume_gb": int(_number(standalone.get("volume_gb"), f"{variable}.volume_gb", minimum=1)),
                "standby": True,
            }
        )
    return result


def instance(inputs: Mapping[str, Any], name: str) -> dict[str, Any]:
    """One instance by release name."""
    for item in instances(inputs):
        if item["name"] == name:
            return item
    raise ChartError(f"{PREFIX}instances: no instance named {name!r}")


def _resources(item: Mapping[str, Any]) -> dict[str, Any]:
    cpu = cpu_quantity(item["cpu"])
    memory = memory_quantity(item["memory_gb"])
    if item["standby"]:
        # A standby takes what it needs when it is used, up to its allocation.
        return {"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"cpu": cpu, "memory": memory}}
    # Memory requested = limit: the models' memory is reserved, never overcommitted.
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}}


def values(inputs: Mapping[str, Any], name: str) -> dict[str, Any]:
    """ollama chart values for the instance ``name``."""
    item = instance(inputs, name)
    storage_class = check_name(inputs.get("storage_class"), f"{PREFIX}storage_class", label=False)
    result: dict[str, Any] = {
        "fullnameOverride": item["name"],
        "image": {"repository": str(inputs.get("image_repository") or "ollama/ollama"), "tag": version(inputs)},
        "ollama": {
            "port": CONTAINER_PORT,
            "gpu": {"enabled": False},
            # Never the chart's postStart pulls: they fail silently.
            "models": {"pull": [], "run": [], "create": [], "clean": False},
        },
        "service": {"type": "ClusterIP", "port": item["port"]},
        "extraEnv": env(inputs),
        "resources": _resources(item),
        "persistentVolume": {
            "enabled": True,
            "size": f"{item['volume_gb']}Gi",
            "storageClass": storage_class,
            "accessModes": ["ReadWriteOnce"],
        },
        "updateStrategy": {"type": "Recreate"},
        "tests": {"enabled": False},
        "serviceAccount": {"automount": False},
    }
    selector: dict[str, str] = {}
    if item["node"]:
        selector["kubernetes.io/hostname"] = item["node"]
    if item["gpu"]:
        runtime_class = check_name(inputs.get("runtime_class"), f"{PREFIX}runtime_class", label=False)
        labels = inputs.get("gpu_node_selector") or {}
        if not isinstance(labels, Mapping):
            raise ChartError(f"{PREFIX}gpu_node_selector: must be a dict of node labels")
        selector.update({str(k): str(v) for k, v in labels.items()})
        result["ollama"]["gpu"] = {"enabled": True, "type": "nvidia", "number": 1, "nvidiaResource": "nvidia.com/gpu"}
        result["runtimeClassName"] = runtime_class
    if selector:
        result["nodeSelector"] = selector
    return result


def _peer(client: Any, index: int) -> dict[str, Any]:
    variable = f"{PREFIX}allowed_clients[{index}]"
    if not isinstance(client, Mapping):
        raise ChartError(f"{variable}: must be a dict with namespace and labels")
    labels = client.get("labels") or {}
    if not isinstance(labels, Mapping) or not labels:
        raise ChartError(f"{variable}.labels: must be a non-empty dict of pod labels")
    peer: dict[str, Any] = {"podSelector": {"matchLabels": {str(k): str(v) for k, v in labels.items()}}}
    namespace = client.get("namespace")
    if namespace:
        check_name(namespace, f"{variable}.namespace")
        peer["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
    return peer


def network_policy(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Only the listed client pods and host addresses reach any Ollama instance."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    clients = inputs.get("allowed_clients") or []
    if not isinstance(clients, list) or not clients:
        raise ChartError(f"{PREFIX}allowed_clients: must list the pods that may reach Ollama")
    cidrs = inputs.get("allowed_cidrs") or []
    if not isinstance(cidrs, list):
        raise ChartError(f"{PREFIX}allowed_cidrs: must be a list of CIDRs")
    peers = [_peer(c, i) for i, c in enumerate(clients)]
    for index, cidr in enumerate(cidrs):
        if not isinstance(cidr, str) or not _CIDR.match(cidr):
            raise ChartError(f"{PREFIX}allowed_cidrs[{index}]: {cidr!r} is not a CIDR like 192.0.2.10/32")
        peers.append({"ipBlock": {"cidr": cidr}})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": NETWORK_POLICY,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "aistack"},
        },
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ollama"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": peers, "ports": [{"protocol": "TCP", "port": CONTAINER_PORT}]}],
        },
    }


def objects(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The role's own objects: the NetworkPolicy (the HelmCharts create the namespace)."""
    return [network_policy(inputs)]


def layout(hosts: list[Mapping[str, Any]], *, standalone_gpu: bool = False) -> dict[str, Any]:
    """Ollama nodes and the standalone from the inventory's per-host plan.

    ``hosts``: the k3s nodes in inventory order, each ``{name, node, allocations,
    standby, volumes}`` (the host's aistack_allocations, aistack_standby_allocations,
    aistack_volumes; ``node`` its k3s node name). A host whose allocations hold
    ``ollama`` runs a primary instance with that allocation and its
    ``aistack_volumes.ollama``; on an inventory of more than one node each is
    pinned to its node. The standalone runs when a host's standby allocations
    hold ``ollama_standalone``, with ``aistack_volumes.ollama_standalone`` (50 GB
    when the inventory has none).
    """
    nodes: list[dict[str, Any]] = []
    standalone: dict[str, Any] = {"enabled": False}
    pin = len(hosts) > 1
    for host in hosts:
        name = str(host.get("name"))
        allocations = host.get("allocations") or {}
        standby = host.get("standby") or {}
        volumes = host.get("volumes") or {}
        for variable, value in (
            ("aistack_allocations", allocations),
            ("aistack_standby_allocations", standby),
            ("aistack_volumes", volumes),
        ):
            if not isinstance(value, Mapping):
                raise ChartError(f"{variable} (host {name}): must be a dict")
        node = str(host.get("node") or name).lower() if pin else ""
        if "ollama" in allocations:
            if "ollama" not in volumes:
                raise ChartError(f"aistack_volumes.ollama (host {name}): the host runs Ollama, give its volume size")
            nodes.append(
                {
                    "node": node,
                    "cpu": allocations["ollama"].get("cpu"),
                    "memory_gb": allocations["ollama"].get("memory_gb"),
                    "volume_gb": volumes["ollama"].get("size_gb"),
                }
            )
        if "ollama_standalone" in standby and not standalone["enabled"]:
            volume = volumes.get("ollama_standalone", {}).get("size_gb", OLLAMA_STANDALONE_VOLUME_GB)
            standalone = {
                "enabled": True,
                "node": "",
                "cpu": standby["ollama_standalone"].get("cpu"),
                "memory_gb": standby["ollama_standalone"].get("memory_gb"),
                "volume_gb": volume,
                "gpu": bool(standalone_gpu),
            }
    if not nodes:
        raise ChartError("aistack_allocations: no host has an 'ollama' allocation, so no host runs Ollama")
    return {"nodes": nodes, "standalone": standalone}


def base_urls(inputs: Mapping[str, Any]) -> list[str]:
    """In-cluster URLs of every instance, primary first (Open WebUI's OLLAMA_BASE_URLS)."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    return [f"http://{i['name']}.{namespace}.svc.cluster.local:{i['port']}" for i in instances(inputs)]
