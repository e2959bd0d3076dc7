# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Back up and restore Open WebUI's data directory through S3.

Private to this collection; the logic of the ``openwebui_backup`` module.
Open WebUI keeps its state in ``DATA_DIR``: the SQLite database
``webui.db`` (users, chats, settings, knowledge metadata) and the
``uploads/`` directory (the files users uploaded). A backup is:

* a consistent copy of the database taken with SQLite's online backup API
  (``sqlite3.Connection.backup``), which copies a single point-in-time
  state even while Open WebUI writes to it, checked with
  ``PRAGMA integrity_check``;
* every file of the backed-up directories (``uploads`` by default);
* ``manifest.json``, written last: format, name, creation time, Open WebUI
  version when known, and the path, size and SHA-256 of every file.

Under ``<prefix>/<name>/`` in the bucket: ``manifest.json`` and
``files/<path>``. A backup whose manifest is absent is incomplete and is
never restored.

Restore downloads every file into a staging directory inside ``DATA_DIR``
and checks every digest before it replaces anything; then the current
database (with its ``-wal``/``-shm``/``-journal`` files) and directories
are moved aside (or deleted) and the staged ones renamed into place. It
refuses to run while a process has the database open (or the instance's
URL answers) unless told otherwise.

PostgreSQL (``DATABASE_URL=postgresql://...``) is not supported yet: the
functions fail with that message before touching anything.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from ansible_collections.aistack.baremetal.plugins.module_utils._s3 import S3Client, S3Error

FORMAT = "aistack.openwebui_backup/1"
DB_SIDE_FILES = ("-wal", "-shm", "-journal")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore step failed; nothing was replaced."""


def database_path(data_dir: str, database_url: str | None) -> str:
    """The SQLite file of an instance; fails for PostgreSQL and other engines."""
    if not database_url:
        return os.path.join(data_dir, "webui.db")
    scheme = database_url.split(":", 1)[0].lower()
    if scheme.startswith("postgres"):
        raise BackupError(
            "PostgreSQL backup not supported yet: database_url is a PostgreSQL URL. Back the database up with "
            "pg_dump; this module backs up SQLite databases only"
        )
    if not scheme.startswith("sqlite"):
        raise BackupError(f"database_url scheme {scheme!r} is not supported (only sqlite:/// URLs)")
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


def backup_prefix(prefix: str, name: str) -> str:
    clean = prefix.strip("/")
    return f"{clean}/{name}" if clean else name


def _safe_relpath(path: str) -> str:
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


def _walk(root: str) -> Iterator[str]:
    """Files under root, relative, sorted (symlinks are not followed)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            full = os.path.join(dirpath, filename)
            if os.path.isfile(full) and not os.path.islink(full):
                yield os.path.relpath(full, root)


def _sha256_file(path: str) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return sha.hexdigest(), size
            sha.update(chunk)
            size += len(chunk)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _upload_file(client: S3Client, bucket: str, key: str, path: str) -> dict[str, Any]:
    sha = hashlib.sha256()
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        client.upload(bucket, key, handle, size, on_chunk=sha.update)
    return {"sha256": sha.hexdigest(), "size": size}


def backup(
    client: S3Client,
    bucket: str,
    prefix: str,
    *,
    data_dir: str,
    database_url: str | None,
    directories: list[str],
    name: str | None,
    version: str | None,
    force: bool,
    check_mode: bool,
    tmp_dir: str | None = None,
    now: Callable[[], datetime.datetime] = _now,
) -> dict[str, Any]:
    """Take a backup named ``name`` (default: the UTC time); return the module result."""
    db_path = database_path(data_dir, database_url)
    created = now()
    name = name or created.strftime("%Y%m%dT%H%M%SZ")
    if "/" in name or name in (".", ".."):
        raise BackupError(f"backup name {name!r} may not contain '/'")
    base = backup_prefix(prefix, name)
    manifest_key = f"{base}/manifest.json"
    if not os.path.isfile(db_path):
        raise BackupError(f"database {db_path} does not exist (is data_dir right?)")
    client.check_bucket(bucket)
    existing = client.get_object(bucket, manifest_key)
    result: dict[str, Any] = {"name": name, "manifest_key": manifest_key, "database": db_path}
    if existing is not None and not force:
        result.update(changed=False, manifest=json.loads(existing.decode("utf-8")))
        return result
    db_rel = _safe_relpath(os.path.relpath(db_path, data_dir)) if _inside(db_path, data_dir) else "webui.db"
    planned = [db_rel]
    for directory in directories:
        root = os.path.join(data_dir, _safe_relpath(directory))
        if os.path.isdir(root):
            planned.extend(os.path.join(directory, rel) for rel in _walk(root))
    result.update(changed=True, files=planned)
    if check_mode:
        return result
    work = tempfile.mkdtemp(prefix="aistack-openwebui-backup-", dir=tmp_dir)
    try:
        snap = os.path.join(work, "webui.db")
        snapshot_database(db_path, snap)
        files = []
        entry = _upload_file(client, bucket, f"{base}/files/{db_rel}", snap)
        files.append({"path": db_rel, **entry})
        for rel in planned[1:]:
            entry = _upload_file(client, bucket, f"{base}/files/{rel}", os.path.join(data_dir, rel))
            files.append({"path": rel, **entry})
    except OSError as exc:
        raise BackupError(f"backup {name}: {exc.strerror or exc} ({getattr(exc, 'filename', '')})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    manifest = {
        "format": FORMAT,
        "name": name,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "openwebui_version": version,
        "database": {"engine": "sqlite", "path": db_rel},
        "directories": directories,
        "files": files,
    }
    raw = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    client.put_object(bucket, manifest_key, raw, {"sha256": hashlib.sha256(raw).hexdigest()})
    result.update(manifest=manifest, files=[f["path"] for f in files], size=sum(f["size"] for f in files))
    return result


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(root)]) == os.path.abspath(root)


def list_backups(client: S3Client, bucket: str, prefix: str) -> list[str]:
    """Names of the complete backups (those with a manifest) under prefix, sorted."""
    base = prefix.strip("/")
    start = f"{base}/" if base else ""
    names = []
    for obj in client.list_objects(bucket, start):
        rest = obj["key"][len(start) :]
        parts = rest.split("/")
        if len(parts) == 2 and parts[1] == "manifest.json":
            names.append(parts[0])
    return sorted(names)


def load_manifest(client: S3Client, bucket: str, prefix: str, name: str | None) -> tuple[str, dict[str, Any]]:
    """(name, manifest) of a backup; the newest one when name is None."""
    if not name:
        names = list_backups(client, bucket, prefix)
        if not names:
            raise BackupError(f"no backup under {client.where(bucket, prefix.strip('/') + '/')}")
        candidates = []
        for candidate in names:
            doc = load_manifest(client, bucket, prefix, candidate)[1]
            candidates.append((str(doc.get("created", "")), candidate, doc))
        newest = max(candidates)
        return newest[1], newest[2]
    key = f"{backup_prefix(prefix, name)}/manifest.json"
    raw = client.get_object(bucket, key)
    if raw is None:
        available = ", ".join(list_backups(client, bucket, prefix)) or "none"
        raise BackupError(f"backup {name!r} does not exist: no {client.where(bucket, key)} (available: {available})")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise BackupError(f"{client.where(bucket, key)} is not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("files"), list):
        raise BackupError(f"{client.where(bucket, key)} is not an {FORMAT} manifest")
    return name, doc


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


def restore(
    client: S3Client,
    bucket: str,
    prefix: str,
    *,
    data_dir: str,
    database_url: str | None,
    name: str | None,
    allow_running: bool,
    keep_previous: bool,
    check_mode: bool,
    running: Callable[[str], list[str]] | None = None,
    now: Callable[[], datetime.datetime] = _now,
) -> dict[str, Any]:
    """Restore backup ``name`` (default: the newest) into data_dir; return the module result."""
    db_path = database_path(data_dir, database_url)
    client.check_bucket(bucket)
    name, doc = load_manifest(client, bucket, prefix, name)
    base = backup_prefix(prefix, name)
    db_rel = _safe_relpath(str(doc.get("database", {}).get("path", "webui.db")))
    directories = [_safe_relpath(d) for d in doc.get("directories", [])]
    entries: list[dict[str, Any]] = []
    for item in doc["files"]:
        rel = _safe_relpath(str(item["path"]))
        if rel != db_rel and not any(rel.startswith(d + os.sep) for d in directories):
            raise BackupError(f"backup {name}: file {rel!r} is outside the backed-up directories")
        entries.append({"path": rel, "sha256": str(item["sha256"]), "size": int(item["size"])})
    target: dict[str, dict[str, Any]] = {str(e["path"]): e for e in entries}
    target_db = os.path.join(data_dir, db_rel) if db_rel != "webui.db" else db_path
    # What differs from the current data.
    differs = []
    for entry in entries:
        local = target_db if entry["path"] == db_rel else os.path.join(data_dir, entry["path"])
        if not os.path.isfile(local) or _sha256_file(local)[0] != entry["sha256"]:
            differs.append(entry["path"])
    extra: list[str] = []
    for directory in directories:
        root = os.path.join(data_dir, directory)
        if os.path.isdir(root):
            extra.extend(rel for rel in (os.path.join(directory, r) for r in _walk(root)) if rel not in target)
    wal_present = any(os.path.exists(target_db + s) and os.path.getsize(target_db + s) > 0 for s in ("-wal",))
    changed = bool(differs or extra)
    result: dict[str, Any] = {
        "name": name,
        "manifest": doc,
        "changed": changed,
        "replaced": differs,
        "removed": extra,
        "database": target_db,
        "diff": {
            "before": {"files": sorted(set(target) - set(differs)) + sorted(extra)},
            "after": {"files": sorted(target)},
        },
    }
    if not changed and not wal_present:
        return result
    result["changed"] = True
    holders = (running or (lambda p: [f"pid {pid}" for pid in processes_using(p)]))(target_db)
    if holders and not allow_running:
        raise BackupError(
            f"Open WebUI is running: {', '.join(holders)} has {target_db} open. Stop it first (scale the "
            "deployment to 0 or stop the service), or set allow_running=true to replace the data anyway; nothing "
            "was changed"
        )
    if check_mode:
        # Prove the backup is intact without writing: hash every object.
        for entry in entries:
            _fetch_verified(client, bucket, f"{base}/files/{entry['path']}", entry, None)
        result["verified"] = True
        return result
    try:
        os.makedirs(data_dir, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".aistack-restore-", dir=data_dir)
    except OSError as exc:
        raise BackupError(f"cannot create a staging directory in {data_dir}: {exc.strerror or exc}") from None
    try:
        for entry in entries:
            dest = os.path.join(staging, entry["path"])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            _fetch_verified(client, bucket, f"{base}/files/{entry['path']}", entry, dest)
        result["verified"] = True
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(
            f"restore of backup {name} into {data_dir} failed: {exc.strerror or exc} "
            f"({getattr(exc, 'filename', '') or ''}); nothing was replaced"
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    when = now()
    try:
        previous = _swap(staging, data_dir, target_db, db_rel, directories, keep_previous, when)
    except OSError as exc:
        aside = os.path.join(data_dir, ".aistack-previous-" + when.strftime("%Y%m%dT%H%M%SZ"))
        raise BackupError(
            f"restore of backup {name}: swapping the verified files into {data_dir} failed: "
            f"{exc.strerror or exc} ({getattr(exc, 'filename', '') or ''}); the replaced data is in {aside}, "
            f"the verified backup files in {staging}"
        ) from None
    shutil.rmtree(staging, ignore_errors=True)
    result["previous"] = previous
    return result


def _fetch_verified(client: S3Client, bucket: str, key: str, entry: dict[str, Any], dest: str | None) -> None:
    sha = hashlib.sha256()
    size = 0
    with open(dest, "wb") if dest else contextlib.nullcontext() as handle:

        def sink(chunk: bytes) -> None:
            nonlocal size
            sha.update(chunk)
            size += len(chunk)
            if handle:
                handle.write(chunk)

        try:
            client.download(bucket, key, sink)
        except S3Error as exc:
            if exc.status == 404:
                raise BackupError(
                    f"backup file {client.where(bucket, key)} is missing: the backup is incomplete"
                ) from None
            raise
        if handle:
            handle.flush()
            os.fsync(handle.fileno())
    if sha.hexdigest() != entry["sha256"] or size != entry["size"]:
        raise BackupError(
            f"backup file {client.where(bucket, key)} is corrupted: sha256 {sha.hexdigest()} ({size} bytes), "
            f"the manifest says {entry['sha256']} ({entry['size']} bytes); nothing was replaced"
        )


def _swap(
    staging: str,
    data_dir: str,
    target_db: str,
    db_rel: str,
    directories: list[str],
    keep_previous: bool,
    when: datetime.datetime,
) -> str | None:
    """Move the current data aside and the staged data into place (renames on one filesystem)."""
    aside = os.path.join(data_dir, ".aistack-previous-" + when.strftime("%Y%m%dT%H%M%SZ"))
    os.makedirs(aside, exist_ok=True)
    moved = False
    for suffix in ("", *DB_SIDE_FILES):
        if os.path.exists(target_db + suffix):
            os.replace(target_db + suffix, os.path.join(aside, os.path.basename(target_db) + suffix))
            moved = True
    for directory in directories:
        current = os.path.join(data_dir, directory)
        if os.path.exists(current):
            dest = os.path.join(aside, directory)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(current, dest)
            moved = True
    os.makedirs(os.path.dirname(target_db), exist_ok=True)
    os.replace(os.path.join(staging, db_rel), target_db)
    for directory in directories:
        staged = os.path.join(staging, directory)
        dest = os.path.join(data_dir, directory)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.isdir(staged):
            os.replace(staged, dest)
        else:
            os.makedirs(dest, exist_ok=True)
    if not keep_previous or not moved:
        shutil.rmtree(aside, ignore_errors=True)
        return None
    return aside
