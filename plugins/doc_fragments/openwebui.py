# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by the openwebui_* modules (action group aistack.baremetal.openwebui)."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Open WebUI instance, without the C(/api) suffix, for example V(http://127.0.0.1:8080).
    type: str
    required: true
  email:
    description:
      - E-mail of an admin account. With O(password), the module signs in once per task
        (C(POST /api/v1/auths/signin)) and uses the session token for every request.
      - Open WebUI from about 0.6.43 allows 15 sign-ins per e-mail every 180 seconds; prefer O(api_key)
        for long playbooks.
    type: str
  password:
    description:
      - Password of O(email).
    type: str
  api_key:
    description:
      - An admin's API key (C(sk-...)) or a session token, sent as a bearer token in the C(Authorization) header.
      - Takes precedence over O(email) and O(password). Open WebUI 0.6.37 and later accept API keys only
        when C(ENABLE_API_KEYS) is true.
    type: str
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP request.
    type: int
    default: 30
notes:
  - All options above can be set once per play with C(module_defaults) for the action group
    C(group/aistack.baremetal.openwebui).
  - The module talks to Open WebUI over HTTP from where it runs; use C(delegate_to) when the controller,
    not the managed host, reaches the instance.
"""
