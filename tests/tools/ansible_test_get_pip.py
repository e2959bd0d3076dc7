"""Stand-in for the pip bootstrap script ansible-test downloads.

ansible-test bootstraps pip into each virtual environment it creates by running
``get-pip-<version>.py`` from ci-files.testing.ansible.com, which this project's
machines cannot reach. It looks for a cached copy at
``~/.ansible/test/cache/get_pip_<version>.py`` first; the test tiers place this
file there. It does the same job with the standard library: ``ensurepip``
installs the pip bundled with the interpreter, which then installs the pinned
pip (and any other packages ansible-test asks for) from the package index.
Arguments are those ansible-test passes to get-pip: pip options and
requirement specifiers, plus ``--no-setuptools`` / ``--no-wheel``.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys


def main(argv: list[str]) -> int:
    args = [a for a in argv if a not in ("--no-setuptools", "--no-wheel")]
    # ensurepip sets PIP_CONFIG_FILE=/dev/null in os.environ; the second pip
    # must see the machine's pip configuration (index, certificates) again.
    env = dict(os.environ)
    ensurepip.bootstrap(upgrade=False)
    return subprocess.call([sys.executable, "-m", "pip", "install", *args], env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
