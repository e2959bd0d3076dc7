"""Check that every role's meta/argument_specs.yml lists exactly the variables in defaults/main.yml.

Also checks that every variable is prefixed with the role name, that the spec
gives each option a description, and that a default written in the spec (when
the spec writes one) equals the one in defaults/main.yml.
Exit 1 with one line per problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def check_role(role: Path) -> list[str]:
    problems: list[str] = []
    defaults_file = role / "defaults" / "main.yml"
    spec_file = role / "meta" / "argument_specs.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else {}
    defaults = defaults or {}
    if not spec_file.exists():
        if defaults:
            problems.append(f"{role.name}: defaults/main.yml exists but meta/argument_specs.yml is missing")
        return problems
    spec = yaml.safe_load(spec_file.read_text()) or {}
    entry = (spec.get("argument_specs") or {}).get("main")
    if entry is None:
        return [f"{role.name}: meta/argument_specs.yml has no 'main' entry point"]
    options = entry.get("options") or {}
    for name in sorted(set(defaults) - set(options)):
        problems.append(f"{role.name}: '{name}' is in defaults/main.yml but not in meta/argument_specs.yml")
    for name in sorted(set(options) - set(defaults)):
        if not options[name].get("required", False):
            problems.append(f"{role.name}: '{name}' is in meta/argument_specs.yml but not in defaults/main.yml")
    for name, opt in options.items():
        if not name.startswith(f"{role.name}_"):
            problems.append(f"{role.name}: '{name}' is not prefixed with the role name")
        if not opt.get("description"):
            problems.append(f"{role.name}: '{name}' has no description in meta/argument_specs.yml")
        if "default" in opt and name in defaults and opt["default"] != defaults[name]:
            problems.append(
                f"{role.name}: '{name}' default differs: spec {opt['default']!r} vs defaults {defaults[name]!r}"
            )
    return problems


def main(argv: list[str]) -> int:
    roles_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "roles"
    problems: list[str] = []
    roles = sorted(p for p in roles_dir.iterdir() if p.is_dir())
    for role in roles:
        problems.extend(check_role(role))
    for line in problems:
        print(line)
    print(f"argument_specs check: {len(roles)} roles, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
