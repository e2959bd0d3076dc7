# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JupyterHub (Zero to JupyterHub) values: TLS ingress, user storage, optional GPU profile.

Authentication: JupyterHub's own SharedPasswordAuthenticator (built in since
JupyterHub 5, so no extra image), never the chart's default dummy
authenticator that lets anyone in with any password. The admin named in the
inventory logs in with a generated password of at least 32 characters; users
listed in the inventory log in with a second, shared password, and nobody
else is allowed. Unlike a sign-up authenticator (NativeAuthenticator,
FirstUseAuthenticator) there is no window in which a stranger can claim the
admin name by signing up first, and nothing has to be done through the hub's
API after the install.

The passwords stay in a Secret the role creates: the hub reads them from its
environment (``hub.extraEnv`` with ``secretKeyRef``) in a small
``hub.extraConfig`` snippet, so the values carry only the Secret's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name
from ansible_collections.aistack.baremetal.plugins.module_utils._values_ollama import CONTAINER_PORT as OLLAMA_PORT
from ansible_collections.aistack.baremetal.plugins.module_utils._values_ollama import (
    _number,
    memory_quantity,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._values_open_webui import _HOSTNAME

PREFIX = "jupyterhub_"
# Keys in the auth Secret (names, not passwords).
ADMIN_PASSWORD_KEY = "admin-password"  # noqa: S105
USER_PASSWORD_KEY = "user-password"  # noqa: S105
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")

_AUTH_CONFIG = """\
import os

c.SharedPasswordAuthenticator.admin_password = os.environ["AISTACK_JUPYTERHUB_ADMIN_PASSWORD"]
if os.environ.get("AISTACK_JUPYTERHUB_USER_PASSWORD"):
    c.SharedPasswordAuthenticator.user_password = os.environ["AISTACK_JUPYTERHUB_USER_PASSWORD"]
"""


def _username(value: Any, variable: str) -> str:
    if not isinstance(value, str) or not _USERNAME.match(value):
        raise ChartError(f"{variable}: {value!r} is not a user name (lower case letters, digits, . _ -)")
    return value


def users(inputs: Mapping[str, Any]) -> list[str]:
    """The non-admin users allowed to log in (may be empty)."""
    names = inputs.get("users") or []
    if not isinstance(names, list):
        raise ChartError(f"{PREFIX}users: must be a list of user names")
    return [_username(n, f"{PREFIX}users[{i}]") for i, n in enumerate(names)]


def _profiles(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    gpu = inputs.get("gpu_profile")
    if not isinstance(gpu, bool):
        raise ChartError(f"{PREFIX}gpu_profile: {gpu!r} must be true or false")
    if not gpu:
        return []
    runtime_class = check_name(inputs.get("runtime_class"), f"{PREFIX}runtime_class", label=False)
    labels = inputs.get("gpu_node_selector") or {}
    if not isinstance(labels, Mapping) or not labels:
        raise ChartError(f"{PREFIX}gpu_node_selector: must be a non-empty dict of node labels")
    return [
        {"display_name": "CPU", "description": "A notebook server without a GPU", "default": True},
        {
            "display_name": "GPU",
            "description": "A notebook server with one NVIDIA GPU (shared with Ollama when time-sliced)",
            "kubespawner_override": {
                "extra_resource_limits": {"nvidia.com/gpu": "1"},
                "extra_pod_config": {"runtimeClassName": runtime_class},
                "node_selector": {str(k): str(v) for k, v in labels.items()},
            },
        },
    ]


def values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """jupyterhub chart values."""
    host = inputs.get("hostname")
    if not isinstance(host, str) or not _HOSTNAME.match(host):
        raise ChartError(f"{PREFIX}hostname: {host!r} is not a valid DNS name")
    admin = _username(inputs.get("admin_user"), f"{PREFIX}admin_user")
    allowed = users(inputs)
    if admin in allowed:
        raise ChartError(f"{PREFIX}users: {admin!r} is the admin ({PREFIX}admin_user); list only other users")
    secret = check_name(inputs.get("auth_secret"), f"{PREFIX}auth_secret", label=False)
    tls_secret = check_name(inputs.get("tls_secret"), f"{PREFIX}tls_secret", label=False)
    ingress_class = check_name(inputs.get("ingress_class"), f"{PREFIX}ingress_class", label=False)
    storage_class = check_name(inputs.get("storage_class"), f"{PREFIX}storage_class", label=False)
    volume = int(_number(inputs.get("user_storage_gb"), f"{PREFIX}user_storage_gb", minimum=1))
    cpu = _number(inputs.get("user_cpu"), f"{PREFIX}user_cpu", minimum=0.1)
    memory = _number(inputs.get("user_memory_gb"), f"{PREFIX}user_memory_gb", minimum=0.25)
    ollama_namespace = check_name(inputs.get("ollama_namespace"), f"{PREFIX}ollama_namespace")
    admin_ref = {"secretKeyRef": {"name": secret, "key": ADMIN_PASSWORD_KEY}}
    extra_env: dict[str, Any] = {"AISTACK_JUPYTERHUB_ADMIN_PASSWORD": {"valueFrom": admin_ref}}
    if allowed:
        extra_env["AISTACK_JUPYTERHUB_USER_PASSWORD"] = {
            "valueFrom": {"secretKeyRef": {"name": secret, "key": USER_PASSWORD_KEY}}
        }
    singleuser: dict[str, Any] = {
        "storage": {"type": "dynamic", "capacity": f"{volume}Gi", "dynamic": {"storageClass": storage_class}},
        "cpu": {"limit": cpu, "guarantee": min(cpu, 0.5)},
        "memory": {"limit": memory_quantity(memory).replace("Mi", "M"), "guarantee": "1G"},
        # The notebooks may call Ollama (private addresses are closed by the chart's default policy).
        "networkPolicy": {
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ollama_namespace}},
                            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ollama"}},
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": OLLAMA_PORT}],
                }
            ]
        },
    }
    profiles = _profiles(inputs)
    if profiles:
        singleuser["profileList"] = profiles
    return {
        "hub": {
            "config": {
                "JupyterHub": {"admin_access": True, "authenticator_class": "shared-password"},
                "Authenticator": {"admin_users": [admin], "allowed_users": allowed, "allow_all": False},
            },
            "extraEnv": extra_env,
            "extraConfig": {"aistack-auth": _AUTH_CONFIG},
            "db": {"pvc": {"storageClassName": storage_class}},
        },
        "proxy": {"service": {"type": "ClusterIP"}, "https": {"enabled": False}},
        "singleuser": singleuser,
        "ingress": {
            "enabled": True,
            "ingressClassName": ingress_class,
            "hosts": [host],
            "tls": [{"hosts": [host], "secretName": tls_secret}],
        },
        # One node carries the stack: no user scheduler, and no image pre-pulling (air-gap friendly).
        "scheduling": {"userScheduler": {"enabled": False}},
        "prePuller": {"hook": {"enabled": False}, "continuous": {"enabled": False}},
    }


def workloads(inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    """What must be Ready after the chart."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    return [
        {"kind": "Deployment", "name": "hub", "namespace": namespace},
        {"kind": "Deployment", "name": "proxy", "namespace": namespace},
    ]
