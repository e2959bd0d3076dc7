# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state logic behind aistack.baremetal.openwebui_config.

Each *section* is one admin endpoint pair (read with GET, write with POST).
For every section the caller names, the module reads the current object,
overlays only the keys the caller gave, and writes the section only when a
managed key differs, sending the whole object: most Open WebUI update
endpoints require every field (422) or reset the fields that are missing.

Which sections a server has and the shape of each body come from its release
family (:mod:`._openwebui_profiles`); values are checked against those shapes
by :mod:`._openwebui_validate`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui import Client, EndpointMissing
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_profiles import (
    FLAT_SECTIONS,
    Profile,
    select_profile,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_secrets import mask
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_validate import ConfigError, coerce, overlay

# The order sections are read and written in, and the option names.
SECTION_ORDER = ("ollama", "openai", "auth", "models", "retrieval", "banners", "tool_servers", *FLAT_SECTIONS[2:])


# -- sections -----------------------------------------------------------------------


@dataclass
class Plan:
    """What one section needs: the body to write and before/after of managed keys."""

    section: str
    body: Any
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return bool(self.before != self.after)


def validate_only(profile: Profile, settings: dict[str, Any]) -> None:
    """Static checks that need no server state (unknown keys, types), before any request."""
    for section, given in settings.items():
        if section not in profile.endpoints:
            raise ConfigError(
                f"{_public_name(section)}: Open WebUI {profile.reference}-compatible releases have no "
                "endpoint for this section"
            )
        if section in FLAT_SECTIONS:
            schema = _flat_schema(profile, section)
            overlay(schema, {}, given, section, profile.aliases.get(section))
        elif section == "models":
            plan_models(profile, dict.fromkeys(profile.models_fields), given)
        elif section == "tool_servers":
            plan_tool_servers(profile, {"TOOL_SERVER_CONNECTIONS": []}, given)
        elif section == "banners":
            plan_banners(profile, [], given, now=0)


def _flat_schema(profile: Profile, section: str) -> dict[str, Any]:
    schema = profile.bodies.get(section)
    if not isinstance(schema, dict):
        raise ConfigError(f"{section}: not available in Open WebUI {profile.reference}-compatible releases")
    return schema


def plan_flat(profile: Profile, section: str, current: Any, given: dict[str, Any]) -> Plan:
    schema = _flat_schema(profile, section)
    if not isinstance(current, dict):
        raise ConfigError(f"{section}: GET {profile.endpoints[section][0]} answered {type(current).__name__}")
    new, before, after = overlay(schema, current, given, section, profile.aliases.get(section))
    return Plan(section, _restrict(schema, new), before, after)


def _restrict(schema: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    """Keep the body fields the endpoint knows; the GET answer has a few more."""
    out: dict[str, Any] = {}
    for name, kind in schema.items():
        if name not in obj:
            continue
        value = obj[name]
        out[name] = _restrict(kind, value) if isinstance(kind, dict) and isinstance(value, dict) else value
    return out


# Connection sub-keys and their API names inside *_API_CONFIGS.
_CONNECTION_KEYS = {
    "enable": ("enable", "bool"),
    "prefix_id": ("prefix_id", "str?"),
    "tags": ("tags", "list"),
    "model_ids": ("model_ids", "list"),
    "connection_type": ("connection_type", "str"),
    "key": ("key", "str"),
}


def _tags_to_api(tags: list[Any]) -> list[dict[str, str]]:
    return [t if isinstance(t, dict) else {"name": str(t)} for t in tags]


def _tags_from_api(tags: Any) -> list[str]:
    if not isinstance(tags, list):
        return []
    return [str(t.get("name")) if isinstance(t, dict) else str(t) for t in tags]


def plan_connections(kind: str, current: Any, given: dict[str, Any]) -> Plan:
    """``connections.ollama`` or ``connections.openai``.

    The URL list is managed as a whole (order matters: Open WebUI keys the
    per-URL config by list index). Inside each URL only the given sub-keys
    are managed; the others keep the value the same URL had before.
    """
    prefix = "OLLAMA" if kind == "ollama" else "OPENAI"
    enable_key = f"ENABLE_{prefix}_API"
    urls_key = "OLLAMA_BASE_URLS" if kind == "ollama" else "OPENAI_API_BASE_URLS"
    configs_key = f"{prefix}_API_CONFIGS"
    where = f"connections.{kind}"
    if not isinstance(current, dict) or urls_key not in current:
        raise ConfigError(f"{where}: unexpected answer from GET /{kind}/config: {current!r}")
    cur_urls = list(current.get(urls_key) or [])
    cur_configs = current.get(configs_key) or {}
    cur_keys = list(current.get("OPENAI_API_KEYS") or []) if kind == "openai" else []
    body: dict[str, Any] = {
        enable_key: current.get(enable_key),
        urls_key: cur_urls,
        configs_key: copy.deepcopy(cur_configs),
    }
    if kind == "openai":
        body["OPENAI_API_KEYS"] = (cur_keys + [""] * len(cur_urls))[: len(cur_urls)]
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in given:
        if key not in ("enable", "urls"):
            raise ConfigError(f"{where}: unknown key '{key}'; valid keys: enable, urls")
    if given.get("enable") is not None:
        before["enable"] = current.get(enable_key)
        after["enable"] = body[enable_key] = coerce("bool", given["enable"], f"{where}.enable")
    if given.get("urls") is not None:
        wanted = given["urls"]
        if not isinstance(wanted, list):
            raise ConfigError(f"{where}.urls: expected a list, got {type(wanted).__name__}")
        new_urls: list[str] = []
        new_configs: dict[str, Any] = {}
        new_keys: list[str] = []
        before_urls: list[dict[str, Any]] = []
        after_urls: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, item in enumerate(wanted):
            item_where = f"{where}.urls[{index}]"
            if isinstance(item, str):
                item = {"url": item}
            if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"]:
                raise ConfigError(f"{item_where}: expected a dict with a 'url'")
            url = item["url"].rstrip("/")
            if url in seen:
                raise ConfigError(f"{item_where}: URL {url} is listed twice")
            seen.add(url)
            old_index = cur_urls.index(url) if url in cur_urls else None
            if old_index is None:
                # tolerate a trailing slash stored by hand
                old_index = cur_urls.index(url + "/") if url + "/" in cur_urls else None
            old_cfg = dict(cur_configs.get(str(old_index), {}) or {}) if old_index is not None else {}
            old_key = ""
            if kind == "openai" and old_index is not None and old_index < len(cur_keys):
                old_key = cur_keys[old_index]
            cfg = dict(old_cfg)
            view_before: dict[str, Any] = {"url": cur_urls[old_index] if old_index is not None else None}
            view_after: dict[str, Any] = {"url": url}
            key_value = old_key
            for sub, value in item.items():
                if sub == "url" or value is None:
                    continue
                if sub not in _CONNECTION_KEYS:
                    raise ConfigError(
                        f"{item_where}: unknown key '{sub}'; valid keys: url, {', '.join(sorted(_CONNECTION_KEYS))}"
                    )
                api, typ = _CONNECTION_KEYS[sub]
                value = coerce(typ, value, f"{item_where}.{sub}")
                if sub == "key" and kind == "openai":
                    # OpenAI keys live in their own list, not in the per-URL config.
                    view_before["key"] = old_key
                    view_after["key"] = key_value = value
                    continue
                if sub == "tags":
                    view_before["tags"] = _tags_from_api(old_cfg.get("tags")) if old_index is not None else None
                    view_after["tags"] = [str(t) for t in value]
                    cfg["tags"] = _tags_to_api(value)
                    continue
                view_before[sub] = old_cfg.get(api) if old_index is not None else None
                view_after[sub] = cfg[api] = value
            new_urls.append(url)
            new_configs[str(index)] = cfg
            new_keys.append(key_value)
            before_urls.append(view_before)
            after_urls.append(view_after)
        # The current list in server order; URLs that go are shown bare.
        before["urls"] = _ordered_before(cur_urls, before_urls)
        after["urls"] = after_urls
        body[urls_key] = new_urls
        body[configs_key] = new_configs
        if kind == "openai":
            body["OPENAI_API_KEYS"] = new_keys
    return Plan(f"connections.{kind}", body, before, after)


def _ordered_before(cur_urls: list[str], views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The current URL list, each with the sub-keys being managed, in server order."""
    by_url = {v["url"]: v for v in views if v["url"] is not None}
    return [by_url.get(u, {"url": u}) for u in cur_urls]


def _csv(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return [p.strip() for p in str(value).split(",") if p.strip()]


_MODELS_KEYS = {
    "default_models": ("DEFAULT_MODELS", "csv"),
    "default_pinned_models": ("DEFAULT_PINNED_MODELS", "csv"),
    "model_order": ("MODEL_ORDER_LIST", "list"),
    "default_model_params": ("DEFAULT_MODEL_PARAMS", "dict"),
    "default_model_metadata": ("DEFAULT_MODEL_METADATA", "dict"),
}


def plan_models(profile: Profile, current: Any, given: dict[str, Any]) -> Plan:
    """``models``: default models and their order; lists stand for Open WebUI's comma-separated strings."""
    if not isinstance(current, dict):
        raise ConfigError(f"models: unexpected answer from GET /api/v1/configs/models: {current!r}")
    valid = {k: v for k, v in _MODELS_KEYS.items() if v[0] in profile.models_fields}
    body = {f: current.get(f) for f in profile.models_fields}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in given.items():
        if key not in valid:
            raise ConfigError(
                f"models: unknown key '{key}' for Open WebUI {profile.reference}-compatible releases; "
                f"valid keys: {', '.join(sorted(valid))}"
            )
        api, typ = valid[key]
        if value is None:
            continue
        if typ == "csv":
            if isinstance(value, str):
                value = _csv(value)
            value = [str(v) for v in coerce("list", value, f"models.{key}")]
            before[key] = _csv(current.get(api))
            after[key] = value
            body[api] = ",".join(value) if value else ""
        else:
            value = coerce(typ, value, f"models.{key}")
            before[key] = current.get(api)
            after[key] = body[api] = value
    return Plan("models", body, before, after)


_BANNER_KEYS = {
    "id": "str",
    "type": "str",
    "title": "str?",
    "content": "str",
    "dismissible": "bool",
    "timestamp": "int",
}


def plan_banners(profile: Profile, current: Any, given: Any, now: int | None = None) -> Plan:
    """``banners``: the whole list, matched by ``id``; a new banner is stamped with the current time."""
    del profile
    if not isinstance(given, list):
        raise ConfigError(f"banners: expected a list, got {type(given).__name__}")
    cur = current if isinstance(current, list) else []
    by_id = {b.get("id"): b for b in cur if isinstance(b, dict)}
    stamp = int(time.time()) if now is None else now
    body: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    for index, item in enumerate(given):
        where = f"banners[{index}]"
        if not isinstance(item, dict) or not item.get("id"):
            raise ConfigError(f"{where}: expected a dict with an 'id'")
        for key in item:
            if key not in _BANNER_KEYS:
                raise ConfigError(f"{where}: unknown key '{key}'; valid keys: {', '.join(sorted(_BANNER_KEYS))}")
        old = by_id.get(str(item["id"]), {})
        banner = {"type": "info", "title": "", "content": "", "dismissible": True, "timestamp": stamp}
        banner.update(old)
        view = {}
        for key, value in item.items():
            if value is None:
                continue
            banner[key] = coerce(_BANNER_KEYS[key], value, f"{where}.{key}")
            view[key] = banner[key]
        body.append(banner)
        after.append(view)
    keys_of = [set(v) for v in after]
    before = []
    for b in cur:
        if not isinstance(b, dict):
            continue
        wanted = next((k for k, v in zip(keys_of, after, strict=True) if v.get("id") == b.get("id")), {"id"})
        before.append({k: b.get(k) for k in _BANNER_KEYS if k in wanted or k in ("id",)})
    return Plan("banners", body, before, after)


_TOOL_SERVER_DEFAULTS: dict[str, Any] = {
    "path": "openapi.json",
    "type": "openapi",
    "auth_type": "bearer",
    "key": "",
    "config": {"enable": True, "access_control": None},
}
_TOOL_SERVER_TYPES = {
    "url": "str",
    "path": "str",
    "type": "str?",
    "auth_type": "str?",
    "forward_cookies": "bool",
    "headers": "any",
    "key": "str?",
    "config": "dict?",
    "info": "dict?",
}


def plan_tool_servers(profile: Profile, current: Any, given: Any) -> Plan:
    """``tool_servers``: the whole list of OpenAPI tool servers, matched by ``url``."""
    if not isinstance(given, list):
        raise ConfigError(f"tool_servers: expected a list, got {type(given).__name__}")
    cur = (current or {}).get("TOOL_SERVER_CONNECTIONS") if isinstance(current, dict) else None
    cur = cur if isinstance(cur, list) else []
    by_url = {c.get("url"): c for c in cur if isinstance(c, dict)}
    valid = profile.tool_server_fields
    body: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    before: list[dict[str, Any]] = []
    for index, item in enumerate(given):
        where = f"tool_servers[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise ConfigError(f"{where}: expected a dict with a 'url'")
        for key in item:
            if key not in valid:
                raise ConfigError(
                    f"{where}: unknown key '{key}' for Open WebUI {profile.reference}-compatible releases; "
                    f"valid keys: {', '.join(valid)}"
                )
        old = by_url.get(item["url"])
        conn = {k: copy.deepcopy(v) for k, v in _TOOL_SERVER_DEFAULTS.items() if k in valid}
        if old:
            conn.update(copy.deepcopy(old))
        view: dict[str, Any] = {}
        for key, value in item.items():
            if value is None:
                continue
            conn[key] = coerce(_TOOL_SERVER_TYPES[key], value, f"{where}.{key}")
            view[key] = conn[key]
        body.append({k: v for k, v in conn.items() if k in valid})
        after.append(view)
    for c in cur:
        if isinstance(c, dict):
            wanted = next((set(v) for v in after if v.get("url") == c.get("url")), {"url"})
            before.append({k: c.get(k) for k in wanted})
    return Plan("tool_servers", {"TOOL_SERVER_CONNECTIONS": body}, before, after)


# -- the run ------------------------------------------------------------------------


def _read(client: Client, profile: Profile, section: str) -> Any:
    path = profile.endpoints[section][0]
    try:
        return client.get(path)
    except EndpointMissing as exc:
        raise ConfigError(
            f"{section}: Open WebUI {client.version()} has no GET {path} ({exc}); "
            "this section is not available in this version"
        ) from None


def flatten_settings(options: dict[str, Any]) -> dict[str, Any]:
    """Module options -> {section: desired}; ``connections`` splits into ollama/openai."""
    settings: dict[str, Any] = {}
    connections = options.get("connections") or {}
    for kind in ("ollama", "openai"):
        if connections.get(kind) is not None:
            settings[kind] = {k: v for k, v in connections[kind].items() if v is not None}
    for section in ("auth", "models", "retrieval", "banners", "tool_servers", *FLAT_SECTIONS[2:]):
        if options.get(section) is not None:
            value = options[section]
            if isinstance(value, dict) and section == "models":
                value = {k: v for k, v in value.items() if v is not None}
            settings[section] = value
    return settings


def _public_name(section: str) -> str:
    return f"connections.{section}" if section in ("ollama", "openai") else section


def apply(
    client: Client,
    settings: dict[str, Any],
    check_mode: bool,
    now: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """Converge the given sections; return the module's result (without ``diff`` masking applied)."""
    version = client.version()
    profile = select_profile(version)
    validate_only(profile, settings)
    plans: list[Plan] = []
    for section in SECTION_ORDER:
        if section not in settings:
            continue
        given = settings[section]
        current = _read(client, profile, section)
        if section in ("ollama", "openai"):
            plan = plan_connections(section, current, given)
        elif section == "models":
            plan = plan_models(profile, current, given)
        elif section == "banners":
            plan = plan_banners(profile, current, given, now=now() if now else None)
        elif section == "tool_servers":
            plan = plan_tool_servers(profile, current, given)
        else:
            plan = plan_flat(profile, section, current, given)
        plans.append(plan)
    written: list[str] = []
    for plan in plans:
        if not plan.changed:
            continue
        written.append(plan.section)
        if check_mode:
            continue
        key = plan.section.split(".")[-1]
        path = profile.endpoints[key][1]
        body = {"banners": plan.body} if key == "banners" else plan.body
        try:
            client.post(path, body)
        except EndpointMissing as exc:
            raise ConfigError(f"{plan.section}: Open WebUI {version} cannot write it ({exc})") from None
    before = _nest({p.section: p.before for p in plans})
    after = _nest({p.section: p.after for p in plans})
    return {
        "changed": bool(written),
        "version": version,
        "profile": profile.reference,
        "sections_changed": written,
        "config": mask(after),
        "diff": {"before": mask(before), "after": mask(after)},
    }


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in flat.items():
        if name.startswith("connections."):
            out.setdefault("connections", {})[name.split(".", 1)[1]] = value
        else:
            out[name] = value
    return out
