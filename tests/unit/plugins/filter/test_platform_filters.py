"""The platform filters: errors become filter errors naming the variable; output is plain data."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.filter.platform import FilterModule

FILTERS = FilterModule().filters()
SOURCE = {"repo": "https://charts.jetstack.io", "chart": "cert-manager", "version": "v1.21.1"}


def test_every_filter_has_a_documentation_file() -> None:
    import importlib
    from pathlib import Path

    here = Path(__file__).resolve().parents[4] / "plugins" / "filter"
    names: set[str] = set()
    for module in sorted(p.stem for p in here.glob("*.py")):
        plugin = importlib.import_module(f"ansible_collections.aistack.baremetal.plugins.filter.{module}")
        names |= set(plugin.FilterModule().filters())
    assert sorted(p.stem for p in here.glob("*.yml")) == sorted(names)


def test_values_to_helmchart_to_manifest() -> None:
    inputs = {
        "controller": "ingress-nginx",
        "namespace": "ingress-nginx",
        "body_size_mb": 5120,
        "timeout_seconds": 3600,
        "default_tls_secret": "aistack-default-tls",
    }
    values = FILTERS["platform_values"](inputs, "ingress")
    chart = FILTERS["helmchart"](
        values,
        "ingress-nginx",
        source={"repo": "https://kubernetes.github.io/ingress-nginx", "chart": "ingress-nginx", "version": "4.15.1"},
        target_namespace="ingress-nginx",
    )
    text = FILTERS["k3s_manifest"]([chart])
    (doc,) = yaml.safe_load_all(text)
    assert yaml.safe_load(doc["spec"]["valuesContent"]) == values


def test_errors_name_the_variable() -> None:
    with pytest.raises(AnsibleFilterError, match=r"cert_manager_chart\.version"):
        FILTERS["chart_source"]({**SOURCE, "version": "main"}, "cert_manager_chart")
    with pytest.raises(AnsibleFilterError, match="ingress_controller"):
        FILTERS["platform_values"]({"controller": "envoy"}, "ingress")
    with pytest.raises(AnsibleFilterError, match="no builder for 'grafana'"):
        FILTERS["platform_values"]({}, "grafana")
