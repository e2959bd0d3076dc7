# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cert-manager: chart values and the TLS objects, from the role's inputs.

Self-signed mode builds a private CA: a self-signed ClusterIssuer signs one CA
Certificate (its key stays in a Secret in the cert-manager namespace), a CA
ClusterIssuer signs a Certificate per hostname in the namespace that serves it,
and a default certificate for the ingress controller covering every hostname.
Provided mode (a certificate and key from the inventory) writes no
Certificates: the role stores the pair in the same Secret names instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name

PREFIX = "cert_manager_"
MODES = ("selfsigned", "provided")
SELFSIGNED_ISSUER = "aistack-selfsigned"
CA_ISSUER = "aistack-ca"
CA_CERTIFICATE = "aistack-root-ca"
_HOSTNAME = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """cert-manager chart values: CRDs installed and kept when the release is removed."""
    mode(inputs)
    return {"crds": {"enabled": True, "keep": True}, "prometheus": {"enabled": False}}


def mode(inputs: Mapping[str, Any]) -> str:
    """The TLS mode, checked."""
    value = inputs.get("tls_mode")
    if value not in MODES:
        raise ChartError(f"{PREFIX}tls_mode: {value!r} is not one of {list(MODES)}")
    return str(value)


def certificates(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The TLS secrets to provide: ``[{name, namespace, secret, hosts}]``, checked.

    ``hostnames`` maps a service key to its hostname, ``namespaces`` the same key
    to the namespace whose Ingress serves it. The default certificate covers
    every hostname and lives in ``default_certificate_namespace``.
    """
    hostnames = inputs.get("hostnames") or {}
    namespaces = inputs.get("namespaces") or {}
    if not isinstance(hostnames, Mapping) or not hostnames:
        raise ChartError(f"{PREFIX}hostnames: must map each service to its hostname")
    result = []
    for key in sorted(hostnames):
        host = hostnames[key]
        if not isinstance(host, str) or not _HOSTNAME.match(host):
            raise ChartError(f"{PREFIX}hostnames.{key}: {host!r} is not a valid DNS name")
        if key not in namespaces:
            raise ChartError(f"{PREFIX}namespaces: no namespace for hostname key {key!r}")
        name = key.replace("_", "-")
        result.append(
            {
                "name": name,
                "namespace": check_name(namespaces[key], f"{PREFIX}namespaces.{key}"),
                "secret": f"{name}-tls",
                "hosts": [host],
            }
        )
    default_ns = check_name(inputs.get("default_certificate_namespace"), f"{PREFIX}default_certificate_namespace")
    default_secret = check_name(
        inputs.get("default_certificate_secret"), f"{PREFIX}default_certificate_secret", label=False
    )
    result.append(
        {
            "name": "aistack-default",
            "namespace": default_ns,
            "secret": default_secret,
            "hosts": sorted({str(h) for h in hostnames.values()}),
        }
    )
    return result


def namespaces(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Namespace objects for every namespace a TLS secret goes into."""
    names = sorted({c["namespace"] for c in certificates(inputs)})
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in names]


def objects(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Objects written after the chart is ready (issuers and Certificates need its CRDs)."""
    ns_objects = namespaces(inputs)
    if mode(inputs) == "provided":
        return ns_objects
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    duration = str(inputs.get("certificate_duration") or "")
    ca_duration = str(inputs.get("ca_duration") or "")
    for variable, value in (("certificate_duration", duration), ("ca_duration", ca_duration)):
        if not re.match(r"^\d+h$", value):
            raise ChartError(f"{PREFIX}{variable}: {value!r} must be hours like 2160h")
    ca: list[dict[str, Any]] = [
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": SELFSIGNED_ISSUER},
            "spec": {"selfSigned": {}},
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": CA_CERTIFICATE, "namespace": namespace},
            "spec": {
                "isCA": True,
                "commonName": str(inputs.get("ca_common_name") or "aistack root CA"),
                "secretName": CA_CERTIFICATE,
                "duration": ca_duration,
                "privateKey": {"algorithm": "ECDSA", "size": 256},
                "issuerRef": {"name": SELFSIGNED_ISSUER, "kind": "ClusterIssuer", "group": "cert-manager.io"},
            },
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": CA_ISSUER},
            "spec": {"ca": {"secretName": CA_CERTIFICATE}},
        },
    ]
    certs = [
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": c["name"], "namespace": c["namespace"]},
            "spec": {
                "secretName": c["secret"],
                "dnsNames": c["hosts"],
                "duration": duration,
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "issuerRef": {"name": CA_ISSUER, "kind": "ClusterIssuer", "group": "cert-manager.io"},
            },
        }
        for c in certificates(inputs)
    ]
    return ns_objects + ca + certs
