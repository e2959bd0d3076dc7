"""The S3 client against a real S3-compatible server (moto, signatures checked).

Faults: wrong secret, unknown key, missing bucket, connection refused, the
server cut mid-upload (a proxy), 5xx answers retried (patched opener).
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import Any
from urllib.error import HTTPError

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils._s3 import (
    MIN_PART_SIZE,
    S3Client,
    S3Error,
    error_code,
)
from ansible_collections.aistack.baremetal.tests.unit.s3_server import CuttingProxy, S3Server


def test_put_head_get_list(s3_server: S3Server, bucket: str) -> None:
    client = s3_server.client()
    client.check_bucket(bucket)
    client.put_object(bucket, "dir/a b$+.txt", b"hello", {"sha256": "abc"})
    head = client.head_object(bucket, "dir/a b$+.txt")
    assert head == {"size": 5, "etag": hashlib.md5(b"hello").hexdigest(), "metadata": {"sha256": "abc"}}  # noqa: S324
    assert client.get_object(bucket, "dir/a b$+.txt") == b"hello"
    assert client.get_object(bucket, "dir/missing") is None
    assert client.head_object(bucket, "dir/missing") is None
    assert [o["key"] for o in client.list_objects(bucket, "dir/")] == ["dir/a b$+.txt"]
    assert client.list_objects(bucket, "other/") == []


def test_multipart_upload_round_trip(s3_server: S3Server, bucket: str) -> None:
    client = s3_server.client(part_size=MIN_PART_SIZE)
    data = os.urandom(2 * MIN_PART_SIZE + 12345)
    seen = hashlib.sha256()
    requests = client.upload(bucket, "big", io.BytesIO(data), len(data), metadata={"k": "v"}, on_chunk=seen.update)
    assert requests == 5  # start, three parts, complete
    assert seen.hexdigest() == hashlib.sha256(data).hexdigest()
    head = client.head_object(bucket, "big")
    assert head and head["size"] == len(data) and head["metadata"] == {"k": "v"} and head["etag"].endswith("-3")
    out = bytearray()
    assert client.download(bucket, "big", out.extend) == len(data)
    assert bytes(out) == data


def test_failed_check_before_commit_leaves_no_object(s3_server: S3Server, bucket: str) -> None:
    client = s3_server.client(part_size=MIN_PART_SIZE)
    data = os.urandom(MIN_PART_SIZE + 10)

    def refuse() -> None:
        raise ValueError("digest mismatch")

    with pytest.raises(ValueError):
        client.upload(bucket, "never", io.BytesIO(data), len(data), before_commit=refuse)
    assert client.head_object(bucket, "never") is None
    with pytest.raises(ValueError):
        client.upload(bucket, "small", io.BytesIO(b"abc"), 3, before_commit=refuse)
    assert client.head_object(bucket, "small") is None


def test_listing_follows_continuation(s3_server: S3Server, bucket: str) -> None:
    client = s3_server.client()
    for i in range(5):
        client.put_object(bucket, f"many/{i}", b"")
    client.put_object(bucket, "other", b"")
    before = client.counts["requests"]
    keys = [o["key"] for o in client.list_objects(bucket, "many/", page_size=2)]
    assert keys == [f"many/{i}" for i in range(5)]
    assert client.counts["requests"] - before == 3


def test_wrong_secret_is_named(s3_server: S3Server, bucket: str) -> None:
    client = s3_server.client(secret_key="not-the-secret")
    with pytest.raises(S3Error) as exc:
        client.put_object(bucket, "k", b"x")
    assert exc.value.code == "SignatureDoesNotMatch" and exc.value.status == 403
    assert f"PUT s3://{bucket}/k at {s3_server.endpoint}" in str(exc.value)
    assert "secret key is wrong" in str(exc.value)
    # HEAD answers carry no body: check_bucket asks again to learn the code.
    with pytest.raises(S3Error) as exc:
        client.check_bucket(bucket)
    assert exc.value.code == "SignatureDoesNotMatch"


def test_unknown_access_key_is_named(s3_server: S3Server, bucket: str) -> None:
    client = s3_server.client(access_key="AKIANOTAKEY000000000", secret_key="x")
    with pytest.raises(S3Error) as exc:
        client.check_bucket(bucket)
    assert exc.value.code == "InvalidAccessKeyId" and "access key is unknown" in str(exc.value)


def test_missing_bucket(s3_server: S3Server) -> None:
    client = s3_server.client()
    with pytest.raises(S3Error) as exc:
        client.check_bucket("no-such-bucket-here")
    assert exc.value.code == "NoSuchBucket"
    assert str(exc.value) == (
        f"bucket 'no-such-bucket-here' does not exist at {s3_server.endpoint} (HTTP 404 NoSuchBucket); create it first"
    )
    with pytest.raises(S3Error) as exc:
        client.put_object("no-such-bucket-here", "k", b"x")
    assert exc.value.code == "NoSuchBucket" and "s3://no-such-bucket-here/k" in str(exc.value)


def test_connection_refused_is_retried_then_named() -> None:
    sleeps: list[float] = []
    client = S3Client("http://127.0.0.1:9", "a", "b", retries=2, retry_delay=0.5, sleep=sleeps.append)
    with pytest.raises(S3Error) as exc:
        client.head_object("bucket", "key")
    assert "HEAD s3://bucket/key at http://127.0.0.1:9 failed: cannot reach the S3 server" in str(exc.value)
    assert "after 3 attempt(s)" in str(exc.value)
    assert sleeps == [0.5, 1.0] and client.counts["retries"] == 2


def test_server_cut_mid_multipart_upload(s3_server: S3Server, bucket: str) -> None:
    proxy = CuttingProxy(s3_server.endpoint, budget=MIN_PART_SIZE + MIN_PART_SIZE // 2)
    try:
        client = s3_server.client(endpoint=proxy.url, part_size=MIN_PART_SIZE, retries=2)
        data = os.urandom(3 * MIN_PART_SIZE)
        with pytest.raises(S3Error) as exc:
            client.upload(bucket, "cut", io.BytesIO(data), len(data))
        assert "PUT part 2" in str(exc.value) and "cannot reach the S3 server" in str(exc.value)
        assert client.counts["retries"] == 2
    finally:
        proxy.close()
    # Nothing visible; the server itself is fine.
    assert s3_server.client().head_object(bucket, "cut") is None


class Answer:
    def __init__(self, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self._body = io.BytesIO(body)
        self.headers = headers or {}

    def read(self, n: int = -1) -> bytes:
        return self._body.read(n)


def test_5xx_is_retried_and_4xx_is_not() -> None:
    calls: list[str] = []

    def opener(url: str, **kwargs: Any) -> Answer:
        calls.append(kwargs["method"])
        if len(calls) == 1:
            raise HTTPError(url, 503, "Slow Down", {}, io.BytesIO(b"<Error><Code>SlowDown</Code></Error>"))  # type: ignore[arg-type]
        return Answer(b"", {"ETag": '"e"'})

    client = S3Client("http://s3.test", "a", "b", opener=opener, sleep=lambda _: None)
    assert client.put_object("bkt", "k", b"x") == "e"
    assert calls == ["PUT", "PUT"]

    def forbidden(url: str, **kwargs: Any) -> Answer:
        calls.append("403")
        body = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
        raise HTTPError(url, 403, "Forbidden", {}, io.BytesIO(body))  # type: ignore[arg-type]

    calls.clear()
    client = S3Client("http://s3.test", "a", "b", opener=forbidden, sleep=lambda _: None)
    with pytest.raises(S3Error) as exc:
        client.put_object("bkt", "k", b"x")
    assert calls == ["403"] and exc.value.code == "AccessDenied"
    assert str(exc.value) == (
        "PUT s3://bkt/k at http://s3.test failed: HTTP 403 AccessDenied: Access Denied "
        "(the key pair may not do this on this bucket)"
    )


def test_request_is_signed_with_the_url_it_sends() -> None:
    seen: dict[str, Any] = {}

    def opener(url: str, **kwargs: Any) -> Answer:
        seen.update(url=url, **kwargs)
        return Answer()

    client = S3Client("http://s3.test:8333/", "AKID", "secret", region="eu-west-1", session_token="tok", opener=opener)
    client.request("GET", "bkt", "a b/c", params=[("prefix", "x y")])
    assert seen["url"] == "http://s3.test:8333/bkt/a%20b/c?prefix=x%20y"
    headers = seen["headers"]
    assert headers["x-amz-security-token"] == "tok"
    assert "/eu-west-1/s3/aws4_request" in headers["authorization"]
    assert "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token" in headers["authorization"]
    assert "host" not in headers  # urllib sends the URL's netloc, the value that was signed


def test_error_code_parses_s3_error_documents() -> None:
    body = b'<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>gone</Message></Error>'
    assert error_code(body) == ("NoSuchKey", "gone")
    assert error_code(b"not xml") == (None, None)
    assert error_code(None) == (None, None)


def test_part_size_bounds() -> None:
    with pytest.raises(S3Error, match="part_size_mb must be between 5 and 5120"):
        S3Client("http://s3.test", "a", "b", part_size=1024)
    with pytest.raises(S3Error, match="not an http"):
        S3Client("s3.test", "a", "b")
