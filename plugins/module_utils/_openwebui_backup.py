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

With a PostgreSQL ``DATABASE_URL`` the database part is a ``pg_dump``
custom-format archive (``database.pgdump``) instead, restored with
``pg_restore --single-transaction`` (``_openwebui_backup_pg``); the uploads
and the manifest are the same. Such a restore refuses to run while other
sessions are connected to the database (Open WebUI running).

How each engine's database is found, copied and put back is in
``_openwebui_backup_db``; this file holds the steps around it (S3 layout,
manifest, staging and swapping the directories).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup_db import (
    BackupError,
    Postgresql,
    Sqlite,
    database,
    safe_relpath,
    sha256_file,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup_pg import PostgresError, Runner
from ansible_collections.aistack.baremetal.plugins.module_utils._s3 import S3Client, S3Error

FORMAT = "aistack.openwebui_backup/1"


def backup_prefix(prefix: str, name: str) -> str:
    clean = prefix.strip("/")
    return f"{clean}/{name}" if clean else name


def _walk(root: str) -> Iterator[str]:
    """Files under root, relative, sorted (symlinks are not followed)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            full = os.path.join(dirpath, filename)
            if os.path.isfile(full) and not os.path.islink(full):
                yield os.path.relpath(full, root)


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
    run: Runner | None = None,
) -> dict[str, Any]:
    """Take a backup named ``name`` (default: the UTC time); return the module result."""
    db = database(data_dir, database_url, run)
    created = now()
    name = name or created.strftime("%Y%m%dT%H%M%SZ")
    if "/" in name or name in (".", ".."):
        raise BackupError(f"backup name {name!r} may not contain '/'")
    base = backup_prefix(prefix, name)
    manifest_key = f"{base}/manifest.json"
    db.check()
    client.check_bucket(bucket)
    existing = client.get_object(bucket, manifest_key)
    result: dict[str, Any] = {"name": name, "manifest_key": manifest_key, "database": db.where}
    if existing is not None and not force:
        result.update(changed=False, manifest=json.loads(existing.decode("utf-8")))
        return result
    planned = [db.rel]
    for directory in directories:
        root = os.path.join(data_dir, safe_relpath(directory))
        if os.path.isdir(root):
            planned.extend(os.path.join(directory, rel) for rel in _walk(root))
    result.update(changed=True, files=planned)
    if check_mode:
        return result
    work = tempfile.mkdtemp(prefix="aistack-openwebui-backup-", dir=tmp_dir)
    try:
        snap, db_doc = db.snapshot(work)
        files = [{"path": db.rel, **_upload_file(client, bucket, f"{base}/files/{db.rel}", snap)}]
        for rel in planned[1:]:
            entry = _upload_file(client, bucket, f"{base}/files/{rel}", os.path.join(data_dir, rel))
            files.append({"path": rel, **entry})
    except PostgresError as exc:
        raise BackupError(f"backup {name}: {exc}; nothing was uploaded as a backup") from None
    except OSError as exc:
        raise BackupError(f"backup {name}: {exc.strerror or exc} ({getattr(exc, 'filename', '')})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    manifest = {
        "format": FORMAT,
        "name": name,
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "openwebui_version": version,
        "database": db_doc,
        "directories": directories,
        "files": files,
    }
    raw = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    client.put_object(bucket, manifest_key, raw, {"sha256": hashlib.sha256(raw).hexdigest()})
    result.update(manifest=manifest, files=[f["path"] for f in files], size=sum(f["size"] for f in files))
    return result


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
    run: Runner | None = None,
) -> dict[str, Any]:
    """Restore backup ``name`` (default: the newest) into data_dir; return the module result."""
    db = database(data_dir, database_url, run)
    client.check_bucket(bucket)
    name, doc = load_manifest(client, bucket, prefix, name)
    base = backup_prefix(prefix, name)
    db_doc = doc.get("database") or {}
    engine = str(db_doc.get("engine", "sqlite"))
    if engine != db.engine:
        raise BackupError(
            f"backup {name} holds a {engine} database, database_url names a {db.engine} one; restore it into an "
            f"instance of the same engine; nothing was changed"
        )
    db_rel = safe_relpath(str(db_doc.get("path", "webui.db")))
    directories = [safe_relpath(d) for d in doc.get("directories", [])]
    entries: list[dict[str, Any]] = []
    for item in doc["files"]:
        rel = safe_relpath(str(item["path"]))
        if rel != db_rel and not any(rel.startswith(d + os.sep) for d in directories):
            raise BackupError(f"backup {name}: file {rel!r} is outside the backed-up directories")
        entries.append({"path": rel, "sha256": str(item["sha256"]), "size": int(item["size"])})
    target: dict[str, dict[str, Any]] = {str(e["path"]): e for e in entries}
    target_db = db.target(data_dir, db_rel)
    # Scratch space for comparing a PostgreSQL database with the backup; files are staged in data_dir.
    work = tempfile.mkdtemp(prefix="aistack-openwebui-restore-")
    try:
        return _restore_staged(
            client,
            bucket,
            base,
            name,
            doc,
            db,
            work,
            data_dir=data_dir,
            entries=entries,
            target=target,
            target_db=target_db,
            db_rel=db_rel,
            directories=directories,
            allow_running=allow_running,
            keep_previous=keep_previous,
            check_mode=check_mode,
            running=running,
            now=now,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _restore_staged(
    client: S3Client,
    bucket: str,
    base: str,
    name: str,
    doc: dict[str, Any],
    db: Sqlite | Postgresql,
    work: str,
    *,
    data_dir: str,
    entries: list[dict[str, Any]],
    target: dict[str, dict[str, Any]],
    target_db: str,
    db_rel: str,
    directories: list[str],
    allow_running: bool,
    keep_previous: bool,
    check_mode: bool,
    running: Callable[[str], list[str]] | None,
    now: Callable[[], datetime.datetime],
) -> dict[str, Any]:
    """Compare, refuse a running instance, stage and verify every file, then swap."""
    db_doc = doc.get("database") or {}
    try:
        differs = []
        for entry in entries:
            if entry["path"] == db_rel:
                same = db.matches(target_db, entry, db_doc, work)
            else:
                local = os.path.join(data_dir, entry["path"])
                same = os.path.isfile(local) and sha256_file(local)[0] == entry["sha256"]
            if not same:
                differs.append(entry["path"])
    except PostgresError as exc:
        raise BackupError(f"restore of backup {name}: {exc}; nothing was changed") from None
    extra: list[str] = []
    for directory in directories:
        root = os.path.join(data_dir, directory)
        if os.path.isdir(root):
            extra.extend(rel for rel in (os.path.join(directory, r) for r in _walk(root)) if rel not in target)
    result: dict[str, Any] = {
        "name": name,
        "manifest": doc,
        "changed": bool(differs or extra),
        "replaced": differs,
        "removed": extra,
        "database": target_db,
        "diff": {
            "before": {"files": sorted(set(target) - set(differs)) + sorted(extra)},
            "after": {"files": sorted(target)},
        },
    }
    if not result["changed"]:
        return result
    try:
        holders = running(target_db) if running else db.holders(target_db)
    except PostgresError as exc:
        raise BackupError(f"restore of backup {name}: {exc}; nothing was changed") from None
    if holders and not allow_running:
        raise BackupError(
            f"Open WebUI is running: {', '.join(holders)}. Stop it first (scale the deployment to 0 or stop the "
            "service), or set allow_running=true to replace the data anyway; nothing was changed"
        )
    if check_mode:
        # Prove the backup is intact without writing: hash every object.
        for entry in entries:
            _fetch_verified(client, bucket, f"{base}/files/{entry['path']}", entry, None)
        result["verified"] = True
        return result
    swap_args: dict[str, Any] = {
        "data_dir": data_dir,
        "entries": entries,
        "target_db": target_db,
        "db_rel": db_rel,
        "directories": directories,
        "keep_previous": keep_previous,
        "now": now,
    }
    try:
        os.makedirs(data_dir, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".aistack-restore-", dir=data_dir)
    except OSError as exc:
        raise BackupError(f"cannot create a staging directory in {data_dir}: {exc.strerror or exc}") from None
    try:
        return _swap_in(client, bucket, base, name, db, staging, result, **swap_args)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(
    client: S3Client,
    bucket: str,
    base: str,
    name: str,
    db: Sqlite | Postgresql,
    staging: str,
    result: dict[str, Any],
    *,
    data_dir: str,
    entries: list[dict[str, Any]],
    target_db: str,
    db_rel: str,
    directories: list[str],
    keep_previous: bool,
    now: Callable[[], datetime.datetime],
) -> dict[str, Any]:
    """Download and verify every file into staging, then replace the database and the directories."""
    try:
        for entry in entries:
            dest = os.path.join(staging, entry["path"])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            _fetch_verified(client, bucket, f"{base}/files/{entry['path']}", entry, dest)
        result["verified"] = True
    except OSError as exc:
        raise BackupError(
            f"restore of backup {name} into {data_dir} failed: {exc.strerror or exc} "
            f"({getattr(exc, 'filename', '') or ''}); nothing was replaced"
        ) from None
    when = now()
    aside = os.path.join(data_dir, ".aistack-previous-" + when.strftime("%Y%m%dT%H%M%SZ"))
    try:
        os.makedirs(aside, exist_ok=True)
        moved = db.apply(os.path.join(staging, db_rel), target_db, aside if keep_previous else None)
    except PostgresError as exc:
        _drop_if_empty(aside)
        raise BackupError(
            f"restore of backup {name}: {exc}; the database was left as it was, nothing was replaced"
        ) from None
    except OSError as exc:
        raise BackupError(
            f"restore of backup {name}: replacing {target_db} failed: {exc.strerror or exc} "
            f"({getattr(exc, 'filename', '') or ''}); the replaced data is in {aside}, the verified backup files in "
            f"{staging}"
        ) from None
    try:
        moved = _swap(staging, data_dir, directories, aside) or moved
    except OSError as exc:
        raise BackupError(
            f"restore of backup {name}: swapping the verified files into {data_dir} failed: "
            f"{exc.strerror or exc} ({getattr(exc, 'filename', '') or ''}); the replaced data is in {aside}, "
            f"the verified backup files in {staging}"
        ) from None
    if not keep_previous or not moved:
        shutil.rmtree(aside, ignore_errors=True)
        result["previous"] = None
    else:
        result["previous"] = aside
    return result


def _drop_if_empty(path: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(path)


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


def _swap(staging: str, data_dir: str, directories: list[str], aside: str) -> bool:
    """Move the current directories aside and the staged ones into place (renames on one filesystem)."""
    moved = False
    for directory in directories:
        current = os.path.join(data_dir, directory)
        if os.path.exists(current):
            dest = os.path.join(aside, directory)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(current, dest)
            moved = True
    for directory in directories:
        staged = os.path.join(staging, directory)
        dest = os.path.join(data_dir, directory)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.isdir(staged):
            os.replace(staged, dest)
        else:
            os.makedirs(dest, exist_ok=True)
    return moved
