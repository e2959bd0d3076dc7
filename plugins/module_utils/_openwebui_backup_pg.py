# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open WebUI's PostgreSQL database: dump, compare and restore with PostgreSQL's own tools.

Private to this collection; used by ``_openwebui_backup`` when ``DATABASE_URL``
is a PostgreSQL URL. A backup is ``pg_dump --format=custom`` (one file,
compressed, restorable object by object); a restore is ``pg_restore --clean
--if-exists --single-transaction``, so a dump that fails to apply leaves the
database as it was. Whether the database already holds a dump's content is
decided by comparing the plain SQL of both (``pg_dump --format=plain`` of the
database, ``pg_restore --file`` of the dump) without comment lines and the
per-run ``\\restrict`` keys, so two dumps of the same data compare equal.

The password never reaches a command line: it is taken out of the URL and
handed to the tools in ``PGPASSWORD``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

# (argv, extra environment) -> (rc, stdout, stderr)
Runner = Callable[[list[str], Mapping[str, str]], tuple[int, str, str]]

DUMP_NAME = "database.pgdump"


class PostgresError(Exception):
    """A PostgreSQL tool failed; the message names the tool, the server and its error."""


def _subprocess_runner(argv: list[str], env: Mapping[str, str]) -> tuple[int, str, str]:
    # The argv is built here from fixed tool names and options; no shell is involved.
    proc = subprocess.run(  # noqa: S603
        argv, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr


@dataclass(frozen=True)
class Connection:
    """A PostgreSQL URL split into what the tools take: a URL without password, and the password."""

    url: str
    password: str | None
    where: str

    @classmethod
    def parse(cls, database_url: str) -> Connection:
        parts = urlsplit(database_url)
        scheme = parts.scheme.lower()
        if not scheme.startswith("postgres"):
            raise PostgresError(f"database_url scheme {scheme!r} is not PostgreSQL")
        # SQLAlchemy's driver suffixes (postgresql+psycopg2://) mean nothing to libpq.
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        user = unquote(parts.username) if parts.username else ""
        netloc = (f"{parts.username}@" if user else "") + (f"[{host}]" if ":" in host else host) + port
        database = parts.path.lstrip("/")
        if not database:
            raise PostgresError("database_url names no database (postgresql://user:password@host:port/database)")
        url = urlunsplit(("postgresql", netloc, "/" + database, parts.query, ""))
        where = f"database {unquote(database)!r} on {host or 'the local socket'}{port}"
        return cls(url, unquote(parts.password) if parts.password is not None else None, where)


class Postgres:
    """pg_dump, pg_restore and psql against one database."""

    def __init__(self, database_url: str, run: Runner | None = None, bin_dir: str | None = None) -> None:
        self.conn = Connection.parse(database_url)
        self._run = run or _subprocess_runner
        self._bin_dir = bin_dir

    def _tool(self, name: str) -> str:
        return os.path.join(self._bin_dir, name) if self._bin_dir else name

    def _call(self, tool: str, args: list[str], what: str) -> str:
        env = {"PGPASSWORD": self.conn.password} if self.conn.password is not None else {}
        env["PGCONNECT_TIMEOUT"] = "30"
        try:
            rc, out, err = self._run([self._tool(tool), *args], env)
        except FileNotFoundError:
            raise PostgresError(
                f"{tool} not found: install the PostgreSQL client tools (Debian/Ubuntu: postgresql-client) of the "
                "server's major version or newer on the host that runs the task"
            ) from None
        if rc != 0:
            detail = (err or out).strip().splitlines()
            raise PostgresError(f"{what} {self.conn.where} failed ({tool} rc={rc}): {' '.join(detail)[-800:]}")
        return out

    def dump(self, dest: str) -> None:
        """A consistent dump (one transaction snapshot) in pg_dump's custom format."""
        self._call(
            "pg_dump",
            ["--format=custom", "--no-owner", "--no-privileges", f"--file={dest}", f"--dbname={self.conn.url}"],
            "pg_dump of",
        )

    def check_dump(self, path: str) -> None:
        """The file is a custom-format archive pg_restore can read (its table of contents)."""
        self._call("pg_restore", ["--list", path], f"reading the dump {path} for")

    def restore(self, path: str, work: str) -> None:
        """Make the database hold exactly the dump's content, all in one transaction.

        ``pg_restore --clean`` alone drops only the objects the dump has; a
        table created after the backup would stay. So the dump is turned into
        plain SQL and applied by psql in one transaction after dropping the
        ``public`` schema and every schema the dump creates: on any error the
        database is left as it was.
        """
        script = os.path.join(work, "restore.sql")
        clean = os.path.join(work, "clean.sql")
        try:
            self._call(
                "pg_restore", ["--no-owner", "--no-privileges", f"--file={script}", path], "reading the dump for"
            )
            with open(clean, "w", encoding="utf-8") as handle:
                # public as initdb makes it (PostgreSQL 15+): owned by the database owner, usable by all.
                handle.write(
                    "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
                    "ALTER SCHEMA public OWNER TO pg_database_owner;\nGRANT USAGE ON SCHEMA public TO PUBLIC;\n"
                    "COMMENT ON SCHEMA public IS 'standard public schema';\n"
                )
                for schema in _created_schemas(script):
                    handle.write(f"DROP SCHEMA IF EXISTS {schema} CASCADE;\n")
            self._call(
                "psql",
                [
                    "--no-psqlrc",
                    "--quiet",
                    "--single-transaction",
                    "--set=ON_ERROR_STOP=1",
                    f"--dbname={self.conn.url}",
                    f"--file={clean}",
                    f"--file={script}",
                ],
                "restoring the dump into",
            )
        finally:
            _remove(script)
            _remove(clean)

    def content_digest(self, work: str) -> str:
        """SHA-256 of the database's content as plain SQL (comparable with dump_digest)."""
        out = os.path.join(work, "current.sql")
        try:
            self._call(
                "pg_dump",
                ["--format=plain", "--no-owner", "--no-privileges", f"--file={out}", f"--dbname={self.conn.url}"],
                "pg_dump of",
            )
            return _sql_digest(out)
        finally:
            _remove(out)

    def dump_digest(self, path: str, work: str) -> str:
        """SHA-256 of a custom-format dump's content as plain SQL."""
        out = os.path.join(work, "dump.sql")
        try:
            self._call("pg_restore", ["--no-owner", "--no-privileges", f"--file={out}", path], "reading the dump for")
            return _sql_digest(out)
        finally:
            _remove(out)

    def other_sessions(self) -> int:
        """Sessions connected to the database besides this one (Open WebUI's, when it runs)."""
        out = self._call(
            "psql",
            [
                "--no-psqlrc",
                "--tuples-only",
                "--no-align",
                f"--dbname={self.conn.url}",
                "--command=SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ],
            "counting the sessions of",
        )
        try:
            return int(out.strip() or 0)
        except ValueError:
            raise PostgresError(
                f"psql answered {out.strip()!r} when counting the sessions of {self.conn.where}"
            ) from None


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _created_schemas(path: str) -> list[str]:
    """Schemas a plain SQL dump creates (``CREATE SCHEMA name;`` lines), as written there (quoted if needed)."""
    names = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("CREATE SCHEMA ") and line.rstrip().endswith(";"):
                names.append(line[len("CREATE SCHEMA ") :].rstrip().rstrip(";").strip())
    return names


def _sql_digest(path: str) -> str:
    """Digest of plain SQL without comments, blank lines and pg_dump's random \\restrict keys."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped or stripped.startswith(b"--") or stripped.startswith((b"\\restrict", b"\\unrestrict")):
                continue
            sha.update(line)
    return sha.hexdigest()
