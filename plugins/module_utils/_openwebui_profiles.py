# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release families of Open WebUI and the request shapes each one accepts.

The request shapes depend on the server version, read from ``GET
/api/version``. A *profile* is a family of releases that share the shapes of
one reference release; the families and their shapes are generated data in
:mod:`._openwebui_schema` (one entry per family, from each release's OpenAPI
document), so supporting a new release means adding data, not code.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui import parse_version
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_schema import CHANGES, FAMILIES
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_validate import ConfigError


@dataclass(frozen=True)
class Profile:
    """Releases ``minimum <= v < below`` share the request shapes of ``reference``."""

    reference: str
    minimum: tuple[int, int, int]
    below: tuple[int, int, int]
    # section -> (read path, write path)
    endpoints: dict[str, tuple[str, str]]
    # friendly alias (upper case) -> API field, per flat section
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    models_fields: tuple[str, ...] = ()
    tool_server_fields: tuple[str, ...] = ()
    # section -> request body type tree (the flat sections)
    bodies: dict[str, Any] = field(default_factory=dict)


# section -> (read path, write path). tests/tools/openwebui_schema.py reads
# these too: the generated shapes cover exactly the sections managed here.
ENDPOINTS = {
    "auth": ("/api/v1/auths/admin/config", "/api/v1/auths/admin/config"),
    "retrieval": ("/api/v1/retrieval/config", "/api/v1/retrieval/config/update"),
    "tasks": ("/api/v1/tasks/config", "/api/v1/tasks/config/update"),
    "permissions": ("/api/v1/users/default/permissions", "/api/v1/users/default/permissions"),
    "audio": ("/api/v1/audio/config", "/api/v1/audio/config/update"),
    "images": ("/api/v1/images/config", "/api/v1/images/config/update"),
    "code_execution": ("/api/v1/configs/code_execution", "/api/v1/configs/code_execution"),
    "ollama": ("/ollama/config", "/ollama/config/update"),
    "openai": ("/openai/config", "/openai/config/update"),
    "models": ("/api/v1/configs/models", "/api/v1/configs/models"),
    "banners": ("/api/v1/configs/banners", "/api/v1/configs/banners"),
    "tool_servers": ("/api/v1/configs/tool_servers", "/api/v1/configs/tool_servers"),
}

# The sections whose body is validated field by field (the free-form options).
FLAT_SECTIONS = ("auth", "retrieval", "tasks", "permissions", "audio", "images", "code_execution")

# 0.6.37 renamed the API key settings; either spelling is accepted and sent
# under the name the server's release uses.
_API_KEY_NAMES = (
    ("ENABLE_API_KEY", "ENABLE_API_KEYS"),
    ("ENABLE_API_KEY_ENDPOINT_RESTRICTIONS", "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS"),
    ("API_KEY_ALLOWED_ENDPOINTS", "API_KEYS_ALLOWED_ENDPOINTS"),
)
# The order the default-models fields are sent in.
_MODELS_FIELD_ORDER = (
    "DEFAULT_MODELS",
    "DEFAULT_PINNED_MODELS",
    "MODEL_ORDER_LIST",
    "DEFAULT_MODEL_METADATA",
    "DEFAULT_MODEL_PARAMS",
)


def _version(text: str) -> tuple[int, int, int]:
    return parse_version(text)


def build_profile(reference: str, minimum: str, below: str, release: dict[str, Any]) -> Profile:
    """A Profile from one family's generated shapes."""
    bodies = release["bodies"]
    missing = set(release.get("missing") or ())
    auth = bodies.get("auth") or {}
    aliases: dict[str, str] = {}
    for old, new in _API_KEY_NAMES:
        if new in auth:
            aliases[old] = new
        elif old in auth:
            aliases[new] = old
    models = bodies.get("models") or {}
    return Profile(
        reference=reference,
        minimum=_version(minimum),
        below=_version(below),
        endpoints={k: v for k, v in ENDPOINTS.items() if k not in missing},
        aliases={"auth": aliases} if aliases else {},
        models_fields=tuple(f for f in _MODELS_FIELD_ORDER if f in models),
        tool_server_fields=tuple(bodies.get("tool_server") or ()),
        bodies={k: v for k, v in bodies.items() if k in FLAT_SECTIONS},
    )


# The order sections are read and written in, and the option names.


def apply_changes(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with one family's differences laid over it (a new dict, keys sorted).

    A key set to ``None`` is removed, a dict laid over a dict is merged the
    same way, anything else replaces the value. tests/tools/openwebui_schema.py
    writes the differences so that this reproduces every family's shapes.
    """
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = apply_changes(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return dict(sorted(result.items()))


def _expand(changes: tuple[tuple[str, dict[str, Any]], ...]) -> dict[str, dict[str, Any]]:
    shapes: dict[str, dict[str, Any]] = {}
    previous: dict[str, Any] = {}
    for reference, difference in changes:
        previous = shapes[reference] = apply_changes(previous, difference)
    return shapes


# reference release -> its family's full shapes ({"bodies": ..., "missing": ...})
SHAPES: dict[str, dict[str, Any]] = _expand(CHANGES)

PROFILES: tuple[Profile, ...] = tuple(
    build_profile(reference, minimum, below, SHAPES[reference]) for reference, minimum, below in FAMILIES
)


def supported_ranges(families: tuple[tuple[str, str, str], ...] = FAMILIES) -> list[tuple[str, str]]:
    """The ``(minimum, below)`` ranges the families cover, neighbouring families joined."""
    ranges: list[tuple[str, str]] = []
    for _reference, minimum, below in sorted(families, key=lambda family: parse_version(family[1])):
        if ranges and ranges[-1][1] == minimum:
            ranges[-1] = (ranges[-1][0], below)
        else:
            ranges.append((minimum, below))
    return ranges


def describe_supported() -> str:
    """``>=0.6.12,<0.13.0`` (one entry per contiguous range)."""
    return ", ".join(f">={low},<{below}" for low, below in supported_ranges())


def select_profile(version: str) -> Profile:
    """The profile for a server version, or ConfigError naming the supported ranges."""
    parsed = parse_version(version)
    for profile in PROFILES:
        if profile.minimum <= parsed < profile.below:
            return profile
    raise ConfigError(f"Open WebUI {version} is not supported by openwebui_config (supported: {describe_supported()})")
