"""Fixtures shared by the plugin tests: the S3 server (moto, see tests/unit/s3_server.py)."""

from __future__ import annotations

from ansible_collections.aistack.baremetal.tests.unit.s3_server import bucket, s3_server

__all__ = ["bucket", "s3_server"]
