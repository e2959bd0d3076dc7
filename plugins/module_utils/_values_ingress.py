# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ingress controller values: k3s's packaged Traefik or ingress-nginx.

Both are set up for what the stack carries: uploads of several GB (no body
limit below ``body_size_mb``, request bodies streamed instead of buffered) and
long-lived streams and websockets (read/send timeouts of ``timeout_seconds``),
TLS with the cert-manager default certificate, and a LoadBalancer Service
(k3s's ServiceLB) on ports 80 and 443.

Traefik has no body-size limit and buffers nothing unless a buffering
middleware asks for it; what breaks long uploads and streams is its entry
points' 60 s read timeout, so that is what its values change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name

PREFIX = "ingress_"
CONTROLLERS = ("traefik", "ingress-nginx")
CLASS_NAMES = {"traefik": "traefik", "ingress-nginx": "nginx"}


def controller(inputs: Mapping[str, Any]) -> str:
    """The chosen controller, checked."""
    value = inputs.get("controller")
    if value not in CONTROLLERS:
        raise ChartError(f"{PREFIX}controller: {value!r} is not one of {list(CONTROLLERS)}")
    return str(value)


def class_name(inputs: Mapping[str, Any]) -> str:
    """IngressClass name the other roles' Ingresses use."""
    return CLASS_NAMES[controller(inputs)]


def _positive(inputs: Mapping[str, Any], key: str, high: int) -> int:
    value = inputs.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise ChartError(f"{PREFIX}{key}: {value!r} must be a whole number from 1 to {high}")
    return value


def values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Values for the chosen controller's chart (Traefik: the HelmChartConfig's)."""
    kind = controller(inputs)
    timeout = _positive(inputs, "timeout_seconds", 86400)
    body_mb = _positive(inputs, "body_size_mb", 1024 * 1024)
    tls_secret = check_name(inputs.get("default_tls_secret"), f"{PREFIX}default_tls_secret", label=False)
    if kind == "traefik":
        transport = {"respondingTimeouts": {"readTimeout": f"{timeout}s", "idleTimeout": f"{timeout}s"}}
        return {
            "ports": {"web": {"transport": transport}, "websecure": {"transport": transport}},
            "tlsStore": {"default": {"defaultCertificate": {"secretName": tls_secret}}},
            # Prometheus metrics per entry point and per service on the pods' "metrics"
            # port (the monitoring role's PodMonitor scrapes it): request latency and
            # open connections as seen from the ingress.
            "metrics": {"prometheus": {"addEntryPointsLabels": True, "addServicesLabels": True}},
            # The chart's Service is a LoadBalancer already (service.spec.type in current
            # charts, service.type in older ones): k3s's ServiceLB exposes 80 and 443.
        }
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    return {
        "controller": {
            "kind": "Deployment",
            "ingressClassResource": {"name": CLASS_NAMES[kind], "default": True},
            "watchIngressWithoutClass": False,
            "allowSnippetAnnotations": False,
            "service": {"type": "LoadBalancer", "ports": {"http": 80, "https": 443}},
            "extraArgs": {"default-ssl-certificate": f"{namespace}/{tls_secret}"},
            # Prometheus metrics on the pods' "metrics" port (the monitoring role's PodMonitor).
            "metrics": {"enabled": True},
            "config": {
                "proxy-body-size": f"{body_mb}m",
                "proxy-request-buffering": "off",
                "proxy-buffering": "off",
                "proxy-read-timeout": str(timeout),
                "proxy-send-timeout": str(timeout),
                "client-body-timeout": str(timeout),
                "ssl-redirect": "true",
                "use-forwarded-headers": "false",
            },
        }
    }
