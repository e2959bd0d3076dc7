# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build the platform's Kubernetes manifests as data.

The same builders run in the roles (a real deploy) and in plan mode on the
controller; the logic lives in plugins/module_utils (_helmchart.py and one
_values_<chart>.py per chart).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _helmchart,
    _values_cert_manager,
    _values_ingress,
    _values_longhorn,
    _values_nvidia_device_plugin,
    _values_object_storage,
)

_BUILDERS: dict[str, Any] = {
    "longhorn": _values_longhorn,
    "cert_manager": _values_cert_manager,
    "ingress": _values_ingress,
    "nvidia_device_plugin": _values_nvidia_device_plugin,
    "object_storage": _values_object_storage,
}


def _guard(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*(_helmchart.plain(a) for a in args), **{k: _helmchart.plain(v) for k, v in kwargs.items()})
    except _helmchart.ChartError as exc:
        raise AnsibleFilterError(str(exc)) from None


def _builder(chart: str) -> Any:
    if chart not in _BUILDERS:
        raise AnsibleFilterError(f"platform_values: no builder for {chart!r}; known: {sorted(_BUILDERS)}")
    return _BUILDERS[chart]


def platform_values(inputs: Mapping[str, Any], chart: str) -> dict[str, Any]:
    """Chart values for ``chart`` from the role's inputs."""
    return dict(_guard(_builder(chart).values, inputs))


def platform_objects(inputs: Mapping[str, Any], chart: str) -> list[dict[str, Any]]:
    """The role's own objects for ``chart`` (written after the chart is ready)."""
    return list(_guard(_builder(chart).objects, inputs))


def helmchart(values: Mapping[str, Any], name: str, **kwargs: Any) -> dict[str, Any]:
    """A HelmChart object with ``values``."""
    return dict(_guard(_helmchart.helmchart, name, values, **kwargs))


def helmchartconfig(values: Mapping[str, Any], name: str, namespace: str = "kube-system") -> dict[str, Any]:
    """A HelmChartConfig object with ``values``."""
    return dict(_guard(_helmchart.helmchartconfig, name, values, namespace=namespace))


def chart_source(source: Mapping[str, Any], variable: str) -> dict[str, str]:
    """A chart source, checked (errors name ``variable``)."""
    return dict(_guard(_helmchart.check_source, source, variable))


def chart_sources(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every chart source of a role, checked: [{variable, source}] (errors name the variable)."""
    return list(_guard(_helmchart.check_sources, entries))


def k3s_manifest(objects: Sequence[Mapping[str, Any]]) -> str:
    """Objects as the text of one manifest file for k3s's manifests directory."""
    return str(_guard(_helmchart.render_manifest, objects))


def s3_endpoint(inputs: Mapping[str, Any]) -> str:
    """The object store's in-cluster S3 endpoint."""
    return str(_guard(_values_object_storage.endpoint, inputs))


def seaweedfs_s3_config(access_key: str, secret_key: str) -> str:
    """SeaweedFS's S3 identities JSON for one access key."""
    return _values_object_storage.seaweedfs_s3_config(access_key, secret_key)


def gpu_allocatable(inputs: Mapping[str, Any]) -> dict[str, int]:
    """Expected allocatable nvidia.com/gpu per node (GPUs found x time-slicing replicas)."""
    return dict(_guard(_values_nvidia_device_plugin.expected_allocatable, inputs))


def tls_certificates(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The TLS Secrets cert_manager provides: [{name, namespace, secret, hosts}]."""
    return list(_guard(_values_cert_manager.certificates, inputs))


def ingress_class(inputs: Mapping[str, Any]) -> str:
    """The IngressClass name of the chosen controller."""
    return str(_guard(_values_ingress.class_name, inputs))


class FilterModule:
    """aistack.baremetal platform manifest filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "platform_values": platform_values,
            "platform_objects": platform_objects,
            "helmchart": helmchart,
            "helmchartconfig": helmchartconfig,
            "chart_source": chart_source,
            "chart_sources": chart_sources,
            "k3s_manifest": k3s_manifest,
            "s3_endpoint": s3_endpoint,
            "seaweedfs_s3_config": seaweedfs_s3_config,
            "gpu_allocatable": gpu_allocatable,
            "ingress_class": ingress_class,
            "tls_certificates": tls_certificates,
        }
