"""ollama_archive through AnsibleModule against a real S3 server (moto) and written stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import ollama_archive
from ansible_collections.aistack.baremetal.tests.unit.ollama_store_helper import store_files, write_model
from ansible_collections.aistack.baremetal.tests.unit.s3_server import S3Server


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        ollama_archive.main()
    return int(exc.value.code or 0), json.loads(capsys.readouterr().out)


def test_archive_restore_idempotent_check_and_diff(
    s3_server: S3Server, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    write_model(source, ("registry.ollama.ai", "library", "llama3.2", "1b"))
    base = s3_server.params(bucket, name="llama3.2:1b")

    rc, out = run({**base, "models_dir": str(source), "_ansible_check_mode": True, "_ansible_diff": True}, capsys)
    assert rc == 0 and out["changed"] and out["diff"]["before"]["manifest"] is None
    rc, out = run({**base, "models_dir": str(source)}, capsys)
    assert rc == 0 and out["changed"]
    assert out["manifest_key"] == "ollama/manifests/registry.ollama.ai/library/llama3.2/1b"
    assert "diff" not in out and out["requests"]["bytes_up"] >= out["bytes_uploaded"] > 0
    rc, out = run({**base, "models_dir": str(source)}, capsys)
    assert rc == 0 and not out["changed"] and out["requests"]["bytes_up"] == 0

    restore = {**base, "models_dir": str(target), "state": "restored"}
    rc, out = run({**restore, "_ansible_check_mode": True}, capsys)
    assert rc == 0 and out["changed"] and not target.exists()
    rc, out = run({**restore, "_ansible_diff": True}, capsys)
    assert rc == 0 and out["changed"] and out["diff"]["after"]["blobs"] == sorted(b["digest"] for b in out["blobs"])
    assert store_files(target) == store_files(source)
    rc, out = run(restore, capsys)
    assert rc == 0 and not out["changed"]


def test_secrets_never_in_the_output(
    s3_server: S3Server, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_model(tmp_path)
    args = {**s3_server.params(bucket, name="tiny"), "models_dir": str(tmp_path), "secret_key": "Wr0ng/Secret+Key"}
    rc, out = run(args, capsys)
    assert rc == 1 and "SignatureDoesNotMatch" in out["msg"] and s3_server.endpoint in out["msg"]
    assert "Wr0ng/Secret+Key" not in json.dumps(out)


def test_credentials_from_the_environment(
    s3_server: S3Server,
    bucket: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_model(tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    rc, out = run({"name": "tiny", "models_dir": str(tmp_path), "bucket": bucket}, capsys)
    assert rc == 0 and out["changed"], out


def test_bad_name_and_missing_bucket_fail_clearly(
    s3_server: S3Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_model(tmp_path)
    rc, out = run({**s3_server.params("no-bucket-here", name="a/b/c/d"), "models_dir": str(tmp_path)}, capsys)
    assert rc == 1 and "too many '/' parts" in out["msg"]
    rc, out = run({**s3_server.params("no-bucket-here", name="tiny"), "models_dir": str(tmp_path)}, capsys)
    assert rc == 1 and "bucket 'no-bucket-here' does not exist" in out["msg"]
