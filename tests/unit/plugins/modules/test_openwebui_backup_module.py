"""openwebui_backup through AnsibleModule against a real S3 server (moto)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import openwebui_backup
from ansible_collections.aistack.baremetal.tests.unit.s3_server import S3Server


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        openwebui_backup.main()
    return int(exc.value.code or 0), json.loads(capsys.readouterr().out)


def test_backup_and_restore_through_the_module(
    s3_server: S3Server, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    (data / "uploads").mkdir(parents=True)
    (data / "uploads" / "a.txt").write_text("a")
    db = sqlite3.connect(data / "webui.db")
    db.execute("CREATE TABLE chat (title TEXT)")
    db.execute("INSERT INTO chat VALUES ('kept')")
    db.commit()
    db.close()
    base = {**s3_server.params(bucket), "data_dir": str(data), "name": "b1"}

    rc, out = run({**base, "_ansible_check_mode": True}, capsys)
    assert rc == 0 and out["changed"] and out["files"] == ["webui.db", "uploads/a.txt"]
    rc, out = run({**base, "openwebui_version": "0.6.12"}, capsys)
    assert rc == 0 and out["changed"] and out["manifest"]["openwebui_version"] == "0.6.12"
    rc, out = run(base, capsys)
    assert rc == 0 and not out["changed"]

    (data / "uploads" / "a.txt").write_text("changed")
    rc, out = run({**base, "state": "restored", "_ansible_diff": True}, capsys)
    # The backup API's copy is not byte-identical to the live file (header counters), so the
    # database is replaced too; after the restore it is the backup's bytes.
    assert rc == 0 and out["changed"] and out["replaced"] == ["webui.db", "uploads/a.txt"] and "diff" in out
    assert (data / "uploads" / "a.txt").read_text() == "a"
    rc, out = run({**base, "state": "restored"}, capsys)
    assert rc == 0 and not out["changed"]


def test_postgresql_and_wrong_keys_fail_clearly(
    s3_server: S3Server, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = {**s3_server.params(bucket), "data_dir": str(tmp_path)}
    rc, out = run({**base, "database_url": "postgresql://owui:S3cr3tPw@db.invalid/owui"}, capsys)
    assert rc == 1 and "pg_dump of database 'owui' on db.invalid failed" in out["msg"]
    assert "S3cr3tPw" not in json.dumps(out)
    (tmp_path / "webui.db").write_bytes(b"")
    rc, out = run({**base, "access_key": "AKIANOSUCHKEY0000000", "secret_key": "S3cr3t/Value"}, capsys)
    assert rc == 1 and "InvalidAccessKeyId" in out["msg"] and "S3cr3t/Value" not in json.dumps(out)
