# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by the aistack.baremetal Ollama modules."""

from __future__ import annotations


class ModuleDocFragment:
    # Shared connection options; set them once per play with
    # module_defaults: {group/aistack.baremetal.ollama: {...}}.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Ollama API, without C(/api).
    type: str
    default: http://127.0.0.1:11434
  token:
    description:
      - Bearer token sent as C(Authorization) header, for an Ollama behind an authenticating proxy.
    type: str
  headers:
    description:
      - Extra HTTP headers sent with every request (for example a proxy's API key).
      - Values are not logged.
    type: dict
    default: {}
  validate_certs:
    description:
      - Verify the server's TLS certificate when O(url) is C(https).
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for an answer to a plain API request (not pulls or loads, see the module's options).
    type: int
    default: 30
"""

    ATTRIBUTES = r"""
attributes:
  action_group:
    description: Use C(group/aistack.baremetal.ollama) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - aistack.baremetal.ollama
"""
