# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open WebUI's database as a backup sees it: where it is, how to copy it, how to put a copy back.

Private to this collection; used by ``_openwebui_backup``. The SQLite file
(``webui.db`` in ``DATA_DIR``, or a ``sqlite:///`` URL) is copied with
SQLite's online backup API (``sqlite3.Connection.backup``), which takes a
single point-in-time state even while Open WebUI writes to it, checked with
``PRAGMA integrity_check``; it is restored by renaming the staged copy into
place. A PostgreSQL ``DATABASE_URL`` goes through ``_openwebui_backup_pg``.
Both engines answer the same calls (``check``, ``snapshot``, ``target``,
``matches``, ``holders``, ``apply``), so the backup and restore steps do
not depend on the engine.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any
from urllib.parse import unquote, urlsplit

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_store import hash_file
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup_pg import (
    DUMP_NAME,
    Postgres,
    PostgresError,
    Runner,
)

DB_SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup or restore step failed; nothing was replaced."""


def is_postgres(database_url: str | None) -> bool:
    return bool(database_url) and str(database_url).split(":", 1)[0].lower().startswith("postgres")


def database_path(data_dir: str, database_url: str | None) -> str:
    """The SQLite file of an instance; fails for other engines (PostgreSQL goes through ``database``)."""
    if not database_url:
        return os.path.join(data_dir, "webui.db")
    scheme = database_url.split(":", 1)[0].lower()
    if not scheme.startswith("sqlite"):
        raise BackupError(f"database_url scheme {scheme!r} is not supported (sqlite:/// and postgresql:// URLs are)")
    # sqlite:///relative/path, sqlite:////absolute/path (SQLAlchemy)
    path = unquote(urlsplit(database_url).path)
    if path.startswith("//"):
        path = path[1:]
    elif path.startswith("/"):
        path = path[1:]
        path = path if os.path.isabs(path) else os.path.join(data_dir, path)
    if not path:
        raise BackupError(f"database_url {database_url!r} names no database file")
    return path


class Sqlite:
    """The SQLite database file: online backup API copy, restored by renaming."""

    engine = "sqlite"

    def __init__(self, data_dir: str, database_url: str | None) -> None:
        self.path = database_path(data_dir, database_url)
        self.rel = safe_relpath(os.path.relpath(self.path, data_dir)) if inside(self.path, data_dir) else "webui.db"
        self.where = self.path

    def check(self) -> None:
        if not os.path.isfile(self.path):
            raise BackupError(f"database {self.path} does not exist (is data_dir right?)")

    def snapshot(self, work: str) -> tuple[str, dict[str, Any]]:
        snap = os.path.join(work, "webui.db")
        snapshot_database(self.path, snap)
        return snap, {"engine": self.engine, "path": self.rel}

    def target(self, data_dir: str, rel: str) -> str:
        return os.path.join(data_dir, rel) if rel != "webui.db" else self.path

    def matches(self, target: str, entry: dict[str, Any], db_doc: dict[str, Any], work: str) -> bool:
        if not os.path.isfile(target) or sha256_file(target)[0] != entry["sha256"]:
            return False
        wal = target + "-wal"
        return not (os.path.exists(wal) and os.path.getsize(wal) > 0)

    def holders(self, target: str) -> list[str]:
        return [f"pid {pid} has {target} open" for pid in processes_using(target)]

    def apply(self, staged: str, target: str, aside: str | None) -> bool:
        moved = False
        for suffix in ("", *DB_SIDE_FILES):
            if os.path.exists(target + suffix):
                if aside:
                    os.replace(target + suffix, os.path.join(aside, os.path.basename(target) + suffix))
                else:
                    os.unlink(target + suffix)
                moved = True
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(staged, target)
        return moved


class Postgresql:
    """A PostgreSQL database: pg_dump custom format, restored with pg_restore in one transaction."""

    engine = "postgresql"
    rel = DUMP_NAME

    def __init__(self, database_url: str, run: Runner | None) -> None:
        try:
            self.pg = Postgres(database_url, run)
        except PostgresError as exc:
            raise BackupError(str(exc)) from None
        self.where: str = self.pg.conn.where

    def check(self) -> None:
        """pg_dump itself says when the server or the database is not there."""

    def snapshot(self, work: str) -> tuple[str, dict[str, Any]]:
        dump = os.path.join(work, DUMP_NAME)
        self.pg.dump(dump)
        self.pg.check_dump(dump)
        return dump, {
            "engine": self.engine,
            "path": self.rel,
            "format": "custom",
            # The content as plain SQL, so a restore can tell whether the database already holds it.
            "content_sha256": self.pg.dump_digest(dump, work),
        }

    def target(self, data_dir: str, rel: str) -> str:
        return self.where

    def matches(self, target: str, entry: dict[str, Any], db_doc: dict[str, Any], work: str) -> bool:
        want = db_doc.get("content_sha256")
        return bool(want) and self.pg.content_digest(work) == want

    def holders(self, target: str) -> list[str]:
        count = self.pg.other_sessions()
        return [f"{count} other session(s) connected to {target}"] if count else []

    def apply(self, staged: str, target: str, aside: str | None) -> bool:
        if aside:
            self.pg.dump(os.path.join(aside, DUMP_NAME))
        self.pg.restore(staged, os.path.dirname(staged))
        return bool(aside)


def database(data_dir: str, database_url: str | None, run: Runner | None = None) -> Sqlite | Postgresql:
    """The instance's database: SQLite (default, or sqlite:/// URL) or PostgreSQL (postgresql:// URL)."""
    if database_url and is_postgres(database_url):
        return Postgresql(database_url, run)
    return Sqlite(data_dir, database_url)


def safe_relpath(path: str) -> str:
    """Reject manifest paths that would escape DATA_DIR."""
    norm = os.path.normpath(path)
    if os.path.isabs(path) or norm.startswith("..") or norm in (".", ""):
        raise BackupError(f"backup manifest names an unsafe path {path!r}")
    return norm


def snapshot_database(src_path: str, dest_path: str) -> None:
    """A consistent copy of a live SQLite database (online backup API), integrity-checked."""
    if not os.path.isfile(src_path):
        raise BackupError(f"database {src_path} does not exist (is data_dir right?)")
    try:
        src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(dest_path)
            try:
                src.backup(dst)
                row = dst.execute("PRAGMA integrity_check").fetchone()
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"copying database {src_path} with the SQLite backup API failed: {exc}") from None
    if not row or row[0] != "ok":
        raise BackupError(f"the copy of {src_path} fails PRAGMA integrity_check: {row}")


def sha256_file(path: str) -> tuple[str, int]:
    """(hex sha256, size) of a file: the model store's chunked hash without its ``sha256:`` prefix."""
    digest, size = hash_file(path)
    return digest.split(":", 1)[1], size


def inside(path: str, root: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(root)]) == os.path.abspath(root)


def processes_using(path: str, proc: str = "/proc") -> list[int]:
    """PIDs of the processes that have ``path`` (or its -wal file) open, as far as /proc shows.

    Open files are compared by device and inode, so a process in a container
    (which sees the file under another path) is found too.
    """
    targets = set()
    for candidate in (path, path + "-wal"):
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        targets.add((st.st_dev, st.st_ino))
    if not targets:
        return []
    pids = []
    try:
        entries = os.listdir(proc)
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        fd_dir = os.path.join(proc, entry, "fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in targets:
                pids.append(int(entry))
                break
    return sorted(pids)
