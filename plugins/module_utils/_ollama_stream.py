# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NDJSON streams (pull, create progress) read one line at a time.

Runs on the managed host: standard library plus ansible.module_utils only,
compatible with Python 3.8 (annotations are never evaluated at runtime).
"""

from __future__ import annotations

import json
import typing as t
from http.client import HTTPException

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import (
    OllamaProtocolError,
    OllamaTransientError,
    describe,
)

# Longest NDJSON line accepted; real progress lines are about 150 bytes.
MAX_LINE = 1 << 20


class _Readable(t.Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def iter_ndjson(stream: _Readable, max_line: int = MAX_LINE) -> t.Iterator[dict[str, t.Any]]:
    """Yield one JSON object per line, reading a line at a time.

    A last line without its newline that is not valid JSON means the connection
    was cut mid-line: that is an OllamaTransientError, as is a socket failure
    while reading. Anything else that is not a JSON object is a protocol error.
    """
    while True:
        try:
            line = stream.readline(max_line + 1)
        except (HTTPException, OSError, ValueError) as exc:
            raise OllamaTransientError("connection lost while reading the stream: %s" % describe(exc)) from exc
        if not line:
            return
        complete = line.endswith(b"\n")
        if len(line) > max_line and not complete:
            raise OllamaProtocolError("stream line longer than %d bytes" % max_line)
        line = line.strip()
        if not line:
            continue
        try:
            item = json.loads(line.decode("utf-8"))
        except ValueError as exc:
            if not complete:
                raise OllamaTransientError("stream cut off in the middle of a line") from exc
            raise OllamaProtocolError("stream line is not JSON: %r" % line[:200]) from exc
        if not isinstance(item, dict):
            raise OllamaProtocolError("stream line is not a JSON object: %r" % line[:200])
        yield item
