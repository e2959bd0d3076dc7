"""Unit tests for plugins/module_utils/_ollama_values.py: keep_alive and model parameters."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama_errors as e
from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama_values as v

# -- keep_alive and parameters -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "sent", "seconds"),
    [
        (None, None, None),
        (-1, -1, -1.0),
        ("-1", -1, -1.0),
        ("10m", "10m", 600.0),
        ("1h30m", "1h30m", 5400.0),
        (300, 300, 300.0),
        ("0", 0, 0.0),
        ("-1s", "-1s", -1.0),
        ("+5m", "+5m", 300.0),
        (".5h", ".5h", 1800.0),
        ("1.5h", "1.5h", 5400.0),
        ("5.m", "5.m", 300.0),
        ("0", 0, 0.0),
        ("1500ms", "1500ms", 1.5),
        ("300", 300, 300.0),
        ("2.5", 2.5, 2.5),
    ],
)
def test_keep_alive(value: Any, sent: Any, seconds: float | None) -> None:
    assert v.parse_keep_alive(value) == sent
    assert v.keep_alive_seconds(v.parse_keep_alive(value)) == seconds


@pytest.mark.parametrize("value", ["soon", "10 minutes", True, "5d", ".m", "1h30", "+", "m5", "3000000h"])
def test_keep_alive_invalid(value: Any) -> None:
    with pytest.raises(e.OllamaError, match="keep_alive"):
        v.parse_keep_alive(value)


def test_expires_forever() -> None:
    assert v.expires_forever("2318-05-02T10:21:31.123456789+02:00")
    assert not v.expires_forever("2026-05-02T10:21:31Z")
    assert not v.expires_forever(None)


SHOW_PARAMETERS = "\n".join(
    [
        "num_ctx                        4096",
        'stop                           "<|eot_id|>"',
        'stop                           "<|start_header_id|>"',
        "temperature                    0.7",
    ]
)


def test_parse_parameters() -> None:
    assert v.parse_parameters(SHOW_PARAMETERS) == {
        "num_ctx": ["4096"],
        "stop": ["<|eot_id|>", "<|start_header_id|>"],
        "temperature": ["0.7"],
    }


def test_parameters_differ_compares_only_what_is_asked() -> None:
    assert v.parameters_differ({"num_ctx": 4096, "temperature": 0.7}, SHOW_PARAMETERS) == {}
    assert v.parameters_differ({"stop": ["<|start_header_id|>", "<|eot_id|>"]}, SHOW_PARAMETERS) == {}
    diff = v.parameters_differ({"num_ctx": 8192, "top_k": 20}, SHOW_PARAMETERS)
    assert diff == {"num_ctx": {"before": "4096", "after": 8192}, "top_k": {"before": None, "after": 20}}


def test_parameters_printed_by_go_compare_numerically() -> None:
    shown = "\n".join(["num_ctx%s1.048576e+06" % (" " * 24), "temperature%s0.2" % (" " * 20), "top_k%s40" % (" " * 26)])
    assert v.parameters_differ({"num_ctx": 1048576, "temperature": 0.2, "top_k": "40"}, shown) == {}
    assert v.parameters_differ({"num_ctx": 1048577}, shown) == {"num_ctx": {"before": "1.048576e+06", "after": 1048577}}
