# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a report's files (Markdown, HTML, JSON...) atomically, only those whose content differs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping


def write_reports(
    dest: str, contents: Mapping[str, str], check_mode: bool = False, *, names: Mapping[str, str]
) -> tuple[bool, dict[str, str]]:
    """Write each file (``names``: kind -> file name) whose content differs.

    Returns (changed, {kind: path}).
    """
    files = {kind: os.path.join(dest, name) for kind, name in names.items()}
    changed = False
    if not check_mode:
        os.makedirs(dest, exist_ok=True)
    for kind, path in files.items():
        text = contents[kind]
        try:
            with open(path, encoding="utf-8") as handle:
                if handle.read() == text:
                    continue
        except (FileNotFoundError, UnicodeDecodeError):
            pass
        changed = True
        if check_mode:
            continue
        fd, tmp = tempfile.mkstemp(dir=dest, prefix=".report-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return changed, files
