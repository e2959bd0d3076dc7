# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small S3 client over ansible.module_utils.urls, shared by the S3 modules.

Private to this collection. Stdlib and ansible.module_utils only: it runs on
the managed host. Path-style addressing (``<endpoint>/<bucket>/<key>``), the
way in-cluster object stores (SeaweedFS, Garage, MinIO) are reached by
address, signed with AWS Signature V4 (``_s3_sigv4.py``).

What it does: HEAD/GET/PUT an object, upload a large stream in parts
(multipart upload, bounded part size, each part retried), list keys under a
prefix. Every failure is an :class:`S3Error` whose message names the
endpoint, bucket, key, HTTP status and S3 error code, with a hint for the
usual causes (wrong keys, missing bucket, server not reachable).
"""

from __future__ import annotations

import hashlib
import http.client
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback
from ansible.module_utils.urls import open_url

from ansible_collections.aistack.baremetal.plugins.module_utils._s3_sigv4 import (
    EMPTY_SHA256,
    amz_date,
    authorization,
    canonical_uri,
)

# Connection options of every module in the aistack.baremetal.s3 action
# group; documented once in the aistack.baremetal.s3 doc fragment.
CONNECTION_ARGUMENT_SPEC: dict[str, Any] = {
    "endpoint_url": {
        "type": "str",
        "required": True,
        "fallback": (env_fallback, ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]),
    },
    "access_key": {
        "type": "str",
        "required": True,
        "no_log": True,
        "fallback": (env_fallback, ["AWS_ACCESS_KEY_ID"]),
    },
    "secret_key": {
        "type": "str",
        "required": True,
        "no_log": True,
        "fallback": (env_fallback, ["AWS_SECRET_ACCESS_KEY"]),
    },
    "session_token": {"type": "str", "no_log": True, "fallback": (env_fallback, ["AWS_SESSION_TOKEN"])},
    "region": {"type": "str", "default": "us-east-1", "fallback": (env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])},
    "bucket": {"type": "str", "required": True},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 60},
    "retries": {"type": "int", "default": 3},
    "part_size_mb": {"type": "int", "default": 64},
}

# S3 refuses parts below 5 MiB (except the last) and above 5 GiB.
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_SIZE = 5 * 1024 * 1024 * 1024
MAX_PARTS = 10000
# Statuses worth another try: the server is busy or restarting.
RETRY_STATUSES = frozenset({500, 502, 503, 504, 429})
CHUNK = 1024 * 1024

HINTS = {
    "SignatureDoesNotMatch": "the secret key is wrong for this access key",
    "InvalidAccessKeyId": "the access key is unknown to the server",
    "AccessDenied": "the key pair may not do this on this bucket",
    "NoSuchBucket": "the bucket does not exist; create it first",
    "NoSuchKey": "no object with this key",
}

Opener = Callable[..., Any]


class S3Error(Exception):
    """A request failed; ``status`` and ``code`` are set when the server answered."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml(raw: bytes) -> ET.Element | None:
    try:
        # The configured server's answers; stdlib expat resolves no external entities.
        return ET.fromstring(raw)  # noqa: S314
    except ET.ParseError:
        return None


def _find(elem: ET.Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name:
            return child.text or ""
    return None


def _findall(elem: ET.Element, name: str) -> Iterator[ET.Element]:
    for child in elem:
        if _local(child.tag) == name:
            yield child


def error_code(raw: bytes | None) -> tuple[str | None, str | None]:
    """(Code, Message) of an S3 ``<Error>`` document, else (None, None)."""
    if not raw:
        return None, None
    root = _xml(raw)
    if root is None or _local(root.tag) != "Error":
        return None, None
    return _find(root, "Code"), _find(root, "Message")


class S3Client:
    """One S3 endpoint and key pair."""

    def __init__(
        self,
        endpoint_url: str,
        access_key: str,
        secret_key: str,
        *,
        region: str = "us-east-1",
        session_token: str | None = None,
        validate_certs: bool = True,
        timeout: int = 60,
        retries: int = 3,
        retry_delay: float = 1.0,
        part_size: int = 64 * 1024 * 1024,
        opener: Opener | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise S3Error(f"endpoint_url {endpoint_url!r} is not an http(s) URL")
        self.endpoint = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.netloc
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.session_token = session_token
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retries = max(0, retries)
        self.retry_delay = retry_delay
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise S3Error(f"part_size_mb must be between 5 and 5120, got {part_size // (1024 * 1024)}")
        self.part_size = part_size
        self._open = opener
        self._sleep = sleep
        self.counts: dict[str, int] = {"requests": 0, "retries": 0, "bytes_up": 0, "bytes_down": 0}

    @classmethod
    def from_params(cls, params: Mapping[str, Any], **kwargs: Any) -> S3Client:
        """A client from a module's CONNECTION_ARGUMENT_SPEC options."""
        return cls(
            params["endpoint_url"],
            params["access_key"],
            params["secret_key"],
            region=params["region"],
            session_token=params["session_token"],
            validate_certs=params["validate_certs"],
            timeout=params["timeout"],
            retries=params["retries"],
            part_size=params["part_size_mb"] * 1024 * 1024,
            **kwargs,
        )

    def where(self, bucket: str, key: str = "") -> str:
        """``s3://bucket/key at http://endpoint`` for messages."""
        return f"s3://{bucket}/{key} at {self.endpoint}"

    # -- low level -----------------------------------------------------------------

    def _send(
        self,
        method: str,
        bucket: str,
        key: str,
        params: list[tuple[str, str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Any:
        path = "/" + bucket + ("/" + key if key else "")
        query = "&".join(quote(k, safe="-_.~") + ("=" + quote(v, safe="-_.~") if v else "") for k, v in params)
        url = self.endpoint + canonical_uri(path) + ("?" + query if query else "")
        payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        stamp = amz_date()
        signed = {"host": self.host, "x-amz-date": stamp, "x-amz-content-sha256": payload_hash}
        if self.session_token:
            signed["x-amz-security-token"] = self.session_token
        signed.update({k.lower(): v for k, v in headers.items()})
        if method in ("PUT", "POST"):
            # Without one, urllib labels the body a form, which some servers then parse away.
            signed.setdefault("content-type", "application/octet-stream")
        signed["authorization"] = authorization(
            method=method,
            path=path,
            params=params,
            headers=signed,
            payload_hash=payload_hash,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            service="s3",
            timestamp=stamp,
        )
        # urllib sets Host itself from the URL (the same netloc that was signed).
        send_headers = {k: v for k, v in signed.items() if k != "host"}
        self.counts["requests"] += 1
        # Looked up per call so tests can patch open_url in this module.
        return (self._open or open_url)(
            url,
            method=method,
            data=body if body or method in ("PUT", "POST") else None,
            headers=send_headers,
            validate_certs=self.validate_certs,
            timeout=self.timeout,
            follow_redirects="none",
        )

    def request(
        self,
        method: str,
        bucket: str,
        key: str = "",
        *,
        params: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        what: str | None = None,
    ) -> Any:
        """Send one request, retrying connection failures and 5xx; return the response.

        Raises S3Error naming the endpoint, bucket, key, status and S3 code.
        """
        label = f"{what or method} {self.where(bucket, key)}"
        attempt = 0
        while True:
            try:
                resp = self._send(method, bucket, key, params or [], headers or {}, body)
            except HTTPError as exc:
                try:
                    raw = exc.read()
                except Exception:  # pragma: no cover - a body that cannot be read
                    raw = None
                code, message = error_code(raw)
                if exc.code in RETRY_STATUSES and attempt < self.retries:
                    attempt = self._backoff(attempt)
                    continue
                raise self._http_error(label, exc.code, code, message or str(exc.reason)) from None
            except (URLError, OSError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", exc)
                if attempt < self.retries:
                    attempt = self._backoff(attempt)
                    continue
                raise S3Error(
                    f"{label} failed: cannot reach the S3 server ({reason}) after {attempt + 1} attempt(s); "
                    "is it running and is endpoint_url right?"
                ) from None
            self.counts["bytes_up"] += len(body)
            return resp

    def _backoff(self, attempt: int) -> int:
        self.counts["retries"] += 1
        self._sleep(self.retry_delay * (2**attempt))
        return attempt + 1

    @staticmethod
    def _http_error(label: str, status: int, code: str | None, message: str) -> S3Error:
        if code is None:
            code = {404: "NotFound", 403: "Forbidden", 401: "Unauthorized"}.get(status)
        hint = HINTS.get(code or "")
        text = f"{label} failed: HTTP {status} {code or ''}: {message}".rstrip()
        if hint:
            text += f" ({hint})"
        return S3Error(text, status, code)

    def _read(self, resp: Any) -> bytes:
        data: bytes = resp.read()
        self.counts["bytes_down"] += len(data)
        return data

    # -- buckets and objects -------------------------------------------------------

    def check_bucket(self, bucket: str) -> None:
        """Fail unless the bucket exists and the keys may read it."""
        try:
            self.request("HEAD", bucket, what="HEAD bucket")
        except S3Error as exc:
            if exc.status == 404:
                raise S3Error(
                    f"bucket {bucket!r} does not exist at {self.endpoint} (HTTP 404 NoSuchBucket); create it first",
                    404,
                    "NoSuchBucket",
                ) from None
            if exc.status == 403:
                # HEAD has no body: ask again with GET to learn the S3 code.
                self.request("GET", bucket, params=[("list-type", "2"), ("max-keys", "1")], what="GET bucket")
            raise

    def head_object(self, bucket: str, key: str) -> dict[str, Any] | None:
        """{size, etag, metadata} of an object, None when it does not exist."""
        try:
            resp = self.request("HEAD", bucket, key)
        except S3Error as exc:
            if exc.status == 404:
                return None
            raise
        info = resp.headers
        meta = {k.lower()[len("x-amz-meta-") :]: v for k, v in info.items() if k.lower().startswith("x-amz-meta-")}
        return {
            "size": int(info.get("Content-Length") or 0),
            "etag": (info.get("ETag") or "").strip('"'),
            "metadata": meta,
        }

    def get_object(self, bucket: str, key: str) -> bytes | None:
        """The whole object (small objects only), None when it does not exist."""
        try:
            resp = self.request("GET", bucket, key)
        except S3Error as exc:
            if exc.code == "NoSuchKey" or (exc.status == 404 and exc.code in (None, "NotFound")):
                return None
            raise
        return self._read(resp)

    def download(self, bucket: str, key: str, sink: Callable[[bytes], None]) -> int:
        """Stream an object into ``sink`` chunk by chunk; return its size.

        A connection lost mid-body raises S3Error (the caller discards what
        it wrote).
        """
        resp = self.request("GET", bucket, key)
        total = 0
        try:
            while True:
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                self.counts["bytes_down"] += len(chunk)
                sink(chunk)
        except (OSError, http.client.HTTPException) as exc:
            raise S3Error(
                f"GET {self.where(bucket, key)} failed: connection lost after {total} bytes ({exc})"
            ) from None
        expected = resp.headers.get("Content-Length")
        if expected is not None and int(expected) != total:
            raise S3Error(f"GET {self.where(bucket, key)} failed: connection closed after {total} of {expected} bytes")
        return total

    def put_object(self, bucket: str, key: str, body: bytes, metadata: Mapping[str, str] | None = None) -> str:
        """PUT one object; return its ETag."""
        headers = {f"x-amz-meta-{k}": v for k, v in (metadata or {}).items()}
        headers["content-type"] = "application/octet-stream"
        resp = self.request("PUT", bucket, key, headers=headers, body=body)
        self._read(resp)
        return str(resp.headers.get("ETag") or "").strip('"')

    def upload(
        self,
        bucket: str,
        key: str,
        stream: IO[bytes],
        size: int,
        *,
        metadata: Mapping[str, str] | None = None,
        on_chunk: Callable[[bytes], None] | None = None,
        before_commit: Callable[[], None] | None = None,
    ) -> int:
        """Upload ``size`` bytes from ``stream``; return how many requests it took.

        Up to one part size goes in a single PUT; more goes in a multipart
        upload of part-size pieces. ``on_chunk`` sees every byte read (to
        hash it), ``before_commit`` runs after the last byte is read and
        before the object becomes visible: raising there (a digest mismatch)
        leaves no object behind (the multipart upload is aborted).
        """
        part_size = self.part_size
        while size > part_size * MAX_PARTS:
            part_size *= 2
        if size <= part_size:
            body = self._read_exact(stream, size, bucket, key)
            if on_chunk:
                on_chunk(body)
            if before_commit:
                before_commit()
            self.put_object(bucket, key, body, metadata)
            return 1
        headers = {f"x-amz-meta-{k}": v for k, v in (metadata or {}).items()}
        headers["content-type"] = "application/octet-stream"
        resp = self.request("POST", bucket, key, params=[("uploads", "")], headers=headers, what="POST (start upload)")
        root = _xml(self._read(resp))
        upload_id = _find(root, "UploadId") if root is not None else None
        if not upload_id:
            raise S3Error(f"POST {self.where(bucket, key)}?uploads failed: no UploadId in the answer")
        requests = 1
        try:
            etags: list[str] = []
            remaining = size
            number = 0
            while remaining > 0:
                number += 1
                body = self._read_exact(stream, min(part_size, remaining), bucket, key)
                remaining -= len(body)
                if on_chunk:
                    on_chunk(body)
                resp = self.request(
                    "PUT",
                    bucket,
                    key,
                    params=[("partNumber", str(number)), ("uploadId", upload_id)],
                    body=body,
                    what=f"PUT part {number}",
                )
                self._read(resp)
                etags.append(str(resp.headers.get("ETag") or ""))
                requests += 1
            if before_commit:
                before_commit()
            doc = "<CompleteMultipartUpload>" + "".join(
                f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in enumerate(etags, 1)
            )
            doc += "</CompleteMultipartUpload>"
            resp = self.request(
                "POST",
                bucket,
                key,
                params=[("uploadId", upload_id)],
                headers={"content-type": "application/xml"},
                body=doc.encode("utf-8"),
                what="POST (complete upload)",
            )
            # S3 may answer 200 with an error document here.
            code, message = error_code(self._read(resp))
            if code:
                raise S3Error(f"POST (complete upload) {self.where(bucket, key)} failed: {code}: {message}", 200, code)
            return requests + 1
        except BaseException:
            self._abort(bucket, key, upload_id)
            raise

    def _abort(self, bucket: str, key: str, upload_id: str) -> None:
        """Best effort: drop the parts of an unfinished upload."""
        saved = self.retries
        self.retries = 0
        try:
            self.request("DELETE", bucket, key, params=[("uploadId", upload_id)], what="DELETE (abort upload)")
        except S3Error:
            pass
        finally:
            self.retries = saved

    @staticmethod
    def _read_exact(stream: IO[bytes], n: int, bucket: str, key: str) -> bytes:
        data = stream.read(n)
        if len(data) != n:
            raise S3Error(f"upload of s3://{bucket}/{key}: the source ended after {len(data)} of {n} bytes")
        return data

    def list_objects(self, bucket: str, prefix: str = "", page_size: int = 1000) -> list[dict[str, Any]]:
        """Every object under ``prefix``: [{key, size, etag}], following continuation tokens."""
        out: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params = [("list-type", "2"), ("max-keys", str(page_size))]
            if prefix:
                params.append(("prefix", prefix))
            if token:
                params.append(("continuation-token", token))
            resp = self.request("GET", bucket, params=params, what=f"GET (list {prefix or '/'})")
            root = _xml(self._read(resp))
            if root is None:
                raise S3Error(f"GET (list) {self.where(bucket, prefix)} failed: the answer is not XML")
            for item in _findall(root, "Contents"):
                out.append(
                    {
                        "key": _find(item, "Key") or "",
                        "size": int(_find(item, "Size") or 0),
                        "etag": (_find(item, "ETag") or "").strip('"'),
                    }
                )
            if (_find(root, "IsTruncated") or "false").lower() != "true":
                return out
            token = _find(root, "NextContinuationToken")
            if not token:
                return out


def s3_module(argument_spec: Mapping[str, Any]) -> AnsibleModule:
    """An AnsibleModule with the connection options and the module's own ones, check mode supported."""
    spec: dict[str, Any] = dict(CONNECTION_ARGUMENT_SPEC)
    spec.update(argument_spec)
    return AnsibleModule(argument_spec=spec, supports_check_mode=True)


def run_s3_module(
    module: AnsibleModule,
    action: Callable[[S3Client], dict[str, Any]],
    errors: tuple[type[Exception], ...] = (),
) -> None:
    """Run ``action`` with a client from the module's connection options and exit with its result.

    ``S3Error`` and ``errors`` fail the task with their message, ``OSError``
    with its cause and file; both report what the run cost on the S3 side
    (``requests``). The result's ``diff`` is returned only in diff mode.
    """
    client: S3Client | None = None
    result: dict[str, Any] = {}
    expected: tuple[type[BaseException], ...] = (S3Error, *errors)
    try:
        client = S3Client.from_params(module.params)
        result = action(client)
    except expected as exc:
        module.fail_json(msg=str(exc), requests=client.counts if client else {})
    except OSError as exc:
        module.fail_json(
            msg=f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}",
            requests=client.counts if client else {},
        )
    diff = result.pop("diff", None)
    if module._diff and diff is not None:
        result["diff"] = diff
    result["requests"] = client.counts if client else {}
    module.exit_json(**result)
