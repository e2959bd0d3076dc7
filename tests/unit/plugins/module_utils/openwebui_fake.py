"""An in-memory Open WebUI admin API, served through a patched open_url.

Not a copy of Open WebUI: it keeps one object per section, validates the
required body fields the real 0.6.12 / 0.11.0 / 0.12.4 endpoints require (422
otherwise) and records every request, so tests can assert what was written.
"""

from __future__ import annotations

import copy
import io
import json
from email.message import Message
from typing import Any
from urllib.error import HTTPError, URLError

ADMIN = {"email": "admin@example.com", "password": "S3cret!", "name": "Admin"}

_AUTH_06 = {
    "SHOW_ADMIN_DETAILS": True,
    "WEBUI_URL": "http://localhost:3000",
    "ENABLE_SIGNUP": False,
    "ENABLE_API_KEY": True,
    "ENABLE_API_KEY_ENDPOINT_RESTRICTIONS": False,
    "API_KEY_ALLOWED_ENDPOINTS": "",
    "DEFAULT_USER_ROLE": "pending",
    "JWT_EXPIRES_IN": "-1",
    "ENABLE_COMMUNITY_SHARING": True,
    "ENABLE_MESSAGE_RATING": True,
    "ENABLE_CHANNELS": False,
    "ENABLE_NOTES": True,
    "ENABLE_USER_WEBHOOKS": False,
    "PENDING_USER_OVERLAY_TITLE": "",
    "PENDING_USER_OVERLAY_CONTENT": "",
    "RESPONSE_WATERMARK": "",
}
_AUTH_12 = {
    **{k: v for k, v in _AUTH_06.items() if "API_KEY" not in k},
    "ENABLE_API_KEYS": False,
    "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS": False,
    "API_KEYS_ALLOWED_ENDPOINTS": "",
    "DEFAULT_GROUP_ID": "",
    "ENABLE_FOLDERS": True,
    "ENABLE_AUTOMATIONS": True,
    "ENABLE_CALENDAR": True,
    "ENABLE_MEMORIES": True,
    "ENABLE_MEMORY_SYSTEM_CONTEXT": True,
    "ENABLE_USER_STATUS": True,
    "ENABLE_MFA": False,
    "WEBUI_URL": "",
    "JWT_EXPIRES_IN": "4w",
}
# 0.11.x: the 0.12 settings without MFA (added in 0.12.0).
_AUTH_11 = {k: v for k, v in _AUTH_12.items() if k != "ENABLE_MFA"}


class FakeResponse:
    def __init__(self, body: bytes, ctype: str, status: int = 200) -> None:
        self._body = body
        self.status = status
        self.headers = Message()
        self.headers["Content-Type"] = ctype

    def read(self) -> bytes:
        return self._body


class FakeOpenWebUI:
    def __init__(self, version: str = "0.12.4", fresh: bool = False) -> None:
        self.version = version
        self.v06 = version.startswith("0.6.")
        self.users: list[dict[str, Any]] = [] if fresh else [dict(ADMIN, id="u1", role="admin")]
        self.token = "jwt-token"
        self.api_key: str | None = None
        self.down = False
        self.requests: list[tuple[str, str, Any]] = []
        self.state: dict[str, Any] = {
            "auth": copy.deepcopy(_AUTH_06 if self.v06 else _AUTH_11 if version.startswith("0.11.") else _AUTH_12),
            "ollama": {
                "ENABLE_OLLAMA_API": True,
                "OLLAMA_BASE_URLS": ["http://localhost:11434"],
                "OLLAMA_API_CONFIGS": {},
            },
            "openai": {
                "ENABLE_OPENAI_API": False,
                "OPENAI_API_BASE_URLS": ["https://api.openai.com/v1"],
                "OPENAI_API_KEYS": [""],
                "OPENAI_API_CONFIGS": {},
            },
            "models": {"DEFAULT_MODELS": None, "MODEL_ORDER_LIST": []}
            if self.v06
            else {
                "DEFAULT_MODELS": None,
                "DEFAULT_PINNED_MODELS": None,
                "MODEL_ORDER_LIST": [],
                "DEFAULT_MODEL_METADATA": {},
                "DEFAULT_MODEL_PARAMS": {},
            },
            "retrieval": {
                "status": True,
                "CHUNK_SIZE": 1000,
                "CHUNK_OVERLAP": 100,
                "FILE_MAX_SIZE": None,
                "FILE_MAX_COUNT": None,
                "RAG_RERANKING_MODEL": "",
                "RAG_TEMPLATE": "tmpl",
                "web": {
                    "ENABLE_WEB_SEARCH": False,
                    "WEB_SEARCH_ENGINE": "",
                    "SEARXNG_QUERY_URL": "",
                    "BRAVE_SEARCH_API_KEY": "",
                },
            },
            "banners": [],
            "tool_servers": {"TOOL_SERVER_CONNECTIONS": []},
            "tasks": {"TASK_MODEL": "", "ENABLE_TITLE_GENERATION": True},
        }

    # -- helpers -----------------------------------------------------------------
    @property
    def writes(self) -> list[str]:
        return [f"{m} {p}" for m, p, _body in self.requests if m != "GET" and not p.endswith("/signin")]

    def _json(self, data: Any) -> FakeResponse:
        return FakeResponse(json.dumps(data).encode(), "application/json")

    def _error(self, url: str, code: int, detail: Any) -> HTTPError:
        return HTTPError(url, code, "error", Message(), io.BytesIO(json.dumps({"detail": detail}).encode()))

    def _require(self, url: str, body: Any, fields: list[str]) -> None:
        missing = [f for f in fields if not isinstance(body, dict) or f not in body]
        if missing:
            raise self._error(url, 422, [{"loc": ["body", f], "msg": "Field required"} for f in missing])

    # -- the patched open_url ----------------------------------------------------
    def __call__(self, url: str, method: str = "GET", data: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        if self.down:
            raise URLError("[Errno 111] Connection refused")
        path = url.split("://", 1)[1]
        path = path[path.index("/") :]
        body = json.loads(data) if data else None
        self.requests.append((method, path, body))
        auth = (headers or {}).get("Authorization", "")
        route = (method, path)
        if route == ("GET", "/api/version"):
            return self._json({"version": self.version})
        if route == ("GET", "/api/config"):
            return self._json({"status": True, "onboarding": not self.users})
        if route == ("POST", "/api/v1/auths/signup"):
            if self.users and self.v06:
                raise self._error(url, 403, "You do not have permission to access this resource.")
            role = "admin" if not self.users else "pending"
            user = {"id": f"u{len(self.users) + 1}", "role": role, **body}
            self.users.append(user)
            return self._json({"token": self.token, **{k: user[k] for k in ("id", "email", "name", "role")}})
        if route == ("POST", "/api/v1/auths/signin"):
            for user in self.users:
                if user["email"] == body["email"].lower() and user["password"] == body["password"]:
                    return self._json({"token": self.token, **{k: user[k] for k in ("id", "email", "name", "role")}})
            raise self._error(url, 400, "The email or password provided is incorrect.")
        if auth not in (f"Bearer {self.token}", f"Bearer {self.api_key}") or not self.users:
            raise self._error(url, 403 if self.v06 else 401, "Not authenticated")
        if route == ("GET", "/api/v1/auths/"):
            u = self.users[0]
            return self._json({k: u[k] for k in ("id", "email", "name", "role")})
        if route == ("GET", "/api/v1/auths/api_key"):
            if not self.api_key:
                raise self._error(url, 404, "API key not found")
            return self._json({"api_key": self.api_key})
        if route == ("POST", "/api/v1/auths/api_key"):
            self.api_key = "sk-0123"
            return self._json({"api_key": self.api_key})
        sections = {
            "/api/v1/auths/admin/config": ("auth", "/api/v1/auths/admin/config"),
            "/ollama/config": ("ollama", "/ollama/config/update"),
            "/openai/config": ("openai", "/openai/config/update"),
            "/api/v1/configs/models": ("models", "/api/v1/configs/models"),
            "/api/v1/retrieval/config": ("retrieval", "/api/v1/retrieval/config/update"),
            "/api/v1/configs/banners": ("banners", "/api/v1/configs/banners"),
            "/api/v1/configs/tool_servers": ("tool_servers", "/api/v1/configs/tool_servers"),
            "/api/v1/tasks/config": ("tasks", "/api/v1/tasks/config/update"),
        }
        if method == "GET" and path in sections:
            return self._json(self.state[sections[path][0]])
        for name, write in sections.values():
            if method == "POST" and path == write:
                return self._write(url, name, body)
        if method == "GET":
            # the SPA answers every unknown GET path
            return FakeResponse(b"<!doctype html><html></html>", "text/html; charset=utf-8")
        raise self._error(url, 404, "Not Found")

    def _write(self, url: str, name: str, body: Any) -> FakeResponse:
        if name == "auth":
            self._require(
                url, body, [k for k in self.state["auth"] if not k.startswith("PENDING") and k != "RESPONSE_WATERMARK"]
            )
            self.state["auth"].update(body)
        elif name == "models":
            self._require(
                url, body, ["DEFAULT_MODELS", "MODEL_ORDER_LIST"] + ([] if self.v06 else ["DEFAULT_PINNED_MODELS"])
            )
            self.state["models"].update(body)
        elif name == "ollama":
            self._require(url, body, ["OLLAMA_BASE_URLS", "OLLAMA_API_CONFIGS"])
            n = len(body["OLLAMA_BASE_URLS"])
            body["OLLAMA_API_CONFIGS"] = {k: v for k, v in body["OLLAMA_API_CONFIGS"].items() if int(k) < n}
            self.state["ollama"] = body
        elif name == "openai":
            self._require(url, body, ["OPENAI_API_BASE_URLS", "OPENAI_API_KEYS", "OPENAI_API_CONFIGS"])
            self.state["openai"] = body
        elif name == "retrieval":
            if self.v06 and "RAG_RERANKING_MODEL" not in body:
                body["RAG_RERANKING_MODEL"] = None  # the 0.6.12 trap
            web = body.pop("web", None)
            self.state["retrieval"].update(body)
            if web is not None:
                self.state["retrieval"]["web"] = web if self.v06 else {**self.state["retrieval"]["web"], **web}
        elif name == "banners":
            self._require(url, body, ["banners"])
            self.state["banners"] = body["banners"]
        elif name == "tool_servers":
            self._require(url, body, ["TOOL_SERVER_CONNECTIONS"])
            self.state["tool_servers"] = body
        else:
            self.state[name].update(body)
        return self._json({"status": True})
