# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts the whole collection shares, defined once.

Roles whose YAML must stay static (``meta/main.yml`` platforms, the base role's
OS assertion, the k3s role's reservation defaults) repeat some of these values;
the unit tests compare every copy with the definition here.
"""

from __future__ import annotations

# ---- Operating systems ---------------------------------------------------------
# (distribution as /etc/os-release NAME starts, VERSION_ID, release codename) the
# roles are written and tested for. meta/main.yml platforms list the codenames.
SUPPORTED_OS: tuple[tuple[str, str, str], ...] = (
    ("Debian", "12", "bookworm"),
    ("Debian", "13", "trixie"),
    ("Ubuntu", "22.04", "jammy"),
    ("Ubuntu", "24.04", "noble"),
)

# ---- Containers ------------------------------------------------------------------
# Virtualisation types that share the host's kernel: the names systemd-detect-virt
# --container prints (hardware_facts) and those ansible_facts['virtualization_type']
# uses with role guest (the base role). A host of one of these types cannot load
# kernel modules, set kernel-wide sysctls or run k3s with Longhorn.
CONTAINER_VIRT_TYPES: tuple[str, ...] = (
    "container",
    "container-other",
    "containerd",
    "docker",
    "lxc",
    "lxc-libvirt",
    "openvz",
    "podman",
    "proot",
    "rkt",
    "systemd-nspawn",
    "wsl",
)

# ---- Storage -----------------------------------------------------------------------
# Longhorn's default data path (its chart's defaultSettings.defaultDataPath). Stack
# variable aistack_longhorn_data_path overrides it; playbooks map it onto the roles.
LONGHORN_DATA_PATH = "/var/lib/longhorn"

# ---- Kubelet reservations ------------------------------------------------------------
# What the k3s role reserves from pods when the inventory's aistack_allocations have
# no system / kubernetes entry (kubelet system-reserved, kube-reserved), and the
# memory.available hard-eviction threshold it sets. Sizes in GiB.
K3S_SYSTEM_RESERVED: dict[str, float] = {"cpu": 1.0, "memory_gb": 2.0}
K3S_KUBE_RESERVED: dict[str, float] = {"cpu": 0.0, "memory_gb": 1.0}
K3S_EVICTION_HARD_MEMORY_MI = 500

# The standalone Ollama's volume (GiB) when aistack_volumes has no ollama_standalone entry:
# the ollama role's default, which preflight budgets on the disk too.
OLLAMA_STANDALONE_VOLUME_GB = 50
# Prometheus's volume (GiB) when monitoring is on and aistack_volumes has no prometheus entry
# and aistack_monitoring no volume_gb: the monitoring role's default (monitoring_volume_gb),
# which preflight budgets on the disk too.
MONITORING_VOLUME_GB = 50

# ---- Models --------------------------------------------------------------------------
# aistack_models tiers: hot = pulled and kept loaded, warm = pulled, cold = listed
# only, none = pulled, never preloaded.
MODEL_TIERS: tuple[str, ...] = ("hot", "warm", "cold", "none")

# ---- Open WebUI -----------------------------------------------------------------------
# Releases the collection supports: 0.6.12 up to every 0.12.x (lowest, first unsupported).
OPEN_WEBUI_MIN_VERSION: tuple[int, int, int] = (0, 6, 12)
OPEN_WEBUI_VERSION_LIMIT: tuple[int, int, int] = (0, 13, 0)

# ---- Charts ----------------------------------------------------------------------------
# Chart versions the collection is tested with, by chart name. An inventory that pins
# another version of one of these charts is refused in preflight.
KNOWN_CHART_VERSIONS: dict[str, tuple[str, ...]] = {
    "cert-manager": ("v1.21.1",),
    "dcgm-exporter": ("4.8.2",),
    "ingress-nginx": ("4.15.1",),
    "jupyterhub": ("4.4.0",),
    "kube-prometheus-stack": ("88.5.3",),
    "longhorn": ("1.12.1",),
    "nvidia-device-plugin": ("0.20.0",),
    "ollama": ("1.77.0",),
    "open-webui": ("6.18.0", "16.0.0"),
    "seaweedfs": ("4.44.0",),
    "traefik": ("41.3.0",),
}

# ---- Text ------------------------------------------------------------------------------
# The strings that read as a boolean, lower case: the set Ansible's ``bool`` filter
# accepts, so a module reads a setting the way the playbooks' ``| bool`` does.
BOOL_STRINGS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
