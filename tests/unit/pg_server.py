"""A real PostgreSQL server for the tests of openwebui_backup's PostgreSQL path.

Started once per test session through tests/integration/services/postgres.sh
(the script the integration tier uses: Debian's postgresql package, a
throwaway cluster on a free loopback port, password authentication). ``psql``
runs SQL for the tests; the code under test uses pg_dump/pg_restore itself.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "integration" / "services" / "postgres.sh"


@dataclass
class PgServer:
    url: str
    bin_dir: str

    def psql(self, sql: str, database_url: str | None = None) -> str:
        parts = urlsplit(database_url or self.url)
        env = {**os.environ, "PGPASSWORD": parts.password or ""}
        out = subprocess.run(
            [
                os.path.join(self.bin_dir, "psql"),
                "--no-psqlrc",
                "-v",
                "ON_ERROR_STOP=1",
                "-Atq",
                "-h",
                parts.hostname or "",
                "-p",
                str(parts.port),
                "-U",
                parts.username or "",
                "-d",
                parts.path.lstrip("/"),
                "-c",
                sql,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return out.stdout.strip()

    def database(self, name: str) -> str:
        """A fresh database; its URL."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}"')
        self.psql(f'CREATE DATABASE "{name}"')
        parts = urlsplit(self.url)
        return parts._replace(path="/" + name).geturl()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    state = tmp_path_factory.mktemp("pg-state")
    out = subprocess.run(
        ["bash", str(SCRIPT), "start", str(state)], check=False, capture_output=True, text=True, timeout=900
    )
    try:
        if out.returncode != 0:
            pytest.fail(f"postgres.sh start failed ({out.returncode}): {out.stderr[-2000:]}")
        conf = yaml.safe_load(out.stdout)
        yield PgServer(conf["postgres_url"], conf["postgres_bin_dir"])
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(state)], check=False, timeout=120)
