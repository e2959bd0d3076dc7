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

# A number as JSON and Go print it: 8192, -1, 0.2, 1.048576e+06, .5
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
# Units of Go's time.ParseDuration, in seconds (both spellings of micro).
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART_RE = re.compile(r"(\d*)(?:\.(\d*))?([^0-9.]*)")
# Go's time.Duration is an int64 of nanoseconds.
_MAX_DURATION_SECONDS = (2**63 - 1) / 1e9


def go_duration_seconds(text: str) -> float | None:
    """Seconds of a Go duration (``[-+]?([0-9]*(\\.[0-9]*)?unit)+`` or ``0``), None when Go refuses it.

    The server reads a keep_alive string with Go's time.ParseDuration, so ``+5m``,
    ``.5h``, ``1h30m`` and ``1.5h`` are durations while ``300`` (no unit) is not.
    """
    rest = text
    sign = 1.0
    if rest[:1] in ("+", "-"):
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        return None
    total = 0.0
    while rest:
        match = _DURATION_PART_RE.match(rest)
        if match is None or match.end() == 0:
            return None
        whole, fraction, unit = match.groups()
        if (not whole and not fraction) or unit not in _UNIT_SECONDS:
            return None
        total += float("%s.%s" % (whole or "0", fraction or "0")) * _UNIT_SECONDS[unit]
        rest = rest[match.end() :]
    if total > _MAX_DURATION_SECONDS:
        return None
    return sign * total


def parse_keep_alive(value: t.Any) -> int | float | str | None:
    """Validate keep_alive the way Ollama accepts it; return what to send (None = server default).

    Numbers (and numeric strings, which the server itself would refuse) are sent
    as a JSON number of seconds; any other string must be a Go duration.
    """
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
    if go_duration_seconds(text) is not None:
        return text
    raise OllamaError(
        "keep_alive %r is not a duration (for example '30m', '24h', '1h30m', '.5h') or a number of seconds; "
        "negative means forever, 0 unloads" % (value,)
    )


def keep_alive_seconds(value: int | float | str | None) -> float | None:
    """Seconds for a parsed keep_alive (negative = forever); None when unset."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return go_duration_seconds(value)


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
    # /api/show prints numbers with Go's %#v of a float64: 8192, 0.2, 1.048576e+06.
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
