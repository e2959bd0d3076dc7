# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-compare-act logic behind ``ollama_model`` and the views ``ollama_model_info`` returns.

Runs on the managed host: standard library plus ansible.module_utils only,
compatible with Python 3.8 (annotations are never evaluated at runtime).
"""

from __future__ import annotations

import typing as t
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_client import OllamaClient, PullResult
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import OllamaError
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_name import ModelName, name_key, normalize_names
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_values import (
    expires_forever,
    keep_alive_seconds,
    parameters_differ,
    parse_keep_alive,
)


def model_view(entry: dict[str, t.Any]) -> dict[str, t.Any]:
    """An /api/tags entry reduced to what the modules return."""
    return {
        "name": entry.get("name") or entry.get("model"),
        "model": entry.get("model") or entry.get("name"),
        "digest": entry.get("digest"),
        "size": entry.get("size"),
        "modified_at": entry.get("modified_at"),
        "details": entry.get("details") or {},
    }


def loaded_view(entry: dict[str, t.Any]) -> dict[str, t.Any]:
    """An /api/ps entry reduced to what the modules return."""
    return {
        "name": entry.get("name") or entry.get("model"),
        "model": entry.get("model") or entry.get("name"),
        "digest": entry.get("digest"),
        "size": entry.get("size"),
        "size_vram": entry.get("size_vram"),
        "expires_at": entry.get("expires_at"),
        "context_length": entry.get("context_length"),
        "details": entry.get("details") or {},
    }


def index_by_name(entries: t.Iterable[dict[str, t.Any]]) -> dict[tuple[str, str, str, str], dict[str, t.Any]]:
    index: dict[tuple[str, str, str, str], dict[str, t.Any]] = {}
    for entry in entries:
        key = name_key(str(entry.get("name") or entry.get("model") or ""))
        if key is not None:
            index[key] = entry
    return index


def running_entry(
    running: t.Sequence[dict[str, t.Any]], name: ModelName, digest: str | None
) -> dict[str, t.Any] | None:
    """The /api/ps entry that serves ``name``: listed under it, or under another name of the same manifest.

    The server keeps one runner per model file and lists it under the first name
    it was loaded with, so an alias (same digest) loaded earlier serves this name too.
    """
    for entry in running:
        if name_key(str(entry.get("name") or entry.get("model") or "")) == name.key():
            return entry
    if digest:
        for entry in running:
            if entry.get("digest") == digest:
                return entry
    return None


def gather_info(client: OllamaClient, names: t.Sequence[str] = ()) -> dict[str, t.Any]:
    """Server version, installed and loaded models; filtered to ``names`` when given."""
    wanted = normalize_names(names) if names else None
    version = client.version()
    installed = [model_view(m) for m in client.tags()]
    loaded = [loaded_view(m) for m in client.ps()]
    if wanted is not None:
        keys = {n.key() for n in wanted}
        installed = [m for m in installed if name_key(str(m["name"])) in keys]
        digests = {m["digest"] for m in installed if m["digest"]}
        loaded = [m for m in loaded if name_key(str(m["name"])) in keys or m["digest"] in digests]
    return {"version": version, "models": installed, "loaded": loaded}


# ---------------------------------------------------------------------------
# Convergence for ollama_model
# ---------------------------------------------------------------------------


class ModelConverger:
    """Read current state once, compare with what is asked, then act (or predict in check mode)."""

    def __init__(self, client: OllamaClient, params: dict[str, t.Any], check_mode: bool) -> None:
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.names = normalize_names(params["name"])
        self.keep_alive = parse_keep_alive(params.get("keep_alive"))
        self.result: dict[str, t.Any] = {
            "changed": False,
            "pulled": [],
            "updated": [],
            "deleted": [],
            "created": [],
            "preloaded": [],
            "unloaded": [],
            "models": [],
        }
        self._validate()

    def _validate(self) -> None:
        p = self.params
        creating = any(p.get(k) is not None for k in ("from", "parameters", "system", "template"))
        if creating:
            if p.get("from") is None:
                raise OllamaError("parameters, system and template create a derived model and need 'from'")
            if len(self.names) != 1:
                raise OllamaError("a derived model ('from') is created under exactly one name")
            if p["state"] != "present":
                raise OllamaError("a derived model ('from') needs state=present")
            ModelName.parse(p["from"])
            for key in ("system", "template"):
                if p.get(key) is not None and not str(p[key]).strip():
                    raise OllamaError(
                        "%s is empty: Ollama ignores an empty %s and keeps the one of 'from'; "
                        "omit %s to inherit it, or give a non-empty value" % (key, key, key)
                    )
        if p.get("loaded") is not None and p["state"] == "absent":
            raise OllamaError(
                "'loaded' cannot be combined with state=absent (state=absent unloads a loaded model before deleting it)"
            )
        if p.get("loaded") is not None:
            cloud = [n.shortest() for n in self.names if n.cloud]
            if cloud:
                raise OllamaError(
                    "'loaded' does not apply to cloud models (they run on ollama.com, not on this server): %s"
                    % ", ".join(cloud)
                )
        seconds = keep_alive_seconds(self.keep_alive)
        if p.get("loaded") is True and seconds == 0:
            raise OllamaError("keep_alive 0 unloads a model; use loaded=false instead")
        if self.keep_alive is not None and p.get("loaded") is not True:
            raise OllamaError("keep_alive only applies with loaded=true")

    # -- helpers -----------------------------------------------------------

    def _mark(self, kind: str, name: str) -> None:
        self.result[kind].append(name)
        self.result["changed"] = True

    def _pull_many(self, names: list[ModelName], kind: str) -> dict[str, PullResult]:
        """Pull names with bounded concurrency; raise one error listing every failure."""
        results: dict[str, PullResult] = {}
        if not names:
            return results
        workers = max(1, min(int(self.params.get("pull_concurrency") or 1), len(names)))
        insecure = bool(self.params.get("insecure"))
        failures: list[str] = []
        outcomes: list[tuple[ModelName, PullResult | None, OllamaError | None]] = []
        if workers == 1:
            for name in names:
                try:
                    outcomes.append((name, self.client.pull(name.shortest(), insecure), None))
                except OllamaError as exc:
                    outcomes.append((name, None, exc))
                    break
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [(n, pool.submit(self.client.pull, n.shortest(), insecure)) for n in names]
                for name, future in futures:
                    try:
                        outcomes.append((name, future.result(), None))
                    except OllamaError as exc:
                        outcomes.append((name, None, exc))
        for name, pulled, error in outcomes:
            if error is not None:
                failures.append(str(error))
            elif pulled is not None:
                results[name.shortest()] = pulled
                if kind:
                    self._mark(kind, name.shortest())
        if failures:
            raise OllamaError("; ".join(failures))
        return results

    # -- main --------------------------------------------------------------

    def run(self) -> dict[str, t.Any]:
        p = self.params
        state = p["state"]
        installed = index_by_name(self.client.tags())
        before = {n.shortest(): (installed.get(n.key()) or {}).get("digest") for n in self.names}
        pulls: dict[str, PullResult] = {}
        need_refresh = False

        if state == "absent":
            self._delete(installed)
        elif p.get("from") is not None:
            need_refresh = self._converge_derived(installed)
        else:
            missing = [n for n in self.names if n.key() not in installed]
            present = [n for n in self.names if n.key() in installed]
            if self.check_mode:
                for name in missing:
                    self._mark("pulled", name.shortest())
            else:
                pulls.update(self._pull_many(missing, "pulled"))
                need_refresh = bool(missing)
                if state == "latest" and present:
                    pulls.update(self._pull_many(present, ""))
                    need_refresh = True

        if need_refresh:
            installed = index_by_name(self.client.tags())

        if state == "latest" and not self.check_mode:
            for name in self.names:
                old = before.get(name.shortest())
                new = (installed.get(name.key()) or {}).get("digest")
                if old is not None and new != old:
                    self._mark("updated", name.shortest())

        loaded: tuple[set[tuple[str, str, str, str]], set[tuple[str, str, str, str]]] | None = None
        if p.get("loaded") is not None:
            loaded = self._converge_loaded(installed)

        self._report(installed, before, pulls, loaded)
        return self.result

    def _converge_derived(self, installed: dict[tuple[str, str, str, str], dict[str, t.Any]]) -> bool:
        p = self.params
        name = self.names[0]
        base = ModelName.parse(p["from"])
        spec: dict[str, t.Any] = {"from": base.shortest()}
        for key in ("parameters", "system", "template"):
            if p.get(key) is not None:
                spec[key] = p[key]
        differences: dict[str, t.Any] = {}
        if name.key() in installed:
            shown = self.client.show(name.shortest()) or {}
            parent = str((shown.get("details") or {}).get("parent_model") or "")
            if parent and name_key(parent) != base.key():
                differences["from"] = {"before": parent, "after": base.shortest()}
            for key in ("system", "template"):
                if key in spec and (shown.get(key) or "") != spec[key]:
                    differences[key] = {"before": shown.get(key) or "", "after": spec[key]}
            if "parameters" in spec:
                differences.update(parameters_differ(spec["parameters"], shown.get("parameters")))
        else:
            differences["model"] = {"before": None, "after": name.shortest()}
        self.result["differences"] = differences
        if not differences:
            return False
        if self.check_mode:
            if base.key() not in installed:
                self._mark("pulled", base.shortest())
            self._mark("created", name.shortest())
            return False
        if base.key() not in installed:
            # Pull the base with retries first; create would pull it without them.
            self._pull_many([base], "pulled")
        self.client.create(name.shortest(), spec)
        self._mark("created", name.shortest())
        return True

    def _unload_and_wait(self, names: list[ModelName], digests: dict[str, str | None]) -> None:
        """Unload ``names`` (already matched in /api/ps) and wait until /api/ps no longer lists them.

        Unloading is asynchronous on the server: it answers at once and frees the
        runner later, so a run right after would still see the model.
        """
        if not names or self.check_mode:
            return
        for name in names:
            # The server expires the runner of the model file behind this name, whatever
            # name /api/ps shows for it.
            self.client.unload(name.shortest())
        timeout = float(self.params.get("unload_timeout") or 60)
        deadline = self.client.clock() + timeout
        while True:
            running = self.client.ps()
            left = [n for n in names if running_entry(running, n, digests.get(n.shortest())) is not None]
            if not left:
                return
            if self.client.clock() >= deadline:
                raise OllamaError(
                    "%s still loaded at %s %ds after the unload request; the server may be busy with a request "
                    "for it, or the loaded copy belongs to an older version of the model (raise unload_timeout, "
                    "or restart Ollama)" % (", ".join(n.shortest() for n in left), self.client.url, int(timeout))
                )
            self.client.sleep(0.25)

    def _delete(self, installed: dict[tuple[str, str, str, str], dict[str, t.Any]]) -> None:
        """Unload what is loaded, then delete: the server's delete leaves a loaded runner in memory."""
        present = [n for n in self.names if n.key() in installed]
        if not present:
            return
        digests = {n.shortest(): installed[n.key()].get("digest") for n in present}
        running = self.client.ps()
        loaded = [n for n in present if running_entry(running, n, digests[n.shortest()]) is not None]
        for name in loaded:
            self._mark("unloaded", name.shortest())
        self._unload_and_wait(loaded, digests)
        for name in present:
            if not self.check_mode:
                self.client.delete(str(installed[name.key()].get("name") or name.shortest()))
            self._mark("deleted", name.shortest())

    def _converge_loaded(
        self, installed: dict[tuple[str, str, str, str], dict[str, t.Any]]
    ) -> tuple[set[tuple[str, str, str, str]], set[tuple[str, str, str, str]]]:
        """Load or unload; return the names loaded (before, after)."""
        want_loaded = bool(self.params["loaded"])
        running = self.client.ps()
        seconds = keep_alive_seconds(self.keep_alive)
        digests = {n.shortest(): (installed.get(n.key()) or {}).get("digest") for n in self.names}
        before = {n.key() for n in self.names if running_entry(running, n, digests[n.shortest()]) is not None}
        after = set(before)
        unload: list[ModelName] = []
        for name in self.names:
            entry = running_entry(running, name, digests[name.shortest()])
            if want_loaded:
                if entry is not None:
                    forever = expires_forever(entry.get("expires_at"))
                    if seconds is None or (seconds < 0) == forever:
                        continue
                exists = name.key() in installed or name.shortest() in self.result["pulled"]
                if not exists and not self.check_mode:
                    raise OllamaError(
                        "cannot load model %r at %s: it is not installed" % (name.shortest(), self.client.url)
                    )
                if not self.check_mode:
                    self.client.load(name.shortest(), self.keep_alive)
                after.add(name.key())
                self._mark("preloaded", name.shortest())
            elif entry is not None:
                unload.append(name)
                after.discard(name.key())
                self._mark("unloaded", name.shortest())
        self._unload_and_wait(unload, digests)
        return before, after

    def _report(
        self,
        installed: dict[tuple[str, str, str, str], dict[str, t.Any]],
        before: dict[str, str | None],
        pulls: dict[str, PullResult],
        loaded: tuple[set[tuple[str, str, str, str]], set[tuple[str, str, str, str]]] | None,
    ) -> None:
        r = self.result
        after: dict[str, str | None] = {}
        for name in self.names:
            short = name.shortest()
            entry = installed.get(name.key())
            digest = entry.get("digest") if entry else None
            if self.check_mode:
                if short in r["deleted"]:
                    digest = None
                elif short in r["pulled"] or short in r["created"]:
                    digest = "(unknown until pulled)" if short in r["pulled"] else "(unknown until created)"
            after[short] = digest
            item: dict[str, t.Any] = {
                "name": short,
                "present": digest is not None,
                "digest": digest,
                "digest_before": before.get(short),
                "size": entry.get("size") if entry and digest == entry.get("digest") else None,
                "changed": any(
                    short in r[k] for k in ("pulled", "updated", "deleted", "created", "preloaded", "unloaded")
                ),
                "attempts": pulls[short].attempts if short in pulls else 0,
            }
            if loaded is not None:
                item["loaded"] = name.key() in loaded[1]
            r["models"].append(item)
        r["diff"] = {
            "before": {"models": {k: v for k, v in before.items() if v is not None}},
            "after": {"models": {k: v for k, v in after.items() if v is not None}},
        }
        if loaded is not None:
            r["diff"]["before"]["loaded"] = sorted(n.shortest() for n in self.names if n.key() in loaded[0])
            r["diff"]["after"]["loaded"] = sorted(n.shortest() for n in self.names if n.key() in loaded[1])
