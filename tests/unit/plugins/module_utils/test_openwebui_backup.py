"""Open WebUI data backup and restore against a real S3 server (moto) and real SQLite databases.

The database is written by a second thread while the backup runs, to show
the online backup API gives a consistent copy.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup import (
    backup,
    list_backups,
    restore,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup_db import (
    BackupError,
    database_path,
    processes_using,
)
from ansible_collections.aistack.baremetal.tests.unit.ollama_store_helper import store_files
from ansible_collections.aistack.baremetal.tests.unit.s3_server import S3Server

PREFIX = "openwebui"


def make_data_dir(root: Path, chats: int = 50) -> Path:
    """A DATA_DIR like Open WebUI's: webui.db with users and chats, uploads/ with files."""
    root.mkdir(parents=True)
    db = sqlite3.connect(root / "webui.db")
    db.executescript(
        "CREATE TABLE user (id TEXT PRIMARY KEY, email TEXT, role TEXT);"
        "CREATE TABLE chat (id INTEGER PRIMARY KEY, user_id TEXT, title TEXT, chat TEXT);"
    )
    db.execute("INSERT INTO user VALUES ('u1', 'admin@example.com', 'admin')")
    db.executemany(
        "INSERT INTO chat (user_id, title, chat) VALUES (?, ?, ?)",
        [("u1", f"chat {i}", json.dumps({"messages": ["x" * 500] * 5})) for i in range(chats)],
    )
    db.commit()
    db.close()
    (root / "uploads").mkdir()
    (root / "uploads" / "3f1c_report.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    (root / "uploads" / "sub").mkdir()
    (root / "uploads" / "sub" / "notes.txt").write_text("meeting notes\n")
    (root / "vector_db").mkdir()
    (root / "vector_db" / "chroma.sqlite3").write_bytes(b"not backed up by default")
    return root


def count(db: Path, table: str = "chat") -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    finally:
        conn.close()


def fixed(ts: str) -> datetime.datetime:
    return datetime.datetime.strptime(ts, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)


def take(s3_server: S3Server, bucket: str, data: Path, **kw: object) -> dict:
    args: dict = {
        "data_dir": str(data),
        "database_url": None,
        "directories": ["uploads"],
        "name": None,
        "version": "0.6.12",
        "force": False,
        "check_mode": False,
    }
    args.update(kw)
    return backup(s3_server.client(), bucket, PREFIX, **args)  # type: ignore[arg-type]


def put_back(s3_server: S3Server, bucket: str, data: Path, **kw: object) -> dict:
    args: dict = {
        "data_dir": str(data),
        "database_url": None,
        "name": None,
        "allow_running": False,
        "keep_previous": True,
        "check_mode": False,
        "running": lambda path: [],
    }
    args.update(kw)
    return restore(s3_server.client(), bucket, PREFIX, **args)  # type: ignore[arg-type]


def test_backup_while_writing_then_restore(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "data")
    stop = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(data / "webui.db", timeout=30)
        i = 0
        while not stop.is_set():
            conn.execute("INSERT INTO chat (user_id, title, chat) VALUES ('u1', ?, '{}')", (f"live {i}",))
            conn.commit()
            i += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = take(s3_server, bucket, data, name="nightly", now=lambda: fixed("20260130T020000Z"))
    finally:
        stop.set()
        thread.join()
    assert result["changed"] and result["files"] == ["webui.db", "uploads/3f1c_report.pdf", "uploads/sub/notes.txt"]
    manifest = result["manifest"]
    assert manifest["created"] == "2026-01-30T02:00:00Z" and manifest["openwebui_version"] == "0.6.12"
    assert [f["path"] for f in manifest["files"]] == result["files"]
    client = s3_server.client()
    stored = client.get_object(bucket, "openwebui/nightly/manifest.json")
    assert stored and json.loads(stored) == manifest
    for entry in manifest["files"]:
        body = client.get_object(bucket, f"openwebui/nightly/files/{entry['path']}")
        assert body is not None and hashlib.sha256(body).hexdigest() == entry["sha256"]

    rows_in_backup = None
    snapshot = tmp_path / "check.db"
    snapshot.write_bytes(client.get_object(bucket, "openwebui/nightly/files/webui.db") or b"")
    rows_in_backup = count(snapshot)
    assert count(data / "webui.db") >= rows_in_backup >= 50
    uploads_before = store_files(data / "uploads")

    # Disaster: chats and files lost.
    conn = sqlite3.connect(data / "webui.db")
    conn.execute("DELETE FROM chat")
    conn.commit()
    conn.close()
    (data / "uploads" / "3f1c_report.pdf").unlink()
    (data / "uploads" / "stray.txt").write_text("created after the backup")

    result = put_back(s3_server, bucket, data, name="nightly", now=lambda: fixed("20260130T101500Z"))
    assert result["changed"] and result["verified"]
    assert result["replaced"] == ["webui.db", "uploads/3f1c_report.pdf"]
    assert result["removed"] == ["uploads/stray.txt"]
    assert count(data / "webui.db") == rows_in_backup
    assert hashlib.sha256((data / "webui.db").read_bytes()).hexdigest() == manifest["files"][0]["sha256"]
    assert store_files(data / "uploads") == uploads_before
    previous = Path(result["previous"])
    assert previous == data / ".aistack-previous-20260130T101500Z"
    assert (previous / "uploads" / "stray.txt").exists() and count(previous / "webui.db") == 0
    assert (data / "vector_db" / "chroma.sqlite3").exists()
    assert not list(data.glob(".aistack-restore-*"))

    again = put_back(s3_server, bucket, data, name="nightly")
    assert not again["changed"]


def test_named_backup_is_idempotent_and_check_mode_writes_nothing(
    s3_server: S3Server, bucket: str, tmp_path: Path
) -> None:
    data = make_data_dir(tmp_path / "data")
    planned = take(s3_server, bucket, data, name="b1", check_mode=True)
    assert planned["changed"] and "webui.db" in planned["files"]
    assert s3_server.client().list_objects(bucket) == []
    assert take(s3_server, bucket, data, name="b1")["changed"]
    again = take(s3_server, bucket, data, name="b1")
    assert not again["changed"] and again["manifest"]["name"] == "b1"
    assert take(s3_server, bucket, data, name="b1", force=True)["changed"]


def test_restore_newest_and_check_mode(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "data", chats=3)
    take(s3_server, bucket, data, now=lambda: fixed("20260101T000000Z"))
    conn = sqlite3.connect(data / "webui.db")
    conn.execute("INSERT INTO chat (user_id, title, chat) VALUES ('u1', 'later', '{}')")
    conn.commit()
    conn.close()
    take(s3_server, bucket, data, now=lambda: fixed("20260102T000000Z"))
    assert list_backups(s3_server.client(), bucket, PREFIX) == ["20260101T000000Z", "20260102T000000Z"]

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    planned = put_back(s3_server, bucket, fresh, check_mode=True)
    assert planned["name"] == "20260102T000000Z" and planned["changed"] and planned["verified"]
    assert list(fresh.iterdir()) == []
    done = put_back(s3_server, bucket, fresh)
    assert done["previous"] is None and count(fresh / "webui.db") == 4
    old = put_back(s3_server, bucket, fresh, name="20260101T000000Z", keep_previous=False)
    assert old["changed"] and old["previous"] is None and count(fresh / "webui.db") == 3
    assert not list(fresh.glob(".aistack-*"))


def test_restore_refuses_a_running_instance(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "data")
    take(s3_server, bucket, data, name="b1")
    (data / "uploads" / "sub" / "notes.txt").write_text("changed")
    before = store_files(data)
    holder = sqlite3.connect(data / "webui.db")  # this process now has the database open
    try:
        holder.execute("SELECT count(*) FROM chat").fetchone()
        with pytest.raises(BackupError) as exc:
            put_back(s3_server, bucket, data, name="b1", running=None)
        assert "Open WebUI is running" in str(exc.value) and "allow_running=true" in str(exc.value)
        assert store_files(data) == before
        assert put_back(s3_server, bucket, data, name="b1", running=None, allow_running=True)["changed"]
    finally:
        holder.close()
    assert (data / "uploads" / "sub" / "notes.txt").read_text() == "meeting notes\n"


def test_processes_using_finds_this_process(tmp_path: Path) -> None:
    import os

    db = tmp_path / "x.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (a)")
    try:
        assert os.getpid() in processes_using(str(db))
    finally:
        conn.close()
    assert os.getpid() not in processes_using(str(db))


def test_corrupted_or_missing_backup_file_replaces_nothing(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "data")
    take(s3_server, bucket, data, name="b1")
    (data / "uploads" / "sub" / "notes.txt").write_text("newer")
    before = store_files(data)
    client = s3_server.client()
    key = "openwebui/b1/files/uploads/3f1c_report.pdf"
    client.put_object(bucket, key, b"%PDF-1.7 damaged")
    with pytest.raises(BackupError) as exc:
        put_back(s3_server, bucket, data, name="b1")
    assert f"s3://{bucket}/{key}" in str(exc.value) and "is corrupted" in str(exc.value)
    assert "nothing was replaced" in str(exc.value)
    assert store_files(data) == before
    client.request("DELETE", bucket, key)
    with pytest.raises(BackupError, match="is missing: the backup is incomplete"):
        put_back(s3_server, bucket, data, name="b1")
    assert store_files(data) == before


def test_unknown_backup_names_the_available_ones(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    data = make_data_dir(tmp_path / "data")
    take(s3_server, bucket, data, name="b1")
    with pytest.raises(BackupError, match=r"backup 'b2' does not exist: .* \(available: b1\)"):
        put_back(s3_server, bucket, data, name="b2")


def test_database_path() -> None:
    assert database_path("/data", None) == "/data/webui.db"
    assert database_path("/data", "sqlite:////app/backend/data/webui.db") == "/app/backend/data/webui.db"
    assert database_path("/data", "sqlite:///other.db") == "/data/other.db"
    with pytest.raises(BackupError, match="sqlite:/// and postgresql:// URLs are"):
        database_path("/data", "postgres://x")
    with pytest.raises(BackupError, match="not supported"):
        database_path("/data", "mysql://x")


def test_missing_database_is_named(s3_server: S3Server, bucket: str, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=f"database {tmp_path}/webui.db does not exist"):
        take(s3_server, bucket, tmp_path)
