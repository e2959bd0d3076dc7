"""Open WebUI backup and restore with a PostgreSQL database: a real PostgreSQL server and a real S3 server (moto).

The database is filled the way Open WebUI's tables look (users, chats); the
backup is pg_dump's custom format, the restore pg_restore in one transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup import backup, restore
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup_db import BackupError
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup_pg import Connection, PostgresError
from ansible_collections.aistack.baremetal.tests.unit.ollama_store_helper import store_files
from ansible_collections.aistack.baremetal.tests.unit.pg_server import PgServer
from ansible_collections.aistack.baremetal.tests.unit.s3_server import S3Server

PREFIX = "openwebui"


def fixed(ts: str) -> datetime.datetime:
    return datetime.datetime.strptime(ts, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)


TABLES = (
    'CREATE TABLE "user" (id text PRIMARY KEY, email text, role text);'
    'CREATE TABLE chat (id serial PRIMARY KEY, user_id text REFERENCES "user"(id), title text, chat jsonb);'
    "INSERT INTO \"user\" VALUES ('u1', 'admin@example.com', 'admin');"
    "INSERT INTO chat (user_id, title, chat) SELECT 'u1', 'chat ' || g, '{\"m\": 1}' FROM generate_series(1, CHATS) g;"
)


def fill(pg: PgServer, url: str, chats: int = 40) -> None:
    """Tables shaped like Open WebUI's users and chats."""
    pg.psql(TABLES.replace("CHATS", str(int(chats))), url)


def data_dir(root: Path) -> Path:
    (root / "uploads").mkdir(parents=True)
    (root / "uploads" / "report.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    return root


def take(s3: S3Server, bucket: str, data: Path, url: str, **kw: object) -> dict:
    args: dict = {
        "data_dir": str(data),
        "database_url": url,
        "directories": ["uploads"],
        "name": None,
        "version": "0.6.12",
        "force": False,
        "check_mode": False,
    }
    args.update(kw)
    return backup(s3.client(), bucket, PREFIX, **args)  # type: ignore[arg-type]


def put_back(s3: S3Server, bucket: str, data: Path, url: str, **kw: object) -> dict:
    args: dict = {
        "data_dir": str(data),
        "database_url": url,
        "name": None,
        "allow_running": False,
        "keep_previous": True,
        "check_mode": False,
    }
    args.update(kw)
    return restore(s3.client(), bucket, PREFIX, **args)  # type: ignore[arg-type]


def test_connection_keeps_the_password_off_the_command_line() -> None:
    conn = Connection.parse("postgresql+psycopg2://owui:p%40ss@db.example:5433/openwebui?sslmode=require")
    assert conn.url == "postgresql://owui@db.example:5433/openwebui?sslmode=require"
    assert conn.password == "p@ss"
    assert conn.where == "database 'openwebui' on db.example:5433"
    with pytest.raises(PostgresError, match="names no database"):
        Connection.parse("postgresql://owui:pw@db:5432/")


def test_pg_dump_backup_then_restore_after_a_disaster(
    s3_server: S3Server, bucket: str, pg_server: PgServer, tmp_path: Path
) -> None:
    url = pg_server.database("owui_restore")
    fill(pg_server, url)
    data = data_dir(tmp_path / "data")
    result = take(s3_server, bucket, data, url, name="nightly", now=lambda: fixed("20260130T020000Z"))
    assert result["changed"] and result["files"] == ["database.pgdump", "uploads/report.pdf"]
    db_doc = result["manifest"]["database"]
    assert db_doc["engine"] == "postgresql" and db_doc["format"] == "custom" and len(db_doc["content_sha256"]) == 64
    client = s3_server.client()
    dump = client.get_object(bucket, "openwebui/nightly/files/database.pgdump")
    assert dump is not None and dump.startswith(b"PGDMP")  # pg_dump's custom-format magic
    assert hashlib.sha256(dump).hexdigest() == result["manifest"]["files"][0]["sha256"]
    assert password_of(url) not in str(result)

    # Nothing changed since the backup: a restore has nothing to do (the content compares equal).
    assert not put_back(s3_server, bucket, data, url, name="nightly")["changed"]

    # Disaster: chats deleted, a stray table, an upload lost.
    pg_server.psql("DELETE FROM chat WHERE id > 5; CREATE TABLE stray (a int)", url)
    (data / "uploads" / "report.pdf").unlink()
    check = put_back(s3_server, bucket, data, url, name="nightly", check_mode=True)
    assert check["changed"] and check["verified"] and check["replaced"] == ["database.pgdump", "uploads/report.pdf"]
    assert pg_server.psql("SELECT count(*) FROM chat", url) == "5"

    done = put_back(s3_server, bucket, data, url, name="nightly", now=lambda: fixed("20260130T101500Z"))
    assert done["changed"] and done["verified"]
    assert pg_server.psql("SELECT count(*) FROM chat", url) == "40"
    assert pg_server.psql('SELECT email FROM "user"', url) == "admin@example.com"
    assert (data / "uploads" / "report.pdf").exists()
    previous = Path(done["previous"])
    assert (previous / "database.pgdump").read_bytes().startswith(b"PGDMP")  # the replaced database, kept
    assert not list(data.glob(".aistack-restore-*"))
    assert not put_back(s3_server, bucket, data, url, name="nightly")["changed"]


def test_restore_refuses_while_open_webui_is_connected(
    s3_server: S3Server, bucket: str, pg_server: PgServer, tmp_path: Path
) -> None:
    url = pg_server.database("owui_running")
    fill(pg_server, url)
    data = data_dir(tmp_path / "data")
    take(s3_server, bucket, data, url, name="b1")
    pg_server.psql("DELETE FROM chat", url)
    parts = urlsplit(url)
    holder = subprocess.Popen(  # a second client holding a session, as a running Open WebUI does
        [
            f"{pg_server.bin_dir}/psql",
            "-h",
            parts.hostname or "",
            "-p",
            str(parts.port),
            "-U",
            "openwebui",
            "-d",
            "owui_running",
            "-c",
            "SELECT pg_sleep(60)",
        ],
        env={"PGPASSWORD": password_of(url), "PATH": "/usr/bin:/bin"},
    )
    try:
        for _attempt in range(100):
            if pg_server.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'") != "0":
                break
            time.sleep(0.1)
        with pytest.raises(BackupError, match=r"Open WebUI is running: 1 other session\(s\) connected to database"):
            put_back(s3_server, bucket, data, url, name="b1")
        assert pg_server.psql("SELECT count(*) FROM chat", url) == "0"
    finally:
        holder.kill()
        holder.wait()


def test_corrupted_dump_or_wrong_password_change_nothing(
    s3_server: S3Server, bucket: str, pg_server: PgServer, tmp_path: Path
) -> None:
    url = pg_server.database("owui_faults")
    fill(pg_server, url)
    data = data_dir(tmp_path / "data")
    take(s3_server, bucket, data, url, name="b1")
    pg_server.psql("DELETE FROM chat WHERE id > 10", url)
    before = store_files(data)
    client = s3_server.client()
    key = "openwebui/b1/files/database.pgdump"
    client.put_object(bucket, key, b"PGDMP damaged")
    with pytest.raises(BackupError, match="is corrupted") as exc:
        put_back(s3_server, bucket, data, url, name="b1")
    assert "nothing was replaced" in str(exc.value)
    assert pg_server.psql("SELECT count(*) FROM chat", url) == "10" and store_files(data) == before

    wrong = url.replace(password_of(url), "not-the-password")
    with pytest.raises(BackupError, match=r"pg_dump of database 'owui_faults' on 127\.0\.0\.1:\d+ failed") as exc:
        take(s3_server, bucket, data, wrong, name="b2")
    assert "password authentication failed" in str(exc.value) and "not-the-password" not in str(exc.value)
    assert client.get_object(bucket, "openwebui/b2/manifest.json") is None


def test_a_backup_restores_only_into_the_same_engine(
    s3_server: S3Server, bucket: str, pg_server: PgServer, tmp_path: Path
) -> None:
    url = pg_server.database("owui_engine")
    fill(pg_server, url, chats=1)
    data = data_dir(tmp_path / "data")
    take(s3_server, bucket, data, url, name="pg")
    with pytest.raises(BackupError, match="holds a postgresql database, database_url names a sqlite one"):
        put_back(s3_server, bucket, data, None, name="pg")  # type: ignore[arg-type]


def password_of(url: str) -> str:
    return urlsplit(url).password or ""
