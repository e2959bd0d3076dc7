# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a model's architecture facts come from, tried in order, first answer wins.

One job: for each model name, ask the configured sources in turn and return the
first complete set of facts, or ``estimated: false`` with what each source said.
An unknown model is never an error here; only bad input (an invalid name, an
unusable option) is.

Sources:

``ollama``
    A running Ollama server: ``POST /api/show`` (``model_info``, and when it hides
    arrays as null, once more with ``verbose``) and ``GET /api/tags`` for sizes.
``registry``
    The model's registry: its manifest, then only the header of the GGUF model
    layer, read with growing HTTP range requests (``_model_registry``, ``_gguf``).
``artifact``
    Files on disk for air-gapped hosts: a GGUF file mapped to the model name, or an
    Ollama model store (``manifests/<host>/<namespace>/<model>/<tag>`` and
    ``blobs/sha256-<hex>``, the layout of ``$OLLAMA_MODELS``).

Facts read from a GGUF header are cached as one JSON file per model-layer digest
(``<cache_dir>/sha256-<hex>.json``); a blob's digest names its content, so an
entry never goes stale.
"""

from __future__ import annotations

import json
import os
import tempfile
import typing as t

from ansible_collections.aistack.baremetal.plugins.module_utils._gguf import (
    GGUFError,
    read_file_header,
    read_header,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._model_arch import (
    FactsError,
    facts_from_metadata,
    facts_from_show,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._model_registry import (
    DEFAULT_REGISTRY_HOST,
    DIGEST_RE,
    MEDIA_MODEL,
    MEDIA_PROJECTOR,
    RegistryClient,
    RegistryError,
    RegistryNotFound,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_client import OllamaClient
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import (
    OllamaAPIError,
    OllamaConnectionError,
    OllamaError,
    OllamaNameError,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_name import ModelName
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_store import ModelName as StoreName
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_store import (
    Store,
    StoreError,
    parse_manifest,
)

SOURCES = ("ollama", "registry", "artifact")
CACHE_SCHEMA = 1

ADVICE = (
    "give one of: the Ollama instance that has the model (url), a registry that serves it (registry_url), "
    "or its GGUF file or Ollama model store (artifact_dir, gguf_files)"
)


class Miss(Exception):
    """This source does not know the model; ``str()`` says why."""


def _sizes(layers: t.Sequence[t.Mapping[str, t.Any]], config: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    total = sum(int(layer["size"]) for layer in layers) + int((config or {}).get("size") or 0)
    return {
        "size_bytes": total,
        "model_bytes": sum(int(layer["size"]) for layer in layers if layer["mediaType"] == MEDIA_MODEL),
        "projector_bytes": sum(int(layer["size"]) for layer in layers if layer["mediaType"] == MEDIA_PROJECTOR),
    }


def _model_layer(manifest: t.Mapping[str, t.Any], where: str) -> dict[str, t.Any]:
    layers = [layer for layer in manifest.get("layers") or [] if layer.get("mediaType") == MEDIA_MODEL]
    if not layers:
        kinds = sorted({str(layer.get("mediaType")) for layer in manifest.get("layers") or []})
        raise Miss("%s has no GGUF model layer (%s): %s" % (where, MEDIA_MODEL, ", ".join(kinds) or "no layers"))
    return dict(layers[0])


def _complete(facts: dict[str, t.Any], where: str) -> dict[str, t.Any]:
    if facts.get("missing"):
        raise Miss("%s lacks %s" % (where, ", ".join(facts["missing"])))
    return facts


class FactCache:
    """JSON files of facts keyed by blob digest; ``writable=False`` reads only (check mode)."""

    def __init__(self, directory: str | None, writable: bool = True) -> None:
        self.directory = directory
        self.writable = writable
        self.warnings: list[str] = []

    def _path(self, digest: str) -> str | None:
        if not self.directory or not DIGEST_RE.match(digest):
            return None
        return os.path.join(self.directory, digest.replace(":", "-") + ".json")

    def get(self, digest: str) -> dict[str, t.Any] | None:
        path = self._path(digest)
        if path is None or not os.path.isfile(path):
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None  # unreadable or half-written: read the source again and rewrite it
        if not isinstance(entry, dict) or entry.get("schema") != CACHE_SCHEMA or entry.get("digest") != digest:
            return None
        facts = entry.get("facts")
        return facts if isinstance(facts, dict) else None

    def put(self, digest: str, facts: t.Mapping[str, t.Any], origin: str) -> None:
        path = self._path(digest)
        if path is None or not self.writable:
            return
        entry = {"schema": CACHE_SCHEMA, "digest": digest, "origin": origin, "facts": dict(facts)}
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except OSError as exc:
            self.warnings.append("cannot write the fact cache %s: %s" % (path, exc))


# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------


class OllamaSource:
    """A running Ollama server."""

    name = "ollama"

    def __init__(self, client: OllamaClient) -> None:
        self.client = client
        self._tags: dict[tuple[str, str, str, str], dict[str, t.Any]] | None = None
        self.down: str | None = None

    def _show(self, name: str, verbose: bool) -> dict[str, t.Any]:
        try:
            data = self.client.request("POST", "/api/show", {"model": name, "verbose": verbose})
        except OllamaAPIError as exc:
            if exc.status == 404:
                raise Miss("%s: the model is not on the instance" % exc.url) from exc
            raise
        if not isinstance(data, dict):
            raise Miss("%s/api/show answered %r, not an object" % (self.client.url, type(data).__name__))
        return data

    def _tag(self, name: ModelName) -> dict[str, t.Any]:
        if self._tags is None:
            self._tags = {}
            try:
                data = self.client.request("GET", "/api/tags")
            except OllamaError:
                data = None  # sizes are a bonus; the architecture came from /api/show
            for entry in (data if isinstance(data, dict) else {}).get("models") or []:
                try:
                    self._tags[ModelName.parse(str(entry.get("name"))).key()] = entry
                except OllamaError:
                    continue
        return self._tags.get(name.key(), {})

    def lookup(self, name: ModelName) -> dict[str, t.Any]:
        where = "%s/api/show" % self.client.url
        if self.down:
            raise Miss("not asked again: %s" % self.down)
        try:
            show = self._show(name.shortest(), verbose=False)
        except OllamaConnectionError as exc:
            self.down = str(exc)
            raise
        facts = facts_from_show(show)
        if facts["hidden"]:
            # Arrays (per-layer values, the vocabulary) are null unless verbose.
            facts = facts_from_show(self._show(name.shortest(), verbose=True))
        _complete(facts, where)
        tag = self._tag(name)
        facts.update({"size_bytes": tag.get("size"), "model_bytes": None, "projector_bytes": None})
        digest = tag.get("digest")
        return {"facts": facts, "location": where, "digest": ("sha256:%s" % digest) if digest else None}


class RegistrySource:
    """The model's registry: manifest, then the GGUF header of the model layer by range requests."""

    name = "registry"

    def __init__(
        self,
        client_for: t.Callable[[ModelName], RegistryClient],
        cache: FactCache,
        initial: int,
        limit: int,
    ) -> None:
        self.client_for = client_for
        self.cache = cache
        self.initial = initial
        self.limit = limit

    def lookup(self, name: ModelName) -> dict[str, t.Any]:
        client = self.client_for(name)
        where = client.manifest_url(name.namespace, name.model, name.tag)
        if client.unreachable:
            raise Miss("not asked again: %s" % client.unreachable)
        try:
            manifest = client.manifest(name.namespace, name.model, name.tag)
        except RegistryNotFound as exc:
            raise Miss(str(exc)) from exc
        layer = _model_layer(manifest, where)
        sizes = _sizes(manifest["layers"], manifest.get("config"))
        url = client.blob_url(name.namespace, name.model, layer["digest"])
        cached = self.cache.get(layer["digest"])
        if cached is not None:
            cached.update(sizes)
            return {"facts": cached, "location": url, "digest": layer["digest"], "cached": True}

        def fetch(start: int, end: int) -> bytes:
            return bytes(client.read_range(url, start, end))

        header = read_header(fetch, self.initial, self.limit, size=layer["size"], where=url)
        facts = _complete(facts_from_metadata(header.metadata, header.tensors), url)
        facts.update(sizes)
        self.cache.put(layer["digest"], facts, url)
        return {"facts": facts, "location": url, "digest": layer["digest"], "cached": False}


class ArtifactSource:
    """GGUF files and an Ollama model store on disk."""

    name = "artifact"

    def __init__(
        self,
        directory: str | None,
        files: t.Mapping[str, str],
        cache: FactCache,
        initial: int,
        limit: int,
    ) -> None:
        self.directory = directory
        self.files: dict[tuple[str, str, str, str], str] = {}
        for raw, path in files.items():
            if directory and not os.path.isabs(path):
                path = os.path.join(directory, path)
            self.files[ModelName.parse(raw).key()] = path
        self.cache = cache
        self.initial = initial
        self.limit = limit

    def _stores(self) -> list[str]:
        if not self.directory:
            return []
        return [
            root
            for root in (self.directory, os.path.join(self.directory, "models"))
            if os.path.isdir(os.path.join(root, "manifests"))
        ]

    @staticmethod
    def _manifest_path(store: Store, name: ModelName) -> str | None:
        exact = store.manifest_path(StoreName(name.host, name.namespace, name.model, name.tag))
        if os.path.isfile(exact):
            return exact
        # Ollama matches names case-insensitively; the store keeps the case of the first pull.
        current = os.path.join(store.root, "manifests")
        for part in (name.host, name.namespace, name.model, name.tag):
            try:
                entries = os.listdir(current)
            except OSError:
                return None
            match = [entry for entry in entries if entry.lower() == part.lower()]
            if not match:
                return None
            current = os.path.join(current, match[0])
        return current if os.path.isfile(current) else None

    def _gguf(self, path: str) -> dict[str, t.Any]:
        header = read_file_header(path, self.initial, self.limit)
        return _complete(facts_from_metadata(header.metadata, header.tensors), path)

    def lookup(self, name: ModelName) -> dict[str, t.Any]:
        path = self.files.get(name.key())
        if path is not None:
            if not os.path.isfile(path):
                raise Miss("GGUF file %s does not exist" % path)
            facts = self._gguf(path)
            facts.update({"size_bytes": os.path.getsize(path), "model_bytes": os.path.getsize(path)})
            facts["projector_bytes"] = 0
            return {"facts": facts, "location": path, "digest": None}
        stores = self._stores()
        if not stores:
            if self.directory:
                raise Miss(
                    "no gguf_files entry for the model, and %s holds no Ollama model store (manifests/)"
                    % self.directory
                )
            raise Miss("no artifact_dir or gguf_files given")
        for root in stores:
            store = Store(root)
            manifest_path = self._manifest_path(store, name)
            if manifest_path is None:
                continue
            try:
                with open(manifest_path, "rb") as handle:
                    layers = parse_manifest(handle.read(), manifest_path)
            except OSError as exc:
                raise Miss("cannot read manifest %s: %s" % (manifest_path, exc)) from exc
            except StoreError as exc:
                raise Miss(str(exc)) from exc
            entries = [{"digest": x.digest, "size": x.size, "mediaType": x.media_type} for x in layers]
            layer = _model_layer({"layers": entries}, manifest_path)
            blob = store.blob_path(layer["digest"])
            sizes = _sizes(entries, None)
            cached = self.cache.get(layer["digest"])
            if cached is not None:
                cached.update(sizes)
                return {"facts": cached, "location": blob, "digest": layer["digest"], "cached": True}
            if not os.path.isfile(blob):
                raise Miss("%s names blob %s, which is missing" % (manifest_path, blob))
            facts = self._gguf(blob)
            facts.update(sizes)
            self.cache.put(layer["digest"], facts, blob)
            return {"facts": facts, "location": blob, "digest": layer["digest"], "cached": False}
        raise Miss(
            "no manifest for %s under %s"
            % (name.shortest(), " or ".join(os.path.join(s, "manifests", name.host, name.namespace) for s in stores))
        )


# ---------------------------------------------------------------------------
# First answer wins
# ---------------------------------------------------------------------------


class Source(t.Protocol):
    name: str

    def lookup(self, name: ModelName) -> dict[str, t.Any]: ...


def registry_base(name: ModelName, registry_url: str | None) -> str:
    """Base URL of a name's registry: registry_url stands in for registry.ollama.ai (a mirror)."""
    if registry_url and name.host.lower() == DEFAULT_REGISTRY_HOST:
        return registry_url.rstrip("/")
    return "%s://%s" % (name.scheme, name.host)


def describe_one(raw: str, name: ModelName, sources: t.Sequence[Source]) -> dict[str, t.Any]:
    attempts: list[dict[str, str]] = []
    for source in sources:
        try:
            found = source.lookup(name)
        except Miss as exc:
            attempts.append({"source": source.name, "result": str(exc)})
            continue
        except (OllamaError, RegistryError, GGUFError, FactsError, OSError) as exc:
            attempts.append({"source": source.name, "result": "failed: %s" % exc})
            continue
        facts = found["facts"]
        facts.pop("missing", None)
        facts.pop("hidden", None)
        return {
            "name": name.shortest(),
            "requested": raw,
            "estimated": True,
            "source": source.name,
            "location": found["location"],
            "digest": found.get("digest"),
            "cached": bool(found.get("cached")),
            "facts": facts,
            "attempts": attempts,
            "reason": None,
        }
    tried = "; ".join("%s: %s" % (a["source"], a["result"]) for a in attempts) or "no source configured"
    return {
        "name": name.shortest(),
        "requested": raw,
        "estimated": False,
        "source": None,
        "location": None,
        "digest": None,
        "cached": False,
        "facts": None,
        "attempts": attempts,
        "reason": "no architecture facts for %s (%s); %s" % (name.shortest(), tried, ADVICE),
    }


def describe(names: t.Sequence[tuple[str, ModelName]], sources: t.Sequence[Source]) -> list[dict[str, t.Any]]:
    """One result per (requested name, parsed name), in order."""
    return [describe_one(raw, name, sources) for raw, name in names]


def validate_params(params: t.Mapping[str, t.Any]) -> tuple[list[tuple[str, ModelName]], list[str]]:
    """(requested name, parsed name) pairs and one message per bad option of the model_architecture module."""
    names: list[tuple[str, ModelName]] = []
    errors: list[str] = []
    requested = list(params["name"])
    for index, raw in enumerate(requested + list(params["gguf_files"])):
        try:
            parsed = ModelName.parse(raw)
        except OllamaNameError as exc:
            errors.append("%s: %s" % ("name" if index < len(requested) else "gguf_files", exc))
            continue
        if index < len(requested):
            names.append((raw, parsed))
    initial, limit = params["header_read_bytes"], params["header_max_bytes"]
    if not 8 <= initial <= limit:
        errors.append("header_read_bytes (%d) must be at least 8 and at most header_max_bytes (%d)" % (initial, limit))
    if params["timeout"] < 1:
        errors.append("timeout must be at least 1 second, got %d" % params["timeout"])
    if params["retries"] < 0:
        errors.append("retries must be 0 or more, got %d" % params["retries"])
    if params["artifact_dir"] and not os.path.isdir(params["artifact_dir"]):
        errors.append("artifact_dir %s is not a directory" % params["artifact_dir"])
    return names, errors


def sources_from_params(params: t.Mapping[str, t.Any], cache: FactCache) -> list[Source]:
    """The sources of the model_architecture module's options, in the order of ``sources``; unset ones left out."""
    clients: dict[str, RegistryClient] = {}

    def client_for(name: ModelName) -> RegistryClient:
        base = registry_base(name, params["registry_url"])
        if base not in clients:
            clients[base] = RegistryClient(
                base,
                token=params["registry_token"],
                validate_certs=params["validate_certs"],
                timeout=params["timeout"],
                retries=params["retries"],
            )
        return clients[base]

    sources: list[Source] = []
    initial, limit = params["header_read_bytes"], params["header_max_bytes"]
    for kind in params["sources"]:
        if kind == "ollama" and params["url"]:
            client = OllamaClient(
                url=params["url"],
                token=params["token"],
                headers=params["headers"],
                validate_certs=params["validate_certs"],
                timeout=params["timeout"],
            )
            sources.append(OllamaSource(client))
        elif kind == "registry":
            sources.append(RegistrySource(client_for, cache, initial, limit))
        elif kind == "artifact" and (params["artifact_dir"] or params["gguf_files"]):
            sources.append(ArtifactSource(params["artifact_dir"], params["gguf_files"], cache, initial, limit))
    return sources
