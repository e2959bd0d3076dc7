"""Fixtures shared by the plugin tests: the S3 server (moto, see tests/unit/s3_server.py) and PostgreSQL."""

from __future__ import annotations

from ansible_collections.aistack.baremetal.tests.unit.pg_server import pg_server
from ansible_collections.aistack.baremetal.tests.unit.s3_server import bucket, s3_server

__all__ = ["bucket", "pg_server", "s3_server"]
