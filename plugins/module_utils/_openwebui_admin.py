# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""First-admin bootstrap behind aistack.baremetal.openwebui_admin.

A fresh instance (anonymous ``GET /api/config`` says ``onboarding: true``,
meaning no user exists) gets its admin through ``POST /api/v1/auths/signup``:
the first account becomes admin. On an instance with users, the same
credentials are verified by signing in, and the account must be an admin.
Nothing here ever signs up a second account, so it is safe on 0.6.12, where
signup closes after the first account, and on releases where it stays open.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui import (
    AuthenticationFailed,
    Client,
    EndpointMissing,
    OpenWebUIError,
)


def is_fresh(client: Client) -> bool:
    """True while the instance has no user at all (``onboarding`` in ``/api/config``)."""
    data = client.get("/api/config", auth=False)
    return isinstance(data, dict) and bool(data.get("onboarding"))


def _user_view(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in ("id", "email", "name", "role")}


def ensure_admin(
    client: Client,
    name: str,
    check_mode: bool,
    api_key: bool = False,
) -> dict[str, Any]:
    """Create the first admin on a fresh instance, or verify the given admin exists.

    Returns the module result: changed, created, user, token and (when
    ``api_key``) the account's API key, created when missing.
    """
    version = client.version()
    email = client.email
    result: dict[str, Any] = {"changed": False, "created": False, "version": version}
    if is_fresh(client):
        if not email or not client.password:
            raise AuthenticationFailed(
                f"{client.base_url} has no user yet: creating the first admin needs email and password"
            )
        if check_mode:
            result.update(changed=True, created=True, user={"email": email.lower(), "name": name, "role": "admin"})
            return result
        try:
            data = client.request(
                "POST",
                "/api/v1/auths/signup",
                {"name": name, "email": email, "password": client.password},
                auth=False,
            )
        except AuthenticationFailed as exc:
            raise OpenWebUIError(
                f"{exc} - the instance has no user yet but refuses signup; on 0.6.x this happens when "
                "ENABLE_SIGNUP or ENABLE_LOGIN_FORM is false (start it once with signup enabled, or set "
                "ENABLE_INITIAL_ADMIN_SIGNUP=true on 0.6.26 and later)",
                exc.status,
            ) from None
        if not isinstance(data, dict) or not data.get("token"):
            raise OpenWebUIError(f"POST {client.base_url}/api/v1/auths/signup returned no token: {data!r}")
        if data.get("role") != "admin":
            raise OpenWebUIError(
                f"POST {client.base_url}/api/v1/auths/signup created {email} with role "
                f"{data.get('role')!r}, not admin: another account was created first"
            )
        client.token = str(data["token"])
        result.update(changed=True, created=True, user=_user_view(data), token=client.token)
    else:
        # A password signs in (and yields a token); an API key is checked as it is.
        data = client.signin() if client.password else client.whoami()
        if data.get("role") != "admin":
            raise OpenWebUIError(
                f"{data.get('email', email)} authenticated to {client.base_url} but has role "
                f"{data.get('role')!r}, not admin"
            )
        result.update(user=_user_view(data), token=client.token)
    if api_key:
        key = _ensure_api_key(client, check_mode)
        result["api_key"] = key["api_key"]
        result["changed"] = result["changed"] or key["changed"]
    return result


def _ensure_api_key(client: Client, check_mode: bool) -> dict[str, Any]:
    """The account's API key, created when it has none."""
    try:
        data = client.get("/api/v1/auths/api_key")
        if isinstance(data, dict) and data.get("api_key"):
            return {"changed": False, "api_key": data["api_key"]}
    except EndpointMissing:
        pass  # 404: no key yet
    if check_mode:
        return {"changed": True, "api_key": None}
    data = client.post("/api/v1/auths/api_key", {})
    if not isinstance(data, dict) or not data.get("api_key"):
        raise OpenWebUIError(f"POST {client.base_url}/api/v1/auths/api_key returned no key: {data!r}")
    return {"changed": True, "api_key": data["api_key"]}
