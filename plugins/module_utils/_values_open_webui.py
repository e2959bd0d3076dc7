# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open WebUI: chart values (with its Pipelines subchart) and the collection's own Redis.

Secrets never appear in the values: the role creates three Secrets with
kubernetes.core.k8s and the pod reads them through ``extraEnvFrom``:

- ``<secret_name>``: ``WEBUI_SECRET_KEY`` (generated once);
- ``<redis.secret>``: ``REDIS_PASSWORD`` (generated once, letters and digits);
- ``<pipelines.secret>``: ``PIPELINES_API_KEY`` (generated once).

The Redis URLs are ``redis://:$(REDIS_PASSWORD)@<redis>:<port>/0``: the kubelet
expands ``$(REDIS_PASSWORD)`` from the Secret (``envFrom`` is read before
``env``), so the values carry only the reference. This works with both chart
lines (6.x has no ``websocket.existingSecret``).

Redis is a StatefulSet the collection owns (no Bitnami chart): append-only
file persistence on a Longhorn volume, ``maxmemory`` from the inventory capped
at three quarters of the container's memory limit (the rest is for the AOF
rewrite and client buffers), and an eviction policy that by default evicts only
keys with a TTL: Open WebUI keeps websocket sessions in Redis without one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name
from ansible_collections.aistack.baremetal.plugins.module_utils._values_ollama import (
    _number,
    _port,
    cpu_quantity,
    memory_quantity,
)

PREFIX = "open_webui_"
RELEASE = "open-webui"
CONTAINER_PORT = 8080
PIPELINES_PORT = 9099
EVICTION_POLICIES = (
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
)
_CHART_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_APP_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9./_-]*(:[0-9]+)?[a-z0-9./_-]*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_HOSTNAME = re.compile(r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# The open-webui chart line from which websocket.existingSecret / openaiApiKey* exist.
_NEW_KEYS_MAJOR = 16


def chart_major(inputs: Mapping[str, Any]) -> int:
    """Major version of the open-webui chart (decides which keys exist)."""
    value = str(inputs.get("chart_version") or "")
    match = _CHART_VERSION.match(value)
    if not match:
        raise ChartError(f"{PREFIX}chart: version {value!r} is not a pinned chart version x.y.z")
    return int(match.group(1))


def hostname(inputs: Mapping[str, Any]) -> str:
    """The external hostname, checked."""
    value = inputs.get("hostname")
    if not isinstance(value, str) or not _HOSTNAME.match(value):
        raise ChartError(f"{PREFIX}hostname: {value!r} is not a valid DNS name")
    return value


def _section(inputs: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = inputs.get(key)
    if not isinstance(value, Mapping):
        raise ChartError(f"{PREFIX}{key}: must be a dict")
    return value


def redis_url(inputs: Mapping[str, Any]) -> str:
    """Redis URL with the password as a kubelet reference, never the password itself."""
    redis = _section(inputs, "redis")
    name = check_name(redis.get("name"), f"{PREFIX}redis_name")
    port = _port(redis.get("port"), f"{PREFIX}redis_port")
    return f"redis://:$(REDIS_PASSWORD)@{name}:{port}/0"


def _env_from(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = [
        check_name(inputs.get("secret_name"), f"{PREFIX}secret_name", label=False),
        check_name(_section(inputs, "redis").get("secret"), f"{PREFIX}redis_secret", label=False),
    ]
    pipelines = _section(inputs, "pipelines")
    if pipelines.get("enabled"):
        names.append(check_name(pipelines.get("secret"), f"{PREFIX}pipelines_secret", label=False))
    return [{"secretRef": {"name": n}} for n in names]


def _pipelines_values(inputs: Mapping[str, Any], storage_class: str) -> dict[str, Any]:
    pipelines = _section(inputs, "pipelines")
    if not pipelines.get("enabled"):
        return {"enabled": False}
    variable = f"{PREFIX}pipelines"
    secret = check_name(pipelines.get("secret"), f"{variable}_secret", label=False)
    tag = str(pipelines.get("image_tag") or "")
    if not _TAG.match(tag):
        raise ChartError(f"{variable}_image_tag: {tag!r} is not an image tag")
    cpu = _number(pipelines.get("cpu"), f"{variable}_cpu", minimum=0.1)
    memory = _number(pipelines.get("memory_gb"), f"{variable}_memory_gb", minimum=0.25)
    return {
        "enabled": True,
        "image": {"tag": tag, "pullPolicy": "IfNotPresent"},
        # Replaces the chart's default PIPELINES_URLS (a GitHub URL, which fails offline).
        "extraEnvVars": [
            {"name": "PIPELINES_API_KEY", "valueFrom": {"secretKeyRef": {"name": secret, "key": "PIPELINES_API_KEY"}}}
        ],
        "ingress": {"enabled": False},
        "service": {"type": "ClusterIP", "port": PIPELINES_PORT},
        "persistence": {
            "enabled": True,
            "size": f"{int(_number(pipelines.get('volume_gb'), f'{variable}_volume_gb', minimum=1))}Gi",
            "storageClass": storage_class,
        },
        "resources": {
            "requests": {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)},
            "limits": {"memory": memory_quantity(memory)},
        },
    }


def values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """open-webui chart values."""
    major = chart_major(inputs)
    storage_class = check_name(inputs.get("storage_class"), f"{PREFIX}storage_class", label=False)
    urls = inputs.get("ollama_urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u.startswith("http") for u in urls):
        raise ChartError(f"{PREFIX}ollama_urls: must list the Ollama instances' http:// URLs")
    cpu = _number(inputs.get("cpu"), f"{PREFIX}cpu", minimum=0.1)
    memory = _number(inputs.get("memory_gb"), f"{PREFIX}memory_gb", minimum=0.5)
    volume = int(_number(inputs.get("volume_gb"), f"{PREFIX}volume_gb", minimum=1))
    upload_mb = int(_number(inputs.get("upload_limit_mb"), f"{PREFIX}upload_limit_mb", minimum=1))
    tls_secret = check_name(inputs.get("tls_secret"), f"{PREFIX}tls_secret", label=False)
    ingress_class = check_name(inputs.get("ingress_class"), f"{PREFIX}ingress_class", label=False)
    host = hostname(inputs)
    pipelines = _pipelines_values(inputs, storage_class)
    env: list[dict[str, Any]] = [
        # Uploads: the ingress lets bodies of this size through; Open WebUI checks the file size itself.
        {"name": "RAG_FILE_MAX_SIZE", "value": str(upload_mb)},
    ]
    if major < _NEW_KEYS_MAJOR:
        # The 6.x chart sets only WEBSOCKET_REDIS_URL; Open WebUI's app state reads REDIS_URL.
        env.append({"name": "REDIS_URL", "value": redis_url(inputs)})
    result: dict[str, Any] = {
        "ollama": {"enabled": False},
        "ollamaUrls": list(urls),
        "pipelines": pipelines,
        "tika": {"enabled": False},
        "websocket": {
            "enabled": True,
            "manager": "redis",
            "url": redis_url(inputs),
            # The collection runs Redis itself (roles/open_webui, StatefulSet <redis.name>).
            "redis": {"enabled": False},
        },
        "persistence": {"enabled": True, "size": f"{volume}Gi", "storageClass": storage_class},
        "resources": {
            "requests": {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)},
            "limits": {"memory": memory_quantity(memory)},
        },
        "ingress": {
            "enabled": True,
            "class": ingress_class,
            "host": host,
            "tls": True,
            "existingSecret": tls_secret,
        },
        "service": {"type": "ClusterIP"},
        "extraEnvFrom": _env_from(inputs),
        "extraEnvVars": env,
    }
    tag = str(inputs.get("image_tag") or "")
    if tag:
        if not _APP_VERSION.match(tag):
            raise ChartError(f"{PREFIX}version: {tag!r} is not an Open WebUI version like 0.6.12")
        result["image"] = {"tag": tag}
    if pipelines["enabled"]:
        # The chart points OPENAI_API_BASE_URL at the Pipelines service when no other URL is set.
        result["enableOpenaiApi"] = True
        result["openaiBaseApiUrl"] = ""
        secret = str(_section(inputs, "pipelines")["secret"])
        if major >= _NEW_KEYS_MAJOR:
            result["openaiApiKey"] = ""
            result["openaiApiKeyExistingSecret"] = secret
            result["openaiApiKeyExistingSecretKey"] = "PIPELINES_API_KEY"
        else:
            env.append(
                {
                    "name": "OPENAI_API_KEY",
                    "valueFrom": {"secretKeyRef": {"name": secret, "key": "PIPELINES_API_KEY"}},
                }
            )
    else:
        result["enableOpenaiApi"] = False
        if major >= _NEW_KEYS_MAJOR:
            result["openaiApiKey"] = ""
    return result


def _labels(component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/managed-by": "aistack",
    }


def redis_config(inputs: Mapping[str, Any]) -> str:
    """redis.conf: AOF persistence, memory cap and eviction policy."""
    redis = _section(inputs, "redis")
    variable = f"{PREFIX}redis"
    limit_gb = _number(redis.get("memory_gb"), f"{variable}_memory_gb", minimum=0.25)
    cache_gb = _number(redis.get("maxmemory_gb"), f"{variable}_maxmemory_gb", minimum=0.1)
    policy = redis.get("eviction_policy")
    if policy not in EVICTION_POLICIES:
        raise ChartError(f"{variable}_eviction_policy: {policy!r} is not one of {list(EVICTION_POLICIES)}")
    maxmemory_mb = int(min(cache_gb, limit_gb * 0.75) * 1024)
    port = _port(redis.get("port"), f"{variable}_port")
    return "\n".join(
        [
            f"port {port}",
            "bind 0.0.0.0",
            "protected-mode yes",
            "dir /data",
            "appendonly yes",
            "appendfsync everysec",
            "auto-aof-rewrite-percentage 100",
            "auto-aof-rewrite-min-size 64mb",
            f"maxmemory {maxmemory_mb}mb",
            f"maxmemory-policy {policy}",
            "",
        ]
    )


def redis_objects(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """ConfigMap, Service, StatefulSet and NetworkPolicy of the collection's Redis."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    storage_class = check_name(inputs.get("storage_class"), f"{PREFIX}storage_class", label=False)
    redis = _section(inputs, "redis")
    variable = f"{PREFIX}redis"
    name = check_name(redis.get("name"), f"{variable}_name")
    secret = check_name(redis.get("secret"), f"{variable}_secret", label=False)
    port = _port(redis.get("port"), f"{variable}_port")
    image = str(redis.get("image") or "")
    if not _IMAGE.match(image) or ":" not in image.rsplit("/", 1)[-1]:
        raise ChartError(f"{variable}_image: {image!r} must be an image with a pinned tag, like redis:7.4.6-alpine")
    cpu = _number(redis.get("cpu"), f"{variable}_cpu", minimum=0.1)
    memory = _number(redis.get("memory_gb"), f"{variable}_memory_gb", minimum=0.25)
    volume = int(_number(redis.get("volume_gb"), f"{variable}_volume_gb", minimum=1))
    labels = _labels("redis")
    selector = {k: v for k, v in labels.items() if k != "app.kubernetes.io/managed-by"}
    config_name = f"{name}-config"
    ping = 'redis-cli -p "$REDIS_PORT" -a "$REDIS_PASSWORD" --no-auth-warning ping | grep -q PONG'
    container = {
        "name": "redis",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"],
        "command": ["redis-server"],
        "env": [
            {"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "REDIS_PASSWORD"}}},
            {"name": "REDIS_PORT", "value": str(port)},
        ],
        "ports": [{"name": "redis", "containerPort": port, "protocol": "TCP"}],
        "readinessProbe": {"exec": {"command": ["sh", "-c", ping]}, "periodSeconds": 5, "timeoutSeconds": 3},
        "livenessProbe": {"tcpSocket": {"port": "redis"}, "initialDelaySeconds": 15, "periodSeconds": 10},
        "resources": {
            "requests": {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)},
            "limits": {"memory": memory_quantity(memory)},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "data", "mountPath": "/data"},
            {"name": "config", "mountPath": "/etc/redis", "readOnly": True},
        ],
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": config_name, "namespace": namespace, "labels": labels},
            "data": {"redis.conf": redis_config(inputs)},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {
                "type": "ClusterIP",
                "selector": selector,
                "ports": [{"name": "redis", "port": port, "targetPort": "redis", "protocol": "TCP"}],
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {
                "serviceName": name,
                "replicas": 1,
                "selector": {"matchLabels": selector},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "enableServiceLinks": False,
                        "securityContext": {
                            # The official image's redis user.
                            "runAsUser": 999,
                            "runAsGroup": 999,
                            "fsGroup": 999,
                            "runAsNonRoot": True,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [container],
                        "volumes": [{"name": "config", "configMap": {"name": config_name}}],
                    },
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data", "labels": labels},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "storageClassName": storage_class,
                            "resources": {"requests": {"storage": f"{volume}Gi"}},
                        },
                    }
                ],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "podSelector": {
                                    "matchLabels": {
                                        "app.kubernetes.io/instance": RELEASE,
                                        "app.kubernetes.io/component": "open-webui",
                                    }
                                }
                            }
                        ],
                        "ports": [{"protocol": "TCP", "port": port}],
                    }
                ],
            },
        },
    ]


def workloads(inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    """What must be Ready after the chart: Open WebUI, Pipelines, Redis."""
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    redis = check_name(_section(inputs, "redis").get("name"), f"{PREFIX}redis_name")
    # Open WebUI with local persistence is a StatefulSet (both chart lines).
    result = [
        {"kind": "StatefulSet", "name": RELEASE, "namespace": namespace},
        {"kind": "StatefulSet", "name": redis, "namespace": namespace},
    ]
    if _section(inputs, "pipelines").get("enabled"):
        result.append({"kind": "Deployment", "name": f"{RELEASE}-pipelines", "namespace": namespace})
    return result


def secret_names(inputs: Mapping[str, Any]) -> dict[str, str]:
    """Names of the Secrets the role generates: {webui, redis, pipelines}."""
    return {
        "webui": check_name(inputs.get("secret_name"), f"{PREFIX}secret_name", label=False),
        "redis": check_name(_section(inputs, "redis").get("secret"), f"{PREFIX}redis_secret", label=False),
        "pipelines": check_name(_section(inputs, "pipelines").get("secret"), f"{PREFIX}pipelines_secret", label=False),
    }
