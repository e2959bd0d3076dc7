#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: openwebui_admin
short_description: Create Open WebUI's first admin, or verify an admin's credentials
version_added: 0.1.0
description:
  - On a fresh instance (no user yet; anonymous C(GET /api/config) reports C(onboarding)), creates the
    admin through C(POST /api/v1/auths/signup) - the first account always becomes admin - and returns
    its session token.
  - On an instance that has users, signs in with O(email) and O(password), checks that the account is an
    admin and returns the token. Nothing is changed, so the task is idempotent.
  - Never signs up a second account, so it is safe on 0.6.12, which closes signup after the first account,
    and on releases that keep it open.
  - With O(ensure_api_key=true), also returns the admin's API key, creating it when the account has none
    (needs C(ENABLE_API_KEYS) on 0.6.37 and later).
  - With O(api_key) instead of a password, an existing instance is verified with that key
    (C(GET /api/v1/auths/)); creating the first admin always needs O(email) and O(password).
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - aistack.baremetal.openwebui
options:
  name:
    description:
      - Display name of the admin when it is created.
    type: str
    default: Admin
  ensure_api_key:
    description:
      - Whether to return the admin's API key, creating it when the account has none.
    type: bool
    default: false
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
    details: On a fresh instance reports C(changed) and returns no token; otherwise signs in, which writes nothing.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) when in diff mode.
    support: none
notes:
  - On 0.6.x the first signup fails while C(ENABLE_SIGNUP) or C(ENABLE_LOGIN_FORM) is false, even on an
    empty database; run this module before disabling signup with M(aistack.baremetal.openwebui_config).
  - From 0.7.0, C(WEBUI_ADMIN_EMAIL) and C(WEBUI_ADMIN_PASSWORD) in the server's environment create the
    admin at start; this module then only verifies it.
seealso:
  - module: aistack.baremetal.openwebui_config
"""

EXAMPLES = r"""
- name: Create or verify the Open WebUI admin
  aistack.baremetal.openwebui_admin:
    url: http://127.0.0.1:8080
    email: admin@example.com
    password: "{{ vault_openwebui_admin_password }}"
    name: Platform admin
  register: __openwebui_admin
  no_log: true
  delegate_to: localhost

- name: Use its token for the settings
  aistack.baremetal.openwebui_config:
    url: http://127.0.0.1:8080
    api_key: "{{ __openwebui_admin.token }}"
    auth:
      enable_signup: false
  delegate_to: localhost
"""

RETURN = r"""
created:
  description: Whether the admin was created by this run (or would be, in check mode).
  returned: always
  type: bool
  sample: true
version:
  description: Version of the Open WebUI server.
  returned: always
  type: str
  sample: 0.6.12
user:
  description: The admin account.
  returned: always
  type: dict
  sample: {id: 2a3b..., email: admin@example.com, name: Admin, role: admin}
token:
  description: Session token (JWT) of the admin, for O(aistack.baremetal.openwebui_config#module:api_key).
  returned: unless a fresh instance in check mode
  type: str
  sample: eyJhbGciOi...
api_key:
  description: The admin's API key; V(null) in check mode when it would be created.
  returned: when O(ensure_api_key=true)
  type: str
  sample: sk-0123456789abcdef0123456789abcdef
requests:
  description: HTTP requests this run made.
  returned: always
  type: dict
  sample: {reads: 2, writes: 0, signins: 1, total: 3, write_requests: []}
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui import (
    CONNECTION_ARGUMENT_SPEC,
    Client,
    OpenWebUIError,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_admin import ensure_admin


def main() -> None:
    argument_spec: dict[str, Any] = dict(CONNECTION_ARGUMENT_SPEC)
    argument_spec.update(
        name={"type": "str", "default": "Admin"},
        ensure_api_key={"type": "bool", "default": False},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_together=[("email", "password")],
        required_one_of=[("password", "api_key")],
    )
    params = module.params
    client = Client.from_params(params)
    try:
        result = ensure_admin(client, params["name"], module.check_mode, api_key=params["ensure_api_key"])
    except OpenWebUIError as exc:
        module.fail_json(msg=str(exc), requests=client.report())
    result["requests"] = client.report()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
