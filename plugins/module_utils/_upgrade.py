# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upgrade planning and the health gate: what changes, in which order, and whether it worked.

Private to this collection; the logic of the ``upgrade_plan`` and
``upgrade_gate`` modules and so of ``playbooks/upgrade.yml``.

The plan compares the cluster (``before``: the kubelet version of every node,
the ``spec`` of every HelmChart, the images of every workload, as
``kubernetes.core.k8s_info`` returns them, or k3s's manifests directory while k3s
is not running) with the inventory (``after``:
``k3s_version``, each chart's source, each pinned image). k3s goes first,
servers one at a time, then agents; Kubernetes supports one minor version per
step and no downgrade, so both are refused before anything changes. Charts
and images follow, layer by layer (3 platform, 4 AI services, 6 monitoring).

The gate decides after the upgrade: every node Ready on its target version,
every watched workload with all replicas ready, every HTTP health check
answered with its expected status. A failed gate lists each problem and how
to roll back what the plan changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_K3S = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")
_K3S_SUFFIX = re.compile(r"\+k3s(\d+)$")
_TGZ_VERSION = re.compile(r"^(?P<chart>.+?)-(?P<version>v?\d+\.\d+\.\d+[^/]*)\.tgz$")
ROLES = ("server", "agent")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
# The playbook that rewrites a layer's charts (a rollback reruns it).
LAYER_PLAYBOOKS = {3: "platform", 4: "ai_services", 6: "monitoring"}


class UpgradeError(Exception):
    """The inputs do not allow a safe upgrade; nothing was changed."""


def k3s_version(text: str) -> tuple[int, int, int, int]:
    """``v1.33.5+k3s1`` -> (1, 33, 5, 1); the k3s release number is 0 when absent."""
    match = _K3S.match(str(text).strip())
    if not match:
        raise UpgradeError(f"{text!r} is not a k3s version like v1.33.5+k3s1")
    suffix = _K3S_SUFFIX.search(str(text).strip())
    return int(match[1]), int(match[2]), int(match[3]), int(suffix[1]) if suffix else 0


def node_steps(nodes: Iterable[Mapping[str, Any]], target: str) -> list[dict[str, Any]]:
    """The k3s upgrade steps: servers one at a time (by name), then agents; nodes already there are left out.

    ``nodes``: ``{name, role: server|agent, version}``. Refuses a downgrade and a
    jump of more than one minor version (Kubernetes' version skew policy).
    """
    want = k3s_version(target)
    steps = []
    for node in nodes:
        role = node.get("role")
        if role not in ROLES:
            raise UpgradeError(f"node {node.get('name')!r}: role {role!r} is not one of {list(ROLES)}")
        have = k3s_version(str(node.get("version")))
        if have == want:
            continue
        if have > want:
            raise UpgradeError(
                f"node {node['name']} runs {node['version']}, newer than k3s_version {target}: k3s is not "
                "downgraded; set k3s_version to the running version or newer"
            )
        if want[0] != have[0] or want[1] - have[1] > 1:
            raise UpgradeError(
                f"node {node['name']} runs {node['version']}; {target} is more than one minor version ahead. "
                f"Upgrade through each minor version (v{have[0]}.{have[1] + 1}.x first)"
            )
        steps.append({"node": node["name"], "role": role, "before": node["version"], "after": target})
    steps.sort(key=lambda s: (ROLES.index(s["role"]), s["node"]))
    return steps


def nodes_from_k8s(resources: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Node objects (k8s_info) -> ``{name, role, version, ready}``."""
    out = []
    for obj in resources:
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        status = obj.get("status") or {}
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        server = "node-role.kubernetes.io/control-plane" in labels or "node-role.kubernetes.io/master" in labels
        out.append(
            {
                "name": meta.get("name"),
                "role": "server" if server else "agent",
                "version": (status.get("nodeInfo") or {}).get("kubeletVersion", ""),
                "ready": conditions.get("Ready") == "True",
                "schedulable": not (obj.get("spec") or {}).get("unschedulable", False),
            }
        )
    return sorted(out, key=lambda n: str(n["name"]))


def chart_version(spec: Mapping[str, Any]) -> str:
    """The chart version a HelmChart spec or a chart source selects (``file`` archives: from their name)."""
    if spec.get("version"):
        return str(spec["version"])
    name = str(spec.get("file") or spec.get("chart") or "").rsplit("/", 1)[-1]
    match = _TGZ_VERSION.match(name)
    return match["version"] if match else ""


def chart_steps(current: Iterable[Mapping[str, Any]], desired: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Chart changes: ``current`` HelmChart objects (k8s_info), ``desired`` ``{layer, name, variable, source}``.

    An item with ``chart`` instead of ``name`` stands for every HelmChart of
    that chart (the Ollama instances: one release per instance), or one named
    ``chart`` when the cluster has none. A chart in the inventory and not in
    the cluster is ``install``; one whose version differs is ``upgrade``
    (``downgrade`` when lower, which Helm allows and the plan shows); the same
    version is ``none``.
    """
    have: dict[str, str] = {}
    by_chart: dict[str, list[str]] = {}
    for obj in current:
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        have[str(meta.get("name"))] = chart_version(spec)
        by_chart.setdefault(_chart_name(spec), []).append(str(meta.get("name")))
    steps = []
    for item in desired:
        names = [str(item["name"])] if item.get("name") else sorted(by_chart.get(str(item["chart"]), [item["chart"]]))
        after = chart_version(item.get("source") or {})
        if not after:
            raise UpgradeError(
                f"{item.get('variable', names[0])}: no chart version (set version, or a <chart>-<version>.tgz)"
            )
        for name in names:
            before = have.get(name)
            if before is None:
                action = "install"
            elif before == after:
                action = "none"
            else:
                action = "downgrade" if _version_key(after) < _version_key(before) else "upgrade"
            steps.append(
                {
                    "layer": int(item.get("layer", 0)),
                    "name": name,
                    "variable": item.get("variable", ""),
                    "before": before,
                    "after": after,
                    "action": action,
                }
            )
    steps.sort(key=lambda s: (s["layer"], s["name"]))
    return steps


def _chart_name(spec: Mapping[str, Any]) -> str:
    """The chart's name: ``spec.chart`` for a repository chart, the archive name without version otherwise."""
    chart = str(spec.get("chart") or "")
    match = _TGZ_VERSION.match(chart.rsplit("/", 1)[-1])
    return match["chart"] if match else chart


def _version_key(version: str) -> tuple[Any, ...]:
    parts = re.split(r"[.+-]", version.lstrip("v"))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def images_from_k8s(resources: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Workload objects (k8s_info) -> ``{"<Kind>/<namespace>/<name>/<container>": image}``."""
    out = {}
    for obj in resources:
        meta = obj.get("metadata") or {}
        template = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        for container in (template.get("containers") or []) + (template.get("initContainers") or []):
            key = f"{obj.get('kind')}/{meta.get('namespace')}/{meta.get('name')}/{container.get('name')}"
            out[key] = str(container.get("image", ""))
    return out


def _repository(image: str) -> str:
    """An image without tag or digest or Docker Hub's implicit prefixes (``docker.io/library/redis:7`` -> ``redis``)."""
    name = image.split("@", 1)[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def image_steps(current: Mapping[str, str], desired: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Image changes: ``desired`` ``{layer, image, variable}`` and optionally ``workload``.

    With ``workload`` (``<Kind>/<namespace>/<name>/<container>``) that
    container is compared; without it, every container running the same
    repository (every Ollama instance for ``ollama/ollama:<version>``). An
    empty ``image`` is skipped: not pinned, the chart's default changes with
    the chart.
    """
    steps = []
    for item in desired:
        after = str(item.get("image") or "")
        if not after:
            continue
        if item.get("workload"):
            keys = [str(item["workload"])]
        else:
            keys = sorted(k for k, v in current.items() if _repository(v) == _repository(after)) or [
                f"(new)/{_repository(after)}"
            ]
        for key in keys:
            before = current.get(key)
            action = "install" if before is None else ("none" if _same_image(before, after) else "upgrade")
            steps.append(
                {
                    "layer": int(item.get("layer", 0)),
                    "workload": key,
                    "variable": item.get("variable", ""),
                    "before": before,
                    "after": after,
                    "action": action,
                }
            )
    steps.sort(key=lambda s: (s["layer"], s["workload"]))
    return steps


def _same_image(a: str, b: str) -> bool:
    return _repository(a) == _repository(b) and a.rsplit(":", 1)[-1] == b.rsplit(":", 1)[-1]


def split_manifests(objects: Iterable[Any]) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Objects read from k3s's manifests directory -> (HelmCharts, workloads).

    k3s applies every file of that directory when it starts, so while it is
    prepared but not running (the k3s role's prepare-only mode) these files are
    exactly what the cluster will hold: the plan's before side. Empty documents
    and other kinds are left out.
    """
    helmcharts, workloads = [], []
    for obj in objects:
        if not isinstance(obj, Mapping):
            continue
        if obj.get("kind") == "HelmChart":
            helmcharts.append(obj)
        elif obj.get("kind") in WORKLOAD_KINDS:
            workloads.append(obj)
    return helmcharts, workloads


def plan(
    *,
    nodes: Iterable[Mapping[str, Any]],
    target_k3s: str,
    helmcharts: Iterable[Mapping[str, Any]],
    charts: Iterable[Mapping[str, Any]],
    workloads: Iterable[Mapping[str, Any]],
    images: Iterable[Mapping[str, Any]],
    manifests: Iterable[Any] | None = None,
) -> dict[str, Any]:
    """The whole upgrade, in order: k3s nodes, then charts and images by layer.

    ``manifests`` (objects of k3s's manifests directory) replaces ``helmcharts``
    and ``workloads`` as the before side when k3s is not running; there are no
    nodes to read then, so k3s itself is not planned (its role installs
    ``target_k3s`` when k3s is set up for real).
    """
    source = "cluster"
    nodes = list(nodes)
    if manifests is not None:
        if nodes:
            raise UpgradeError(
                "nodes and manifests exclude each other: manifests are read only while k3s is not running"
            )
        helmcharts, workloads = split_manifests(manifests)
        source = "manifests"
    node_list = nodes_from_k8s(nodes)
    not_ready = [n["name"] for n in node_list if not n["ready"]]
    if not_ready:
        raise UpgradeError(f"nodes not Ready before the upgrade: {', '.join(map(str, not_ready))}; fix them first")
    k3s = node_steps(node_list, target_k3s)
    chart_list = chart_steps(helmcharts, charts)
    image_list = image_steps(images_from_k8s(workloads), images)
    layers = sorted({s["layer"] for s in chart_list + image_list if s["action"] != "none"})
    result: dict[str, Any] = {
        "k3s": k3s,
        "servers": [s["node"] for s in k3s if s["role"] == "server"],
        "agents": [s["node"] for s in k3s if s["role"] == "agent"],
        "charts": chart_list,
        "images": image_list,
        "layers": layers,
        "source": source,
        "target_k3s": target_k3s,
    }
    result["changes"] = len(k3s) + sum(1 for s in chart_list + image_list if s["action"] != "none")
    result["lines"] = render(result)
    return result


def render(result: Mapping[str, Any]) -> list[str]:
    """The plan as lines (what the dry mode prints)."""
    lines = []
    for step in result["k3s"]:
        lines.append(f"k3s      {step['role']:<6} {step['node']}: {step['before']} -> {step['after']}")
    # Layer by layer, as the upgrade applies them: a layer's charts, then its images.
    layered = [
        (step["layer"], 0, f"chart  {step['name']}: {step['before'] or '(not installed)'}", step)
        for step in result["charts"]
    ] + [
        (step["layer"], 1, f"image  {step['workload']}: {step['before'] or '(none)'}", step)
        for step in result["images"]
    ]
    for layer, _kind, text, step in sorted(layered, key=lambda row: (row[0], row[1])):
        lines.append(f"layer {layer}  {text} -> {step['after']} ({step['action']})")
    if result.get("source") == "manifests":
        lines.insert(
            0,
            "k3s      not running (prepare-only): no node to upgrade, the k3s role installs "
            f"{result.get('target_k3s')}; charts and images before: k3s's manifests directory",
        )
    elif not result["k3s"]:
        lines.insert(0, "k3s      every node already runs the target version")
    return lines


def rollback(result: Mapping[str, Any], backup: str | None = None) -> list[str]:
    """How to undo what a plan changed, most recent change first."""
    out = []
    for step in reversed(result.get("images", [])):
        if step["action"] == "upgrade":
            out.append(f"image {step['workload']}: set {step['variable']} back to {step['before']} and rerun the layer")
    for step in reversed(result.get("charts", [])):
        if step["action"] in ("upgrade", "downgrade"):
            out.append(
                f"chart {step['name']}: set {step['variable']} version back to {step['before']} and rerun "
                f"playbooks/{LAYER_PLAYBOOKS.get(step['layer'], 'site')}.yml (the Helm controller applies it)"
            )
    if result.get("k3s"):
        before = sorted({s["before"] for s in result["k3s"]})
        out.append(
            f"k3s: the nodes keep their data; to go back, set k3s_version to {' / '.join(before)} and run "
            "playbooks/k3s.yml node by node (agents first, --limit), or restore the servers' etcd snapshot "
            "(k3s server --cluster-reset --cluster-reset-restore-path=...) taken before the upgrade"
        )
    if backup:
        out.append(f"data: restore the backup taken before the upgrade with playbooks/restore.yml ({backup})")
    return out


def gate(
    *,
    nodes: Iterable[Mapping[str, Any]],
    target_k3s: str | None,
    workloads: Iterable[Mapping[str, Any]],
    http: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """The health gate after an upgrade: ``{passed, problems}``.

    ``http``: ``{name, status, expected (default 200), msg}`` as ``ansible.builtin.uri`` registered them.
    """
    problems = []
    want = k3s_version(target_k3s) if target_k3s else None
    for node in nodes_from_k8s(nodes):
        if not node["ready"]:
            problems.append(f"node {node['name']} is not Ready")
        if not node["schedulable"]:
            problems.append(f"node {node['name']} is still cordoned")
        if want and k3s_version(node["version"] or "v0.0.0") != want:
            problems.append(f"node {node['name']} runs {node['version']}, not {target_k3s}")
    for obj in workloads:
        problems.extend(_workload_problems(obj))
    for check in http:
        expected = int(check.get("expected", 200))
        status = int(check.get("status") or -1)
        if status != expected:
            reason = f"HTTP {status}" if status > 0 else str(check.get("msg") or "no answer")
            problems.append(f"{check.get('name')}: {reason}, expected HTTP {expected}")
    return {"passed": not problems, "problems": problems}


def _workload_problems(obj: Mapping[str, Any]) -> list[str]:
    kind = obj.get("kind")
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    where = f"{kind} {meta.get('namespace')}/{meta.get('name')}"
    if kind == "DaemonSet":
        want, ready = int(status.get("desiredNumberScheduled") or 0), int(status.get("numberReady") or 0)
    else:
        want, ready = int(spec.get("replicas", 1) or 0), int(status.get("readyReplicas") or 0)
    if ready < want:
        return [f"{where}: {ready} of {want} ready"]
    generation, observed = meta.get("generation"), status.get("observedGeneration")
    if generation is not None and observed is not None and int(observed) < int(generation):
        return [f"{where}: the controller has not seen the new spec yet (generation {generation}, observed {observed})"]
    return []
