"""AI-service values builders (ollama, open_webui, jupyterhub): what each sets, bad input naming the variable."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _values_jupyterhub as jh
from ansible_collections.aistack.baremetal.plugins.module_utils import _values_ollama as ol
from ansible_collections.aistack.baremetal.plugins.module_utils import _values_open_webui as ow
from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError

OLLAMA: dict[str, Any] = {
    "namespace": "open-webui",
    "version": "0.32.15",
    "image_repository": "ollama/ollama",
    "primary_name": "open-webui-ollama",
    "primary_port": 11434,
    "nodes": [{"node": "", "cpu": 35, "memory_gb": 80, "volume_gb": 500}],
    "gpu": True,
    "runtime_class": "nvidia",
    "gpu_node_selector": {"nvidia.com/gpu.present": "true"},
    "standalone": {
        "enabled": True,
        "name": "ollama-standalone",
        "port": 11435,
        "node": "",
        "cpu": 20,
        "memory_gb": 64,
        "volume_gb": 50,
        "gpu": False,
    },
    "env": {"OLLAMA_NUM_PARALLEL": "16", "OLLAMA_FLASH_ATTENTION": "1", "OLLAMA_KEEP_ALIVE": "24h"},
    "storage_class": "longhorn-ssd",
    "allowed_clients": [
        {"namespace": "open-webui", "labels": {"app.kubernetes.io/instance": "open-webui"}},
        {"namespace": "jupyterhub", "labels": {"component": "singleuser-server"}},
    ],
    "allowed_cidrs": ["192.0.2.10/32"],
}

OPEN_WEBUI: dict[str, Any] = {
    "namespace": "open-webui",
    "chart_version": "6.18.0",
    "image_tag": "0.6.12",
    "hostname": "ai.local",
    "tls_secret": "open-webui-tls",
    "ingress_class": "nginx",
    "upload_limit_mb": 5120,
    "cpu": 8,
    "memory_gb": 16,
    "volume_gb": 100,
    "storage_class": "longhorn-ssd",
    "ollama_urls": [
        "http://open-webui-ollama.open-webui.svc.cluster.local:11434",
        "http://ollama-standalone.open-webui.svc.cluster.local:11435",
    ],
    "secret_name": "open-webui-secrets",
    "redis": {
        "name": "open-webui-redis",
        "port": 6379,
        "secret": "open-webui-redis",
        "image": "docker.io/library/redis:7.4.6-alpine",
        "cpu": 2,
        "memory_gb": 8,
        "maxmemory_gb": 8,
        "eviction_policy": "volatile-lru",
        "volume_gb": 10,
    },
    "pipelines": {
        "enabled": True,
        "secret": "open-webui-pipelines",
        "image_tag": "main",
        "cpu": 2,
        "memory_gb": 2,
        "volume_gb": 2,
    },
}

JUPYTERHUB: dict[str, Any] = {
    "namespace": "jupyterhub",
    "hostname": "jupyter.local",
    "tls_secret": "jupyterhub-tls",
    "ingress_class": "nginx",
    "admin_user": "admin",
    "users": [],
    "auth_secret": "jupyterhub-auth",
    "user_storage_gb": 50,
    "storage_class": "longhorn-ssd",
    "user_cpu": 4,
    "user_memory_gb": 8,
    "gpu_profile": True,
    "runtime_class": "nvidia",
    "gpu_node_selector": {"nvidia.com/gpu.present": "true"},
    "ollama_namespace": "open-webui",
}


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return data


# ---- ollama ---------------------------------------------------------------------------


def test_ollama_single_node_primary_and_standalone() -> None:
    names = [(i["name"], i["port"], i["node"], i["gpu"]) for i in ol.instances(OLLAMA)]
    assert names == [("open-webui-ollama", 11434, "", True), ("ollama-standalone", 11435, "", False)]
    assert ol.base_urls(OLLAMA) == OPEN_WEBUI["ollama_urls"]


def test_ollama_primary_values_from_the_inventory() -> None:
    values = ol.values(OLLAMA, "open-webui-ollama")
    assert values["image"] == {"repository": "ollama/ollama", "tag": "0.32.15"}
    assert values["resources"] == {"requests": {"cpu": "35", "memory": "81920Mi"}, "limits": {"memory": "81920Mi"}}
    assert values["persistentVolume"]["size"] == "500Gi"
    assert values["persistentVolume"]["storageClass"] == "longhorn-ssd"
    assert values["runtimeClassName"] == "nvidia"
    assert values["ollama"]["gpu"] == {
        "enabled": True,
        "type": "nvidia",
        "number": 1,
        "nvidiaResource": "nvidia.com/gpu",
    }
    assert values["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert values["service"]["port"] == 11434
    assert {e["name"]: e["value"] for e in values["extraEnv"]} == OLLAMA["env"]


def test_ollama_never_pulls_models_through_the_chart() -> None:
    for item in ol.instances(OLLAMA):
        models = ol.values(OLLAMA, item["name"])["ollama"]["models"]
        assert models == {"pull": [], "run": [], "create": [], "clean": False}


def test_ollama_standalone_is_a_cpu_standby_on_its_own_port() -> None:
    values = ol.values(OLLAMA, "ollama-standalone")
    assert values["service"]["port"] == 11435
    assert values["ollama"]["port"] == 11434  # the container listens where the NetworkPolicy expects it
    assert values["ollama"]["gpu"] == {"enabled": False}
    assert "runtimeClassName" not in values
    assert values["resources"]["limits"] == {"cpu": "20", "memory": "65536Mi"}
    assert values["resources"]["requests"] == {"cpu": "250m", "memory": "1Gi"}
    assert values["persistentVolume"]["size"] == "50Gi"


def test_ollama_standalone_time_sliced_gpu() -> None:
    values = ol.values(_with(OLLAMA, "standalone.gpu", True), "ollama-standalone")
    assert values["runtimeClassName"] == "nvidia"
    assert values["ollama"]["gpu"]["enabled"] is True


def test_ollama_scale_out_one_pinned_instance_per_node() -> None:
    nodes = [
        {"node": "ai-gpu-1", "cpu": 24, "memory_gb": 96, "volume_gb": 500},
        {"node": "ai-gpu-2", "cpu": 16, "memory_gb": 64, "volume_gb": 300},
    ]
    inputs = {**OLLAMA, "nodes": nodes}
    names = [i["name"] for i in ol.instances(inputs)]
    assert names == ["open-webui-ollama", "open-webui-ollama-ai-gpu-2", "ollama-standalone"]
    second = ol.values(inputs, "open-webui-ollama-ai-gpu-2")
    assert second["nodeSelector"] == {"kubernetes.io/hostname": "ai-gpu-2", "nvidia.com/gpu.present": "true"}
    assert second["persistentVolume"]["size"] == "300Gi"
    assert second["fullnameOverride"] == "open-webui-ollama-ai-gpu-2"
    # Adding a node leaves the first instance's values unchanged.
    one = {**OLLAMA, "nodes": nodes[:1]}
    assert ol.values(one, "open-webui-ollama") == ol.values(inputs, "open-webui-ollama")
    assert len(ol.base_urls(inputs)) == 3


def test_ollama_layout_from_the_hosts() -> None:
    hosts = [
        {"name": "ai-control", "allocations": {"open_webui": {"cpu": 6, "memory_gb": 16}}, "volumes": {}},
        {
            "name": "ai-gpu-1",
            "node": "AI-GPU-1",
            "allocations": {"ollama": {"cpu": 24, "memory_gb": 96}},
            "volumes": {"ollama": {"size_gb": 500}},
        },
        {"name": "ai-storage-1", "allocations": {}, "volumes": {}},
    ]
    layout = ol.layout(hosts)
    assert layout["nodes"] == [{"node": "ai-gpu-1", "cpu": 24, "memory_gb": 96, "volume_gb": 500}]
    assert layout["standalone"] == {"enabled": False}
    single = ol.layout(
        [
            {
                "name": "ai-server",
                "allocations": {"ollama": {"cpu": 35, "memory_gb": 80}},
                "standby": {"ollama_standalone": {"cpu": 20, "memory_gb": 64}},
                "volumes": {"ollama": {"size_gb": 500}},
            }
        ]
    )
    assert single["nodes"] == [{"node": "", "cpu": 35, "memory_gb": 80, "volume_gb": 500}]
    assert single["standalone"] == {
        "enabled": True,
        "node": "",
        "cpu": 20,
        "memory_gb": 64,
        "volume_gb": 50,
        "gpu": False,
    }


def test_ollama_layout_without_any_ollama_host_fails() -> None:
    with pytest.raises(ChartError, match="aistack_allocations: no host has an 'ollama' allocation"):
        ol.layout([{"name": "a", "allocations": {}, "volumes": {}}])
    with pytest.raises(ChartError, match=r"aistack_volumes.ollama \(host a\)"):
        ol.layout([{"name": "a", "allocations": {"ollama": {"cpu": 1, "memory_gb": 1}}, "volumes": {}}])


def test_ollama_network_policy_admits_only_the_clients() -> None:
    policy = ol.objects(OLLAMA)[0]
    assert policy["kind"] == "NetworkPolicy"
    assert policy["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "ollama"}}
    rule = policy["spec"]["ingress"][0]
    assert rule["ports"] == [{"protocol": "TCP", "port": 11434}]
    assert {"ipBlock": {"cidr": "192.0.2.10/32"}} in rule["from"]
    namespaces = [p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in rule["from"][:2]]
    assert namespaces == ["open-webui", "jupyterhub"]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("version", "latest", "ollama_version: 'latest' is not a pinned Ollama version"),
        ("env", {"OLLAMA_HOST": "127.0.0.1:11434"}, "ollama_env: OLLAMA_HOST is set by the role"),
        ("env", {"FOO": "1"}, "ollama_env: 'FOO' is not an OLLAMA_"),
        ("nodes", [], "ollama_nodes: must list at least one"),
        ("gpu", "yes", "ollama_gpu: 'yes' must be true or false"),
        ("standalone.port", 70000, r"ollama_standalone.port: 70000 is not a port"),
        ("standalone.name", "open-webui-ollama", "ollama_standalone.name: 'open-webui-ollama' is already"),
        ("allowed_cidrs", ["everyone"], r"ollama_allowed_cidrs\[0\]: 'everyone' is not a CIDR"),
        ("allowed_clients", [], "ollama_allowed_clients: must list"),
    ],
)
def test_ollama_bad_input_names_the_variable(path: str, value: Any, message: str) -> None:
    with pytest.raises(ChartError, match=message):
        ol.values(_with(OLLAMA, path, value), "open-webui-ollama")
        ol.objects(_with(OLLAMA, path, value))


def test_ollama_several_nodes_need_node_names() -> None:
    nodes = [{"node": "", "cpu": 1, "memory_gb": 1, "volume_gb": 1}] * 2
    with pytest.raises(ChartError, match=r"ollama_nodes\[0\].node: with several Ollama nodes"):
        ol.instances({**OLLAMA, "nodes": nodes})


def test_ollama_standalone_gpu_needs_gpu() -> None:
    inputs = _with(_with(OLLAMA, "gpu", False), "standalone.gpu", True)
    with pytest.raises(ChartError, match=r"ollama_standalone\.gpu: a GPU for the standalone needs ollama_gpu true"):
        ol.instances(inputs)


# ---- open_webui -----------------------------------------------------------------------


@pytest.mark.parametrize("chart", ["6.18.0", "16.0.0"])
def test_open_webui_values_hold_no_secret(chart: str) -> None:
    values = ow.values({**OPEN_WEBUI, "chart_version": chart})
    text = json.dumps(values)
    # Secrets only by reference: Secret names, secretKeyRef, $(REDIS_PASSWORD).
    assert "0p3n-w3bu!" not in text
    assert values["extraEnvFrom"] == [
        {"secretRef": {"name": "open-webui-secrets"}},
        {"secretRef": {"name": "open-webui-redis"}},
        {"secretRef": {"name": "open-webui-pipelines"}},
    ]
    assert values["websocket"] == {
        "enabled": True,
        "manager": "redis",
        "url": "redis://:$(REDIS_PASSWORD)@open-webui-redis:6379/0",
        "redis": {"enabled": False},
    }
    assert values["ollama"] == {"enabled": False}
    assert values["ollamaUrls"] == OPEN_WEBUI["ollama_urls"]
    assert values["ingress"] == {
        "enabled": True,
        "class": "nginx",
        "host": "ai.local",
        "tls": True,
        "existingSecret": "open-webui-tls",
    }
    assert values["persistence"] == {"enabled": True, "size": "100Gi", "storageClass": "longhorn-ssd"}
    assert {"name": "RAG_FILE_MAX_SIZE", "value": "5120"} in values["extraEnvVars"]


def test_open_webui_chart_lines_get_their_own_keys() -> None:
    old = ow.values(OPEN_WEBUI)
    names = [e["name"] for e in old["extraEnvVars"]]
    # 6.x sets only WEBSOCKET_REDIS_URL itself and reads the Pipelines key from extraEnvVars.
    assert "REDIS_URL" in names and "OPENAI_API_KEY" in names
    assert "openaiApiKeyExistingSecret" not in old
    new = ow.values({**OPEN_WEBUI, "chart_version": "16.0.0"})
    assert [e["name"] for e in new["extraEnvVars"]] == ["RAG_FILE_MAX_SIZE"]
    assert new["openaiApiKeyExistingSecret"] == "open-webui-pipelines"
    assert new["openaiApiKey"] == ""


def test_open_webui_pipelines_without_the_github_default() -> None:
    pipelines = ow.values(OPEN_WEBUI)["pipelines"]
    assert [e["name"] for e in pipelines["extraEnvVars"]] == ["PIPELINES_API_KEY"]
    assert pipelines["extraEnvVars"][0]["valueFrom"]["secretKeyRef"] == {
        "name": "open-webui-pipelines",
        "key": "PIPELINES_API_KEY",
    }
    assert pipelines["service"]["port"] == 9099
    assert pipelines["ingress"] == {"enabled": False}
    disabled = ow.values(_with(OPEN_WEBUI, "pipelines.enabled", False))
    assert disabled["pipelines"] == {"enabled": False}
    assert disabled["enableOpenaiApi"] is False


def test_redis_objects() -> None:
    objects = {o["kind"]: o for o in ow.redis_objects(OPEN_WEBUI)}
    assert sorted(objects) == ["ConfigMap", "NetworkPolicy", "Service", "StatefulSet"]
    conf = objects["ConfigMap"]["data"]["redis.conf"]
    assert "appendonly yes" in conf
    # 8 GB asked, 8 GB limit: capped at 3/4 of the limit.
    assert "maxmemory 6144mb" in conf
    assert "maxmemory-policy volatile-lru" in conf
    sts = objects["StatefulSet"]["spec"]
    container = sts["template"]["spec"]["containers"][0]
    assert container["args"][-1] == "$(REDIS_PASSWORD)"
    assert container["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "open-webui-redis", "key": "REDIS_PASSWORD"}
    claim = sts["volumeClaimTemplates"][0]["spec"]
    assert claim["resources"]["requests"]["storage"] == "10Gi"
    assert claim["storageClassName"] == "longhorn-ssd"
    assert objects["Service"]["metadata"]["name"] == "open-webui-redis"
    assert objects["Service"]["spec"]["ports"][0]["port"] == 6379
    peers = objects["NetworkPolicy"]["spec"]["ingress"][0]["from"]
    assert peers == [
        {
            "podSelector": {
                "matchLabels": {"app.kubernetes.io/instance": "open-webui", "app.kubernetes.io/component": "open-webui"}
            }
        }
    ]


def test_redis_maxmemory_below_the_cap_is_kept() -> None:
    conf = ow.redis_config(_with(OPEN_WEBUI, "redis.maxmemory_gb", 2))
    assert "maxmemory 2048mb" in conf


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("chart_version", "latest", "open_webui_chart: version 'latest' is not a pinned chart version"),
        ("hostname", "ai_local", "open_webui_hostname: 'ai_local' is not a valid DNS name"),
        ("image_tag", "main", "open_webui_version: 'main' is not an Open WebUI version"),
        ("ollama_urls", [], "open_webui_ollama_urls: must list"),
        ("redis.eviction_policy", "lru", "open_webui_redis_eviction_policy: 'lru' is not one of"),
        ("redis.image", "redis", "open_webui_redis_image: 'redis' must be an image with a pinned tag"),
        ("redis.port", "6379x", "open_webui_redis_port"),
        ("volume_gb", 0, "open_webui_volume_gb: 0 must be at least 1"),
    ],
)
def test_open_webui_bad_input_names_the_variable(path: str, value: Any, message: str) -> None:
    inputs = _with(OPEN_WEBUI, path, value)
    with pytest.raises(ChartError, match=message):
        ow.values(inputs)
        ow.redis_objects(inputs)


def test_open_webui_workloads() -> None:
    names = [(w["kind"], w["name"]) for w in ow.workloads(OPEN_WEBUI)]
    assert names == [
        ("StatefulSet", "open-webui"),
        ("StatefulSet", "open-webui-redis"),
        ("Deployment", "open-webui-pipelines"),
    ]


# ---- jupyterhub -----------------------------------------------------------------------


def test_jupyterhub_never_the_dummy_authenticator() -> None:
    values = jh.values(JUPYTERHUB)
    config = values["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"] == "shared-password"
    assert config["Authenticator"] == {"admin_users": ["admin"], "allowed_users": [], "allow_all": False}
    env = values["hub"]["extraEnv"]
    assert env == {
        "AISTACK_JUPYTERHUB_ADMIN_PASSWORD": {
            "valueFrom": {"secretKeyRef": {"name": "jupyterhub-auth", "key": "admin-password"}}
        }
    }
    assert 'os.environ["AISTACK_JUPYTERHUB_ADMIN_PASSWORD"]' in values["hub"]["extraConfig"]["aistack-auth"]


def test_jupyterhub_users_get_the_shared_user_password() -> None:
    values = jh.values({**JUPYTERHUB, "users": ["alice", "bob"]})
    assert values["hub"]["config"]["Authenticator"]["allowed_users"] == ["alice", "bob"]
    assert "AISTACK_JUPYTERHUB_USER_PASSWORD" in values["hub"]["extraEnv"]


def test_jupyterhub_tls_storage_and_gpu_profile() -> None:
    values = jh.values(JUPYTERHUB)
    assert values["ingress"]["hosts"] == ["jupyter.local"]
    assert values["ingress"]["tls"] == [{"hosts": ["jupyter.local"], "secretName": "jupyterhub-tls"}]
    assert values["singleuser"]["storage"]["capacity"] == "50Gi"
    assert values["singleuser"]["storage"]["dynamic"]["storageClass"] == "longhorn-ssd"
    gpu = values["singleuser"]["profileList"][1]["kubespawner_override"]
    assert gpu["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    assert gpu["extra_pod_config"] == {"runtimeClassName": "nvidia"}
    assert "profileList" not in jh.values({**JUPYTERHUB, "gpu_profile": False})["singleuser"]
    egress = values["singleuser"]["networkPolicy"]["egress"][0]
    assert egress["ports"] == [{"protocol": "TCP", "port": 11434}]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("admin_user", "Admin!", "jupyterhub_admin_user: 'Admin!' is not a user name"),
        ("users", ["admin"], "jupyterhub_users: 'admin' is the admin"),
        ("hostname", "jupyter..local", "jupyterhub_hostname"),
        ("gpu_profile", "no", "jupyterhub_gpu_profile: 'no' must be true or false"),
    ],
)
def test_jupyterhub_bad_input_names_the_variable(path: str, value: Any, message: str) -> None:
    with pytest.raises(ChartError, match=message):
        jh.values(_with(JUPYTERHUB, path, value))
