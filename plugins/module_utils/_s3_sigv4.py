# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Signature Version 4 for HTTP requests (header signing), stdlib only.

Private to this collection; used by the S3 client in ``_s3.py``. One job:
turn a request (method, path, query, headers, payload hash) and a key pair
into the ``Authorization`` header. The steps are the published ones:

1. canonical request: method, URI-encoded path, sorted encoded query,
   lower-cased trimmed headers, the signed header list, the payload hash;
2. string to sign: algorithm, timestamp, credential scope, hash of (1);
3. signing key: HMAC chain over date, region, service, ``aws4_request``;
4. signature: HMAC of (2) with (3), hex.

S3 signs the path as it is sent (encoded once, no dot-segment
normalisation), which is what :func:`canonical_uri` does.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def uri_encode(text: str, *, keep_slash: bool = False) -> str:
    """Percent-encode everything but the unreserved characters (RFC 3986), UTF-8."""
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def canonical_uri(path: str) -> str:
    """The path encoded once, ``/`` kept; an empty path is ``/``."""
    return uri_encode(path or "/", keep_slash=True)


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """``k=v`` pairs, each side encoded, sorted by encoded key then value."""
    pairs = sorted((uri_encode(k), uri_encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in pairs)


def _trim(value: str) -> str:
    return " ".join(value.strip().split())


def canonical_headers(headers: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """(canonical header block, signed header list) from (name, value) pairs.

    Names are lower-cased, values trimmed with inner runs of spaces folded;
    repeated names are joined with commas in the order given.
    """
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        merged.setdefault(name.strip().lower(), []).append(_trim(value))
    names = sorted(merged)
    block = "".join(f"{n}:{','.join(merged[n])}\n" for n in names)
    return block, ";".join(names)


def canonical_request(
    method: str,
    path: str,
    params: Iterable[tuple[str, str]],
    headers: Iterable[tuple[str, str]],
    payload_hash: str,
) -> tuple[str, str]:
    """(canonical request, signed header list)."""
    block, signed = canonical_headers(headers)
    text = "\n".join([method.upper(), canonical_uri(path), canonical_query(params), block, signed, payload_hash])
    return text, signed


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """The derived key for one day, region and service."""
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def amz_date(now: datetime.datetime | None = None) -> str:
    """``YYYYMMDDTHHMMSSZ`` in UTC."""
    now = now or datetime.datetime.now(datetime.UTC)
    return now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def authorization(
    *,
    method: str,
    path: str,
    params: Iterable[tuple[str, str]],
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    payload_hash: str,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    timestamp: str,
) -> str:
    """The ``Authorization`` header value for a request.

    ``headers`` must already hold every header to sign, ``host`` and
    ``x-amz-date`` (= ``timestamp``) included; ``params`` are the decoded
    query parameters.
    """
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    creq, signed = canonical_request(method, path, params, pairs, payload_hash)
    date = timestamp[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, timestamp, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    signature = hmac.new(signing_key(secret_key, date, region, service), to_sign.encode("utf-8"), hashlib.sha256)
    return f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature.hexdigest()}"
