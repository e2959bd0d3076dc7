# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""keep_alive durations and model parameters as the Ollama API writes and accepts them.

Runs on the managed host: standard library plus ansible.module_utils only,
compatible with Python 3.8 (annotations are never evaluated at runtime).
"""

from __future__ import annotations

import json
import re
import typing as t

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_errors import OllamaError

# A keep_alive of "forever" shows an expires_at around year 2318.
FOREVER_YEAR = 2200

_DURATION_RE = re.compile(r"^-?(?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|ms|s|m|h))+$")
_NUMBER_RE = re.compile(r"^-?\d+(?:\.\d+)?$")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_keep_alive(value: t.Any) -> int | float | str | None:
    """Validate keep_alive the way Ollama accepts it; return what to send (None = server default)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise OllamaError("keep_alive must be a duration such as '10m' or a number of seconds, not a boolean")
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if _NUMBER_RE.match(text):
        number = float(text)
        return int(number) if number.is_integer() else number
    if _DURATION_RE.match(text):
        return text
    raise OllamaError(
        "keep_alive %r is not a duration (for example '30m', '24h', '1h30m') or a number of seconds; "
        "negative means forever, 0 unloads" % (value,)
    )


def keep_alive_seconds(value: int | float | str | None) -> float | None:
    """Seconds for a parsed keep_alive (negative = forever); None when unset."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    sign = -1.0 if value.startswith("-") else 1.0
    total = 0.0
    for amount, unit in re.findall(r"(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)", value):
        total += float(amount) * _UNIT_SECONDS[unit]
    return sign * total


def expires_forever(expires_at: str | None) -> bool:
    """True when an /api/ps expires_at is the far-future date of keep_alive < 0."""
    if not expires_at:
        return False
    try:
        return int(str(expires_at)[:4]) >= FOREVER_YEAR
    except ValueError:
        return False


def parse_parameters(text: str | None) -> dict[str, list[str]]:
    """Parse the ``parameters`` text of /api/show (``name value`` per line, repeated for stop)."""
    result: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        key, _sep, value = line.partition(" ")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            try:
                value = json.loads(value)
            except ValueError:
                value = value[1:-1]
        result.setdefault(key, []).append(value)
    return result


def _canonical_value(value: t.Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = float(value)
        return repr(int(number)) if number.is_integer() else repr(number)
    text = str(value)
    if _NUMBER_RE.match(text.strip()):
        return _canonical_value(float(text))
    if text.lower() in ("true", "false"):
        return text.lower()
    return text


def parameters_differ(wanted: dict[str, t.Any], current_text: str | None) -> dict[str, dict[str, t.Any]]:
    """Parameters asked for that /api/show reports differently: {name: {before, after}}."""
    current = parse_parameters(current_text)
    differences: dict[str, dict[str, t.Any]] = {}
    for key, value in sorted(wanted.items()):
        values = value if isinstance(value, (list, tuple)) else [value]
        want = [_canonical_value(item) for item in values]
        have = [_canonical_value(item) for item in current.get(key, [])]
        if sorted(want) != sorted(have):
            before: t.Any = current.get(key)
            if before is not None and len(before) == 1 and not isinstance(value, (list, tuple)):
                before = before[0]
            differences[key] = {"before": before, "after": value}
    return differences
