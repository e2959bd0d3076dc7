# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of the aistack.baremetal Ollama helpers; ``str()`` of each is a user-facing message.

Runs on the managed host: standard library plus ansible.module_utils only,
compatible with Python 3.8 (annotations are never evaluated at runtime).
"""

from __future__ import annotations


class OllamaError(Exception):
    """Base error; ``str()`` is a complete, user-facing message."""


class OllamaNameError(OllamaError):
    """A model name Ollama would reject."""


class OllamaConnectionError(OllamaError):
    """The server could not be reached at all (refused, unknown host)."""


class OllamaTransientError(OllamaError):
    """A failure worth retrying: dropped connection, timeout, 5xx, truncated stream."""


class OllamaAPIError(OllamaError):
    """The server answered with an error status."""

    def __init__(self, message: str, url: str, status: int, server_message: str) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.server_message = server_message


class OllamaStreamError(OllamaError):
    """An ``{"error": ...}`` line inside an NDJSON stream (disk full, unknown model...)."""

    def __init__(self, message: str, server_message: str) -> None:
        super().__init__(message)
        self.server_message = server_message


class OllamaProtocolError(OllamaError):
    """The server sent something that is not the Ollama API."""


def describe(exc: BaseException) -> str:
    """Short text for a socket or URL error (its reason when it has one)."""
    reason = getattr(exc, "reason", None)
    if reason is not None and reason is not exc:
        return str(reason)
    text = str(exc)
    return text or exc.__class__.__name__
