# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ollama model names, parsed and compared the way the Ollama server does.

The server first splits off a ``:local`` / ``:cloud`` source suffix (or a tag
ending in ``-cloud``) and stores a cloud model under its legacy name
(``model:cloud``, ``model:tag-cloud``) (``internal/modelref``), then parses the
rest with ``types/model/name.go``.

Runs on the managed host: standard library plus ansible.module_utils only,
compatible with Python 3.8 (annotations are never evaluated at runtime).
"""

from __future__ import annotations

import typing as t

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import OllamaNameError

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_MAX_PART = {"host": 350, "namespace": 80, "model": 80, "tag": 80}
SOURCE_LOCAL = "local"
SOURCE_CLOUD = "cloud"


def _split_source(text: str) -> tuple[str, str | None]:
    """(base, source) of a name with an optional ``:local``/``:cloud`` suffix or ``-cloud`` tag."""
    cut = text.rfind(":")
    if cut < 0:
        return text, None
    suffix = text[cut + 1 :].strip()
    lowered = suffix.lower()
    if lowered in (SOURCE_LOCAL, SOURCE_CLOUD):
        return text[:cut], lowered
    if "/" not in suffix and lowered.endswith("-cloud"):
        return text[: cut + 1] + suffix[: -len("-cloud")], SOURCE_CLOUD
    return text, None


def _stored_form(raw: str, text: str) -> tuple[str, bool]:
    """The name the server pulls and stores for ``text``, and whether it is a cloud model."""
    base, source = _split_source(text)
    if source is None:
        return text, False
    if _split_source(base)[1] is not None:
        raise OllamaNameError("invalid model name %r: use either :local or :cloud, not both" % (raw,))
    if source == SOURCE_LOCAL:
        return base, False
    has_tag = base.rfind(":") > base.rfind("/")
    return base + ("-cloud" if has_tag else ":cloud"), True


def _valid_part(kind: str, part: str) -> bool:
    if not 1 <= len(part) <= _MAX_PART[kind]:
        return False
    for index, char in enumerate(part):
        if char.isascii() and (char.isalnum() or char == "_"):
            continue
        if index == 0:
            return False
        if char == "-":
            continue
        if char == "." and kind != "namespace":
            continue
        if char == ":" and kind == "host":
            continue
        return False
    return True


class ModelName:
    """A parsed model name: ``[scheme://][host/][namespace/]model[:tag]``."""

    __slots__ = ("cloud", "host", "model", "namespace", "scheme", "tag")

    def __init__(
        self, host: str, namespace: str, model: str, tag: str, scheme: str = "https", cloud: bool = False
    ) -> None:
        self.host = host
        self.namespace = namespace
        self.model = model
        self.tag = tag
        self.scheme = scheme
        # A model that runs on ollama.com: the server keeps only a stub and never loads it.
        self.cloud = cloud

    @classmethod
    def parse(cls, raw: str) -> ModelName:
        """Parse like the server's pull and delete do and fill the defaults; OllamaNameError if invalid."""
        if not isinstance(raw, str) or not raw.strip():
            raise OllamaNameError("invalid model name %r: the name is empty" % (raw,))
        text, cloud = _stored_form(raw, raw.strip())
        tag = DEFAULT_TAG
        if text.rfind(":") > text.rfind("/"):
            text, _sep, tag = text.rpartition(":")
        parts = text.split("/")
        host, namespace, scheme = DEFAULT_HOST, DEFAULT_NAMESPACE, "https"
        if len(parts) == 1:
            model = parts[0]
        elif len(parts) == 2:
            namespace, model = parts
        else:
            model, namespace = parts[-1], parts[-2]
            host = "/".join(parts[:-2])
            if "://" in host:
                scheme, _sep, host = host.partition("://")
        name = cls(host, namespace, model, tag, scheme, cloud)
        for kind in ("host", "namespace", "model", "tag"):
            value = getattr(name, kind)
            if not _valid_part(kind, value):
                raise OllamaNameError(
                    "invalid model name %r: %s %r must start with a letter, digit or underscore and use only "
                    "letters, digits, '_', '-'%s (at most %d characters)"
                    % (raw, kind, value, "" if kind == "namespace" else " and '.'", _MAX_PART[kind])
                )
        return name

    def shortest(self) -> str:
        """The form /api/tags and /api/ps display (DisplayShortest)."""
        prefix = ""
        if self.host.lower() != DEFAULT_HOST:
            prefix = "%s/%s/" % (self.host, self.namespace)
        elif self.namespace.lower() != DEFAULT_NAMESPACE:
            prefix = "%s/" % self.namespace
        return "%s%s:%s" % (prefix, self.model, self.tag)

    def key(self) -> tuple[str, str, str, str]:
        """Case-insensitive identity (Ollama matches names with EqualFold)."""
        return (self.host.lower(), self.namespace.lower(), self.model.lower(), self.tag.lower())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelName) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        return "ModelName(%r)" % self.shortest()


def name_key(raw: str) -> tuple[str, str, str, str] | None:
    """Key of a name as the server reports it, or None when it does not parse."""
    try:
        return ModelName.parse(raw).key()
    except OllamaNameError:
        return None


def normalize_names(raw_names: t.Sequence[str]) -> list[ModelName]:
    """Parse every name, drop duplicates (keeping order); report all invalid names at once."""
    result: list[ModelName] = []
    seen: set[tuple[str, str, str, str]] = set()
    errors: list[str] = []
    for raw in raw_names:
        try:
            name = ModelName.parse(raw)
        except OllamaNameError as exc:
            errors.append(str(exc))
            continue
        if name.key() not in seen:
            seen.add(name.key())
            result.append(name)
    if errors:
        raise OllamaNameError("; ".join(errors))
    return result
