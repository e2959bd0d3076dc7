"""Contract-test harness: render pinned charts with real Helm and check what comes out.

- ``render``: ``helm template`` a packaged chart with values (Helm v4 from $AISTACK_HELM).
- ``validate_object``: built-in kinds against kubernetes-validate's strict schemas for
  the Kubernetes minor of the pinned k3s_version; custom resources against the
  openAPIV3Schema of their CRD (from the rendered charts and the helm-controller CRDs).
- ``unknown_value_keys``: every key path of a values dict must exist in the chart's
  values.yaml or values.schema.json, or be read by a template (``.Values.a.b``);
  Helm ignores unknown keys silently.

The reference data sits beside the repository (``../shared``, or $AISTACK_SHARED).
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import subprocess
import tarfile
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils as _kubernetes_validate_utils

ROOT = Path(__file__).resolve().parents[3]

# kubernetes-validate reads the kind's schema and the whole definitions file (1.6 MB
# of JSON) from disk again for every object it validates, most of its time; the files
# do not change during a session, so each is read once. Validation itself is unchanged.
_kubernetes_validate_utils.schema_contents = cache(_kubernetes_validate_utils.schema_contents)


def shared_dir() -> Path:
    """The shared reference directory beside the clone (or $AISTACK_SHARED)."""
    env = os.environ.get("AISTACK_SHARED")
    candidates = [Path(env)] if env else [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
    for path in candidates:
        if (path / "charts").is_dir():
            return path
    pytest.fail(f"no shared reference data (charts/) in {[str(c) for c in candidates]}; set AISTACK_SHARED")


def helm() -> str:
    """The helm binary. Missing helm fails the test unless AISTACK_ALLOW_NO_HELM=1 (then: skip)."""
    path = os.environ.get("AISTACK_HELM", "")
    if path and os.access(path, os.X_OK):
        return path
    if os.environ.get("AISTACK_ALLOW_NO_HELM") == "1":
        pytest.skip("AISTACK_HELM is not set and AISTACK_ALLOW_NO_HELM=1: chart contract tests skipped")
    pytest.fail("AISTACK_HELM is not set (scripts/lib.sh ensure_helm sets it); set AISTACK_ALLOW_NO_HELM=1 to skip")


@cache
def kube_minor() -> str:
    """Kubernetes x.y of the pinned k3s_version (roles/k3s defaults)."""
    defaults = yaml.safe_load((ROOT / "roles/k3s/defaults/main.yml").read_text())
    match = re.match(r"^v(\d+)\.(\d+)\.", defaults["k3s_version"])
    assert match, defaults["k3s_version"]
    return f"{match.group(1)}.{match.group(2)}"


def chart_archive(chart: str, version: str) -> Path:
    """The packaged chart <chart>-<version>.tgz in the shared charts."""
    path = shared_dir() / "charts" / f"{chart}-{version}.tgz"
    if not path.exists():
        pytest.fail(f"no packaged chart {path.name} in {path.parent}")
    return path


@cache
def _render_cached(
    archive: str, values_yaml: str, release: str, namespace: str, kube: str
) -> tuple[dict[str, Any], ...]:
    """The objects of one ``helm template``: each chart and values are rendered and parsed once a session."""
    result = subprocess.run(
        [
            helm(),
            "template",
            release,
            archive,
            "--namespace",
            namespace,
            "--include-crds",
            "--kube-version",
            f"v{kube}.0",
            "--values",
            "-",
        ],
        input=values_yaml,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"helm template {Path(archive).name} failed:\n{result.stderr}")
    return tuple(load_all(result.stdout))


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that reads a plain ``=`` as the string it is in YAML 1.2 (Kubernetes' YAML).

    PyYAML follows YAML 1.1, where ``=`` is the "value" key type and has no safe
    constructor; kube-prometheus-stack's rules carry it as a label matcher operator.
    libyaml's parser when PyYAML has it (the same objects, several times faster on the
    5 MB that kube-prometheus-stack renders).
    """


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def load_all(text: str) -> list[dict[str, Any]]:
    """Every non-empty YAML document of ``text``."""
    return [doc for doc in yaml.load_all(text, Loader=_Loader) if doc]


def render(archive: Path, values: Mapping[str, Any], release: str, namespace: str) -> list[dict[str, Any]]:
    """Objects ``helm template`` renders from ``archive`` with ``values`` (a copy: the caller may change it)."""
    objects = _render_cached(str(archive), yaml.safe_dump(dict(values)), release, namespace, kube_minor())
    return copy.deepcopy(list(objects))


def _crd_schemas(crds: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    schemas = {}
    for crd in crds:
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if schema:
                schemas[(spec["group"], version["name"], spec["names"]["kind"])] = schema
    return schemas


@cache
def reference_crds() -> tuple[dict[str, Any], ...]:
    """The k3s helm-controller CRDs (HelmChart, HelmChartConfig)."""
    docs: list[dict[str, Any]] = []
    for path in sorted((shared_dir() / "reference" / "crds").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return tuple(docs)


def chart_crds(archive: Path, values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """CRDs a chart installs (templates and crds/), rendered with ``values``."""
    objs = render(archive, values or {}, "crds", "default")
    return [o for o in objs if o.get("kind") == "CustomResourceDefinition"]


class SchemaRegistry:
    """openAPIV3Schemas of custom resources, by (group, version, kind)."""

    def __init__(self) -> None:
        self.schemas: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._validators: dict[tuple[str, str, str], Any] = {}

    def add(self, crds: list[dict[str, Any]]) -> None:
        self.schemas.update(_crd_schemas(crds))
        self._validators.clear()

    def validate(self, obj: Mapping[str, Any]) -> None:
        group, _sep, version = obj["apiVersion"].rpartition("/")
        key = (group, version, obj["kind"])
        if key not in self.schemas:
            pytest.fail(f"no CRD schema for {obj['apiVersion']} {obj['kind']} (known: {sorted(self.schemas)})")
        body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
        # What jsonschema.validate does, with the strict schema made and checked once per kind.
        if key not in self._validators:
            strict = _strict(self.schemas[key])
            cls = jsonschema.validators.validator_for(strict)
            cls.check_schema(strict)
            self._validators[key] = cls(strict)
        error = jsonschema.exceptions.best_match(self._validators[key].iter_errors(body))
        if error is not None:
            raise error


def _python_pattern(pattern: str) -> str:
    """A CRD pattern (Go RE2) as Python reads it: RE2 allows inline flags after ``^``, Python only first."""
    flags = re.match(r"^\^(\(\?[a-z]+\))", pattern)
    return flags.group(1) + "^" + pattern[len(flags.group(0)) :] if flags else pattern


def _strict(schema: Any) -> Any:
    """A CRD schema with unknown fields refused where Kubernetes prunes them (no preserve-unknown-fields)."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
        if isinstance(out.get("pattern"), str):
            out["pattern"] = _python_pattern(out["pattern"])
        if (
            schema.get("type") == "object"
            and "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    return schema


def is_builtin(obj: Mapping[str, Any]) -> bool:
    """Whether kubernetes-validate has a schema for the object's kind."""
    group = obj["apiVersion"].rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def validate_builtin(obj: Mapping[str, Any]) -> None:
    """Strict validation against the pinned Kubernetes minor's schemas."""
    try:
        kubernetes_validate.validate(dict(obj), f"{kube_minor()}.0", strict=True)
    except kubernetes_validate.ValidationError as exc:
        name = obj.get("metadata", {}).get("name")
        pytest.fail(f"{obj['kind']}/{name} is invalid for Kubernetes {kube_minor()}: {exc.message} at {exc.path}")


@cache
def _tar_member(archive: Path, suffix: str, subchart: str = "") -> str | None:
    """A file of the chart (or of its vendored ``subchart``) inside the archive."""
    depth = 1 if not subchart else 3
    infix = f"/charts/{subchart}/" if subchart else "/"
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.name.count("/") == depth and member.name.endswith(infix + suffix):
                handle = tar.extractfile(member)
                return handle.read().decode() if handle else None
    return None


@cache
def _templates_text(archive: Path, subchart: str = "") -> str:
    parts = []
    prefix = f"/charts/{subchart}/templates/" if subchart else "/templates/"
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            inside = member.name.split("/", 1)[-1]
            own = subchart or "/charts/" not in member.name
            if ("/" + inside).startswith(prefix) and member.isfile() and own:
                handle = tar.extractfile(member)
                if handle:
                    parts.append(io.TextIOWrapper(handle, encoding="utf-8").read())
    return "\n".join(parts)


def _paths(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for key, value in values.items():
        path = (*prefix, str(key))
        yield path, value
        if isinstance(value, Mapping):
            yield from _paths(value, path)


def _schema_has(schema: Mapping[str, Any], path: tuple[str, ...], root: Mapping[str, Any]) -> bool | None:
    node: Any = schema
    for key in path:
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            node = root
            for part in ref.lstrip("#/").split("/"):
                node = node[part]
        if not isinstance(node, Mapping):
            return None
        props = node.get("properties", {})
        if key in props:
            node = props[key]
            continue
        patterns = [v for p, v in node.get("patternProperties", {}).items() if re.match(p, key)]
        if patterns:
            node = patterns[0]
            continue
        if node.get("additionalProperties") is True:
            return True  # declared free-form (e.g. pass-through configuration)
        if node.get("additionalProperties") is False:
            return False
        return None  # open object: the schema does not decide
    return True


def _reference_schema(archive: Path) -> Any:
    """The chart's values.schema.json: in the archive, else the reference copy beside the clone."""
    text = _tar_member(archive, "values.schema.json")
    if text:
        return json.loads(text)
    chart, _sep, version = archive.name.removesuffix(".tgz").rpartition("-")
    reference = shared_dir() / "reference" / "charts" / chart / version / "values.schema.json"
    return json.loads(reference.read_text()) if reference.exists() else None


@cache
def _subcharts(archive: Path) -> frozenset[str]:
    with tarfile.open(archive) as tar:
        return frozenset(
            m.name.split("/")[2]
            for m in tar.getmembers()
            if m.name.count("/") == 3 and m.name.split("/")[1] == "charts" and m.name.endswith("/values.yaml")
        )


# Values a chart writes verbatim into an application's configuration file (Grafana's
# grafana.ini): any key of that application is valid there, so the contract tests
# check the rendered file instead.
PASS_THROUGH = frozenset({"grafana.ini"})


def unknown_value_keys(archive: Path, values: Mapping[str, Any], subchart: str = "") -> list[str]:
    """Key paths of ``values`` that the chart (or a vendored subchart) neither declares nor reads."""
    defaults = yaml.safe_load(_tar_member(archive, "values.yaml", subchart) or "{}") or {}
    schema = None if subchart else _reference_schema(archive)
    templates = _templates_text(archive, subchart)
    nested = set() if subchart else _subcharts(archive)
    unknown = []
    for key in sorted(nested & set(values)):
        if isinstance(values[key], Mapping):
            # Keys under a subchart's name are that subchart's values (checked against its own values.yaml).
            for sub in unknown_value_keys(archive, values[key], key):
                node: Any = defaults.get(key)
                for part in sub.split("."):
                    node = node.get(part) if isinstance(node, Mapping) else None
                if node is None:  # nor set in the parent's values.yaml (e.g. the condition key 'enabled')
                    unknown.append(f"{key}.{sub}")
    for path, _value in _paths({k: v for k, v in values.items() if k not in nested and k not in PASS_THROUGH}):
        node = defaults
        declared = True
        free_form = False
        for key in path:
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            else:
                declared = False
                # Under a map that is empty ({}) or null in values.yaml the keys are free-form.
                free_form = node is None or (isinstance(node, Mapping) and not node)
                break
        if declared or free_form:
            continue
        if schema is not None and _schema_has(schema, path, schema):
            continue
        if re.search(r"\.Values\." + re.escape(".".join(path)) + r"\b", templates):
            continue
        unknown.append(".".join(path))
    return unknown
