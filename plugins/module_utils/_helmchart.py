# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""k3s Helm controller objects: HelmChart / HelmChartConfig as plain dicts.

k3s runs a Helm controller (helm.cattle.io/v1). A HelmChart written into the
server's auto-deploy directory (``/var/lib/rancher/k3s/server/manifests``) is
applied by k3s's deploy controller, and the Helm controller then runs a job
(``helm-install-<name>``, also recorded in ``status.jobName``) that installs
or upgrades the release. A HelmChartConfig with the same name and namespace as
a HelmChart merges extra values into it; that is how k3s's packaged Traefik is
configured.

Chart sources (one dict per chart, from the inventory):

- online: ``{repo: https://..., chart: <name>, version: <pinned>}``;
- air-gapped: ``{file: <name>.tgz}``, a packaged chart in the artifact
  directory on the controller. The role copies it into k3s's static directory
  (``/var/lib/rancher/k3s/server/static/charts``), which the API server serves
  anonymously, and the HelmChart points at
  ``https://%{KUBERNETES_API}%/static/charts/<file>`` (the Helm job replaces the
  placeholder with the in-cluster API address). Embedding the archive as
  base64 ``chartContent`` would make the HelmChart as large as the chart, and
  with embedded etcd an object is limited to about 1.5 MiB.

Deleting a file from the manifests directory does not delete its objects: k3s
keeps them and the AddOn that tracks the file. Removing a chart therefore
deletes the HelmChart (the controller runs ``helm-delete-<name>``) and the
AddOn named after the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

try:
    import yaml
except ImportError:  # PyYAML comes with ansible-core on the controller, where these builders run
    HAS_YAML = False
else:
    HAS_YAML = True

API_VERSION = "helm.cattle.io/v1"
MANIFESTS_DIR = "/var/lib/rancher/k3s/server/manifests"
STATIC_CHARTS_DIR = "/var/lib/rancher/k3s/server/static/charts"
STATIC_CHARTS_URL = "https://%{KUBERNETES_API}%/static/charts/"
ADDON_API_VERSION = "k3s.cattle.io/v1"
ADDON_NAMESPACE = "kube-system"
FAILURE_POLICIES = ("abort", "reinstall", "retry")

# RFC 1123 label (namespaces, release names) and subdomain (object names).
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_HTTP_URL = re.compile(r"^(https?|oci)://\S+$")
# A pinned chart version: semantic version with an optional leading v (cert-manager's style).
_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$")
_TGZ = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\.tgz$")
_DURATION = re.compile(r"^(\d+(h|m|s|ms))+$")

MANIFEST_HEADER = "# Managed by Ansible (aistack.baremetal). Local edits are overwritten.\n"


@cache
def _dumper() -> Any:
    """A safe dumper that writes multi-line strings (valuesContent, configs) as literal blocks."""
    if not HAS_YAML:
        raise ChartError("PyYAML is required to render manifests")

    class Dumper(yaml.SafeDumper):  # type: ignore[misc]
        pass

    def represent_str(dumper: Any, data: str) -> Any:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)

    Dumper.add_representer(str, represent_str)
    return Dumper


def _dump(data: Any) -> str:
    return str(yaml.dump(plain(data), Dumper=_dumper(), default_flow_style=False, sort_keys=True, width=1000))


class ChartError(ValueError):
    """Invalid chart input; the message names the inventory variable to fix."""


def plain(value: Any) -> Any:
    """Return ``value`` as plain dict/list/str/int/float/bool/None (Ansible hands over tagged subclasses)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    raise ChartError(f"cannot put a {type(value).__name__} into a manifest: {value!r}")


def check_name(value: Any, variable: str, *, label: bool = True) -> str:
    """Return ``value`` if it is a valid Kubernetes name, else raise naming ``variable``."""
    pattern = _DNS_LABEL if label else _DNS_SUBDOMAIN
    if not isinstance(value, str) or not pattern.match(value):
        kind = "an RFC 1123 label (lower case letters, digits, '-', at most 63)" if label else "an RFC 1123 subdomain"
        raise ChartError(f"{variable}: {value!r} is not {kind}")
    return value


def check_source(source: Any, variable: str) -> dict[str, str]:
    """Validate one chart source and return it normalised.

    Online: ``repo`` (http(s) or oci URL), ``chart`` (name) and a pinned ``version``.
    Air-gapped: ``file`` (a ``.tgz`` file name, no directory). Exactly one form.
    """
    if not isinstance(source, Mapping):
        raise ChartError(f"{variable}: must be a dict with repo/chart/version (online) or file (air-gapped)")
    keys = set(source)
    unknown = keys - {"repo", "chart", "version", "file"}
    if unknown:
        raise ChartError(f"{variable}: unknown keys {sorted(unknown)}; use repo/chart/version or file")
    if "file" in keys:
        if keys != {"file"}:
            raise ChartError(f"{variable}: 'file' (air-gapped) cannot be combined with {sorted(keys - {'file'})}")
        name = source["file"]
        if not isinstance(name, str) or not _TGZ.match(name):
            raise ChartError(f"{variable}.file: {name!r} must be a chart archive file name ending in .tgz")
        return {"file": name}
    missing = {"repo", "chart", "version"} - keys
    if missing:
        raise ChartError(f"{variable}: missing {sorted(missing)} (online charts need repo, chart and a pinned version)")
    repo, chart, version = (str(source[k]) for k in ("repo", "chart", "version"))
    if not _HTTP_URL.match(repo):
        raise ChartError(f"{variable}.repo: {repo!r} is not an http(s):// or oci:// URL")
    if not _DNS_LABEL.match(chart):
        raise ChartError(f"{variable}.chart: {chart!r} is not a chart name")
    if not _VERSION.match(version):
        raise ChartError(f"{variable}.version: {version!r} is not a pinned version (x.y.z)")
    return {"repo": repo, "chart": chart, "version": version}


def check_sources(entries: Any) -> list[dict[str, Any]]:
    """Check the sources of every chart a role delivers, in one step, before anything is written.

    ``entries`` is a list of ``{source, variable}``. An empty source (k3s's own
    packaged chart, configured by a HelmChartConfig) has nothing to check and is
    left out. Returns ``[{variable, source}]`` with each source normalised; the
    first bad one raises, naming its variable.
    """
    if not isinstance(entries, Sequence) or isinstance(entries, (str, bytes)):
        raise ChartError("chart sources: must be a list of {source, variable}")
    checked: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("variable"), str) or not entry["variable"]:
            raise ChartError(f"chart sources: {entry!r} is not a {{source, variable}} entry naming its variable")
        source = entry.get("source")
        if isinstance(source, Mapping) and not source:
            continue
        checked.append({"variable": entry["variable"], "source": check_source(source, entry["variable"])})
    return checked


def is_airgap(source: Mapping[str, Any]) -> bool:
    """Whether a (checked) source is an archive from the artifact directory."""
    return "file" in source


def source_spec(source: Mapping[str, Any]) -> dict[str, str]:
    """HelmChart ``spec`` keys that select the chart."""
    if is_airgap(source):
        return {"chart": STATIC_CHARTS_URL + source["file"]}
    return {"repo": source["repo"], "chart": source["chart"], "version": source["version"]}


def dump_yaml(data: Any) -> str:
    """``data`` as YAML text, keys sorted (the form every file here is written in)."""
    return _dump(data)


def values_content(values: Mapping[str, Any]) -> str:
    """Chart values as the YAML text of ``spec.valuesContent`` (stable key order)."""
    if not values:
        return ""
    return _dump(values)


def helmchart(
    name: str,
    values: Mapping[str, Any],
    *,
    source: Mapping[str, Any],
    target_namespace: str,
    namespace: str = "kube-system",
    variable: str = "chart",
    timeout: str = "10m",
    failure_policy: str = "abort",
    create_namespace: bool = True,
) -> dict[str, Any]:
    """Build a HelmChart object.

    ``variable`` names the inventory variable that selected the chart source, for
    error messages. ``failure_policy`` abort leaves a failed release for the
    operator to inspect instead of uninstalling it (the controller's default,
    reinstall, would delete a Longhorn release's volumes' manager on any error).
    """
    check_name(name, "chart name")
    check_name(namespace, "HelmChart namespace")
    check_name(target_namespace, "target namespace")
    checked = check_source(source, variable)
    if failure_policy not in FAILURE_POLICIES:
        raise ChartError(f"failure policy {failure_policy!r} is not one of {list(FAILURE_POLICIES)}")
    if not _DURATION.match(timeout):
        raise ChartError(f"helm timeout {timeout!r} is not a duration like 10m or 300s")
    spec: dict[str, Any] = {
        **source_spec(checked),
        "targetNamespace": target_namespace,
        "createNamespace": bool(create_namespace),
        "failurePolicy": failure_policy,
        "timeout": timeout,
    }
    content = values_content(values)
    if content:
        spec["valuesContent"] = content
    return {
        "apiVersion": API_VERSION,
        "kind": "HelmChart",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "aistack"}},
        "spec": spec,
    }


def helmchartconfig(name: str, values: Mapping[str, Any], *, namespace: str = "kube-system") -> dict[str, Any]:
    """Build a HelmChartConfig that merges ``values`` into the HelmChart ``namespace/name``."""
    check_name(name, "chart name")
    check_name(namespace, "HelmChartConfig namespace")
    return {
        "apiVersion": API_VERSION,
        "kind": "HelmChartConfig",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "aistack"}},
        "spec": {"valuesContent": values_content(values)},
    }


def job_name(name: str, state: str = "present") -> str:
    """Name of the Helm controller's job for a HelmChart (install/upgrade or delete)."""
    return ("helm-delete-" if state == "absent" else "helm-install-") + name


def manifest_file(name: str) -> str:
    """File name in the manifests directory; its base name becomes the AddOn name."""
    check_name(name, "manifest name", label=False)
    return f"{name}.yaml"


def render_manifest(objects: Sequence[Mapping[str, Any]]) -> str:
    """Render objects as one multi-document YAML file (stable, so rewriting it changes nothing)."""
    if not objects:
        raise ChartError("a manifest needs at least one object")
    docs = []
    for obj in objects:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in obj:
                raise ChartError(f"manifest object without {key}: {dict(obj)!r}")
        docs.append(_dump(obj))
    return MANIFEST_HEADER + "---\n" + "---\n".join(docs)


def chart_summary(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Where a HelmChart takes its chart from, for messages (never the values)."""
    spec = obj.get("spec", {})
    return {key: spec[key] for key in ("repo", "chart", "version") if key in spec}
