#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: openwebui_backup
short_description: Back up Open WebUI's database and uploads to S3, or restore them
version_added: 0.1.0
description:
  - Works on Open WebUI's data directory (E(DATA_DIR)) on the host where it is mounted.
  - With O(state=present), takes a backup named O(name) under C(<prefix>/<name>/) in the bucket, a consistent copy
    of the SQLite database made with SQLite's online backup API (safe while Open WebUI runs and writes; the copy
    must pass C(PRAGMA integrity_check)), every file of O(directories), and last a C(manifest.json) with the
    path, size and SHA-256 of each file, the creation time and the Open WebUI version when O(openwebui_version)
    gives it. A backup whose manifest exists is complete; with the same O(name) the task does nothing
    (O(force=true) takes it again).
  - With O(state=restored), restores backup O(name) (the newest one when O(name) is not given). Every file is
    downloaded into a staging directory inside O(data_dir) and its SHA-256 checked before anything is replaced;
    a corrupted or missing file fails the task with the data untouched. Then the current database (with its
    C(-wal), C(-shm) and C(-journal) files) and directories are moved to C(.aistack-previous-<time>/) in
    O(data_dir) (deleted instead with O(keep_previous=false)) and the restored ones renamed into place.
  - Restore refuses to replace the data of a running instance, one where a process has the database open (as
    far as C(/proc) on the host shows). Stop Open WebUI first (C(kubectl scale --replicas=0) on its deployment, or
    stop its service) or set O(allow_running=true). When the data already matches the backup, nothing is done.
  - With a PostgreSQL O(database_url), the database part of a backup is C(pg_dump --format=custom) (one consistent
    snapshot, C(database.pgdump)); a restore applies it with C(psql --single-transaction) after dropping the
    C(public) schema and the schemas the dump creates, so the database ends up with exactly the backup's content
    and a failed restore leaves it as it was. The replaced database is dumped into C(.aistack-previous-<time>/)
    first. Whether the database already holds the backup is decided by comparing the plain SQL of both. A restore
    refuses to run while other sessions are connected to the database (Open WebUI running), unless
    O(allow_running=true).
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - aistack.baremetal.s3
options:
  state:
    description:
      - V(present) takes a backup; V(restored) restores one.
    type: str
    choices: [present, restored]
    default: present
  data_dir:
    description:
      - Open WebUI's data directory (E(DATA_DIR); V(/app/backend/data) inside its container).
    type: path
    required: true
  database_url:
    description:
      - Open WebUI's E(DATABASE_URL) when it is set. V(sqlite:///...) URLs name the database file;
        V(postgresql://user:password@host:port/database) URLs (also with a SQLAlchemy driver suffix such as
        V(postgresql+psycopg2://)) are backed up with C(pg_dump). Without it the database is
        C(<data_dir>/webui.db).
      - The password is handed to the PostgreSQL tools in E(PGPASSWORD), never on a command line.
    type: str
  name:
    description:
      - Name of the backup (no C(/)). Default when taking one, the UTC time, for example V(20260130T020000Z), so
        every run takes a new backup; when restoring, the newest backup under O(prefix).
    type: str
  prefix:
    description:
      - Key prefix of the backups in the bucket.
    type: str
    default: openwebui
  directories:
    description:
      - Directories of O(data_dir) to back up besides the database, file by file. C(uploads) holds the users'
        files. The vector database (C(vector_db)) can be rebuilt from them and is not copied by default; a copy
        of it taken while Open WebUI runs is not consistent.
    type: list
    elements: str
    default: [uploads]
  openwebui_version:
    description:
      - Open WebUI version recorded in the manifest (informative; a restore does not check it).
    type: str
  force:
    description:
      - With O(state=present), take the backup again even when one named O(name) exists.
    type: bool
    default: false
  allow_running:
    description:
      - With O(state=restored), replace the data even while a process has the database open. Open WebUI then keeps
        the replaced database open; restart it right after.
    type: bool
    default: false
  keep_previous:
    description:
      - With O(state=restored), keep the replaced data in C(<data_dir>/.aistack-previous-<time>/).
    type: bool
    default: true
  tmp_dir:
    description:
      - Directory for the database snapshot while a backup is taken (it needs the database's size free).
        Default the system's temporary directory.
    type: path
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
    details: A backup lists the files it would copy; a restore downloads and verifies every file of the backup
      without writing it.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) when in diff mode.
    support: partial
    details: For O(state=restored), the files of the data that match the backup before and after.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
requirements:
  - For PostgreSQL, C(pg_dump), C(pg_restore) and C(psql) of the server's major version or newer on the host that
    runs the task (Debian/Ubuntu package C(postgresql-client)); the database user must own the database.
notes:
  - The database copy is taken with the connection opened read-only; the database's directory must be readable
    by the user the module runs as.
  - Restored files belong to that user; run as Open WebUI's user (or fix ownership) before starting it.
seealso:
  - module: aistack.baremetal.ollama_archive
  - module: aistack.baremetal.openwebui_config
"""

EXAMPLES = r"""
- name: Back up Open WebUI's data every night
  aistack.baremetal.openwebui_backup:
    data_dir: /var/lib/openwebui/data
    openwebui_version: "0.6.12"
    endpoint_url: http://127.0.0.1:8333
    bucket: backups
    access_key: "{{ vault_s3_access_key }}"
    secret_key: "{{ vault_s3_secret_key }}"
  register: __backup

- name: Back up an instance that keeps its data in PostgreSQL
  aistack.baremetal.openwebui_backup:
    data_dir: /var/lib/openwebui/data
    database_url: "{{ vault_openwebui_database_url }}"  # postgresql://openwebui:...@db:5432/openwebui
    endpoint_url: http://127.0.0.1:8333
    bucket: backups
    access_key: "{{ vault_s3_access_key }}"
    secret_key: "{{ vault_s3_secret_key }}"

- name: Restore the newest backup into a stopped instance
  aistack.baremetal.openwebui_backup:
    state: restored
    data_dir: /var/lib/openwebui/data
    endpoint_url: http://127.0.0.1:8333
    bucket: backups
    access_key: "{{ vault_s3_access_key }}"
    secret_key: "{{ vault_s3_secret_key }}"
"""

RETURN = r"""
name:
  description: Name of the backup taken or restored.
  returned: success
  type: str
  sample: 20260130T020000Z
manifest_key:
  description: Key of the backup's manifest in the bucket.
  returned: when O(state=present)
  type: str
  sample: openwebui/20260130T020000Z/manifest.json
manifest:
  description: The backup's manifest (not returned for a backup only planned in check mode).
  returned: success
  type: dict
  sample:
    format: aistack.openwebui_backup/1
    name: 20260130T020000Z
    created: "2026-01-30T02:00:00Z"
    openwebui_version: 0.6.12
    database: {engine: sqlite, path: webui.db}  # postgresql: {engine, path: database.pgdump, format, content_sha256}
    directories: [uploads]
    files: [{path: webui.db, sha256: 9f86d0..., size: 1171456}]
files:
  description: Paths, relative to O(data_dir), of the files in the backup (or that would be).
  returned: when O(state=present) and a backup is taken
  type: list
  elements: str
  sample: [webui.db, uploads/3f1c_report.pdf]
size:
  description: Bytes uploaded.
  returned: when a backup is taken
  type: int
  sample: 1260000
database:
  description: Path of the SQLite database, or which PostgreSQL database (name and server, no credentials).
  returned: success
  type: str
  sample: /var/lib/openwebui/data/webui.db
replaced:
  description: Files of the backup that differed from (or were missing in) the data before the restore.
  returned: when O(state=restored)
  type: list
  elements: str
  sample: [webui.db]
removed:
  description: Files in the restored directories that are not in the backup (moved aside with the old data).
  returned: when O(state=restored)
  type: list
  elements: str
  sample: [uploads/new_since_backup.txt]
verified:
  description: Whether every file of the backup was downloaded and matched its SHA-256.
  returned: when O(state=restored) and the data differed
  type: bool
  sample: true
previous:
  description: Where the replaced data was moved (V(null) when there was none or O(keep_previous=false)).
  returned: when O(state=restored) and the data was replaced
  type: str
  sample: /var/lib/openwebui/data/.aistack-previous-20260130T101500Z
requests:
  description: What the run cost on the S3 side.
  returned: always
  type: dict
  sample: {requests: 7, retries: 0, bytes_up: 1260000, bytes_down: 0}
"""

from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup import backup, restore
from ansible_collections.aistack.baremetal.plugins.module_utils._openwebui_backup_db import BackupError
from ansible_collections.aistack.baremetal.plugins.module_utils._s3 import S3Client, run_s3_module, s3_module


def main() -> None:
    module = s3_module(
        {
            "state": {"type": "str", "choices": ["present", "restored"], "default": "present"},
            "data_dir": {"type": "path", "required": True},
            "database_url": {"type": "str", "no_log": True},
            "name": {"type": "str"},
            "prefix": {"type": "str", "default": "openwebui"},
            "directories": {"type": "list", "elements": "str", "default": ["uploads"]},
            "openwebui_version": {"type": "str"},
            "force": {"type": "bool", "default": False},
            "allow_running": {"type": "bool", "default": False},
            "keep_previous": {"type": "bool", "default": True},
            "tmp_dir": {"type": "path"},
        }
    )
    params = module.params

    def run(argv: list[str], env: Any) -> tuple[int, str, str]:
        # PostgreSQL's tools: the password travels in PGPASSWORD, never on the command line.
        if module.get_bin_path(argv[0]) is None:
            raise FileNotFoundError(argv[0])
        rc, out, err = module.run_command(argv, environ_update=dict(env))
        return rc, out, err

    common = {
        "data_dir": params["data_dir"],
        "database_url": params["database_url"],
        "name": params["name"],
        "check_mode": module.check_mode,
        "run": run,
    }

    def action(client: S3Client) -> dict[str, Any]:
        if params["state"] == "present":
            return backup(
                client,
                params["bucket"],
                params["prefix"],
                directories=params["directories"],
                version=params["openwebui_version"],
                force=params["force"],
                tmp_dir=params["tmp_dir"],
                **common,
            )
        return restore(
            client,
            params["bucket"],
            params["prefix"],
            allow_running=params["allow_running"],
            keep_previous=params["keep_previous"],
            **common,
        )

    run_s3_module(module, action, (BackupError,))


if __name__ == "__main__":
    main()
