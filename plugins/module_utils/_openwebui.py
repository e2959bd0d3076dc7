# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client for the Open WebUI admin API, shared by the openwebui_* modules.

Private to this collection. Stdlib and ansible.module_utils only: it runs on
the managed host (or on the controller with ``delegate_to: localhost``).

The client signs in at most once per run (newer releases rate-limit sign-ins,
15 per e-mail per 180 s), counts every request it makes so a module can
report how many reads and writes a run cost, and turns an HTML answer to a
JSON endpoint (the single-page app that Open WebUI serves for unknown GET
paths) into :class:`EndpointMissing` instead of treating it as data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.error import HTTPError, URLError

from ansible.module_utils.urls import open_url

# Options every openwebui_* module accepts; documented once in the
# aistack.baremetal.openwebui doc fragment and set once per play through the
# aistack.baremetal.openwebui action group.
CONNECTION_ARGUMENT_SPEC: dict[str, Any] = {
    "url": {"type": "str", "required": True},
    "email": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "api_key": {"type": "str", "no_log": True},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 30},
}

Opener = Callable[..., Any]


class OpenWebUIError(Exception):
    """An API call failed; the message names the request, status and server message."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class EndpointMissing(OpenWebUIError):
    """The server has no such endpoint (404/405 or the SPA's HTML page)."""


class AuthenticationFailed(OpenWebUIError):
    """Sign-in or the API key was refused."""


def parse_version(text: str) -> tuple[int, int, int]:
    """``"0.6.12"`` -> ``(0, 6, 12)``; pre-release suffixes are ignored."""
    match = re.match(r"^\s*v?(\d+)\.(\d+)\.(\d+)", text or "")
    if not match:
        raise OpenWebUIError(f"cannot parse Open WebUI version {text!r}")
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def _server_message(raw: bytes | str | None) -> str:
    """The ``detail`` of a FastAPI error body, else the body itself (shortened)."""
    if raw is None:
        return ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        if isinstance(detail, list):
            # Pydantic validation errors: [{"loc": [...], "msg": "..."}]
            parts = []
            for item in detail:
                if isinstance(item, dict):
                    loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                    parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
                else:
                    parts.append(str(item))
            return "; ".join(parts)
        return str(detail)
    text = " ".join(text.split())
    return text[:300]


class Client:
    """One Open WebUI instance, authenticated lazily, with request counters."""

    def __init__(
        self,
        url: str,
        *,
        email: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        token: str | None = None,
        validate_certs: bool = True,
        timeout: int = 30,
        opener: Opener | None = None,
    ) -> None:
        self.base_url = url.rstrip("/")
        self.email = email
        self.password = password
        self.api_key = api_key
        # An API key is used as given; otherwise the first request signs in.
        self.token = token or api_key
        self.validate_certs = validate_certs
        self.timeout = timeout
        self._open = opener
        self.counts: dict[str, int] = {"reads": 0, "writes": 0, "signins": 0}
        self.writes: list[str] = []
        self._version: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Client:
        """Build a client from a module's CONNECTION_ARGUMENT_SPEC options."""
        return cls(
            params["url"],
            email=params["email"],
            password=params["password"],
            api_key=params["api_key"],
            validate_certs=params["validate_certs"],
            timeout=params["timeout"],
        )

    # -- low level -----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        count_as: str | None = None,
    ) -> Any:
        """Send one request and return the decoded JSON answer.

        Raises EndpointMissing for 404/405 and for non-JSON answers,
        AuthenticationFailed for 401/403, OpenWebUIError for anything else.
        """
        url = self.base_url + path
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = "Bearer " + self._bearer()
        kind = count_as or ("reads" if method == "GET" else "writes")
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind == "writes":
            self.writes.append(f"{method} {path}")
        where = f"{method} {url}"
        try:
            # Looked up per call so tests can patch open_url in this module.
            resp = (self._open or open_url)(
                url,
                method=method,
                data=data,
                headers=headers,
                validate_certs=self.validate_certs,
                timeout=self.timeout,
                follow_redirects="safe",
            )
        except HTTPError as exc:
            try:
                raw = exc.read()
            except Exception:  # pragma: no cover - a body that cannot be read
                raw = None
            message = _server_message(raw) or str(exc.reason)
            text = f"{where} failed: HTTP {exc.code}: {message}"
            if exc.code in (404, 405):
                raise EndpointMissing(text, exc.code) from None
            if exc.code in (401, 403):
                raise AuthenticationFailed(text, exc.code) from None
            raise OpenWebUIError(text, exc.code) from None
        except URLError as exc:
            raise OpenWebUIError(f"{where} failed: cannot reach the server: {exc.reason}") from None
        except OSError as exc:  # timeouts, resets
            raise OpenWebUIError(f"{where} failed: {exc}") from None
        raw = resp.read()
        ctype = ""
        info = getattr(resp, "headers", None)
        if info is not None:
            ctype = str(info.get("Content-Type") or "")
        if "json" not in ctype.lower():
            # Open WebUI answers unknown GET paths with its SPA's index.html (200).
            raise EndpointMissing(
                f"{where} answered {ctype or 'no content type'} instead of JSON: "
                "this Open WebUI version has no such endpoint",
                getattr(resp, "status", None),
            )
        try:
            return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        except ValueError as exc:
            raise OpenWebUIError(f"{where} answered invalid JSON: {exc}") from None

    def get(self, path: str, *, auth: bool = True) -> Any:
        return self.request("GET", path, auth=auth)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    # -- identity ------------------------------------------------------------------

    def version(self) -> str:
        """The server's version from the unauthenticated ``GET /api/version``."""
        if self._version is None:
            data = self.get("/api/version", auth=False)
            if not isinstance(data, dict) or not isinstance(data.get("version"), str):
                raise OpenWebUIError(f"GET {self.base_url}/api/version answered {data!r}, not a version")
            self._version = data["version"]
        return self._version

    def signin(self) -> dict[str, Any]:
        """``POST /api/v1/auths/signin``; stores the token and returns the session user."""
        if not self.email or not self.password:
            raise AuthenticationFailed("set api_key, or email and password, to authenticate to Open WebUI")
        try:
            data = self.request(
                "POST",
                "/api/v1/auths/signin",
                {"email": self.email, "password": self.password},
                auth=False,
                count_as="signins",
            )
        except OpenWebUIError as exc:
            # 0.12 answers a wrong password with 400, 0.6 with 400 too; 401/403 are covered above.
            if exc.status in (400, 401, 403, 422):
                raise AuthenticationFailed(str(exc), exc.status) from None
            raise
        if not isinstance(data, dict) or not data.get("token"):
            step = data.get("next_step") if isinstance(data, dict) else None
            if step:
                raise AuthenticationFailed(
                    f"POST {self.base_url}/api/v1/auths/signin asks for a second factor ({step}); "
                    "use an api_key for this account"
                )
            raise AuthenticationFailed(f"POST {self.base_url}/api/v1/auths/signin returned no token")
        self.token = str(data["token"])
        return data

    def _bearer(self) -> str:
        if not self.token:
            self.signin()
        if not self.token:  # pragma: no cover - signin() raises instead
            raise AuthenticationFailed("no token after sign-in")
        return self.token

    def whoami(self) -> dict[str, Any]:
        """The authenticated user (``GET /api/v1/auths/``)."""
        data = self.get("/api/v1/auths/")
        if not isinstance(data, dict):
            raise OpenWebUIError(f"GET {self.base_url}/api/v1/auths/ answered {data!r}")
        return data

    def report(self) -> dict[str, Any]:
        """The request counters as the modules return them."""
        total = sum(self.counts.values())
        return {**self.counts, "total": total, "write_requests": list(self.writes)}
