"""AWS Signature V4 against the published test vectors.

The requests and expected signatures are the AWS SigV4 test suite's
(``aws-sig-v4-test-suite``, as shipped in botocore's tests/unit/auth/aws4_testsuite:
key AKIDEXAMPLE, service ``service``, us-east-1, 2015-08-30T12:36:00Z) and the
worked examples of the Amazon S3 API reference ("Signature Calculations for the
Authorization Header": examplebucket, 2013-05-24).
"""

from __future__ import annotations

import hashlib

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils._s3_sigv4 import (
    EMPTY_SHA256,
    authorization,
    canonical_query,
    canonical_request,
    signing_key,
)

SUITE = {"access_key": "AKIDEXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
STAMP = "20150830T123600Z"
HOST = [("Host", "example.amazonaws.com"), ("X-Amz-Date", STAMP)]

# name: (method, path, query params, extra headers, body, signature)
VECTORS = {
    "get-vanilla": ("GET", "/", [], [], b"", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    "get-vanilla-query-order-key-case": (
        "GET",
        "/",
        [("Param2", "value2"), ("Param1", "value1")],
        [],
        b"",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ),
    "get-vanilla-query-order-encoded": (
        "GET",
        "/",
        [("Param-3", "Value3"), ("Param", "Value2"), ("\u1234", "Value1")],
        [],
        b"",
        "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
    ),
    "get-vanilla-query-unreserved": (
        "GET",
        "/",
        [("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",) * 2],
        [],
        b"",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    ),
    "get-vanilla-utf8-query": (
        "GET",
        "/",
        [("\u1234", "bar")],
        [],
        b"",
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
    ),
    "get-unreserved": (
        "GET",
        "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        [],
        [],
        b"",
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    ),
    "get-utf8": ("GET", "/\u1234", [], [], b"", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    "get-header-key-duplicate": (
        "GET",
        "/",
        [],
        [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
        b"",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    ),
    "get-header-value-order": (
        "GET",
        "/",
        [],
        [("My-Header1", v) for v in ("value4", "value1", "value3", "value2")],
        b"",
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
    ),
    "get-header-value-trim": (
        "GET",
        "/",
        [],
        [("My-Header1", " value1"), ("My-Header2", ' "a   b   c"')],
        b"",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    ),
    "post-vanilla": ("POST", "/", [], [], b"", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    "post-vanilla-query": (
        "POST",
        "/",
        [("Param1", "value1")],
        [],
        b"",
        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    ),
    "post-header-key-sort": (
        "POST",
        "/",
        [],
        [("My-Header1", "value1")],
        b"",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
    ),
    "post-header-value-case": (
        "POST",
        "/",
        [],
        [("My-Header1", "VALUE1")],
        b"",
        "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
    ),
    "post-x-www-form-urlencoded": (
        "POST",
        "/",
        [],
        [("Content-Type", "application/x-www-form-urlencoded")],
        b"Param1=value1",
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    ),
    "get-vanilla-with-session-token": (
        "GET",
        "/",
        [],
        [("X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267")],
        b"",
        "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    ),
}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_aws_sigv4_test_suite(name: str) -> None:
    method, path, params, extra, body, signature = VECTORS[name]
    header = authorization(
        method=method,
        path=path,
        params=params,
        headers=HOST + extra,
        payload_hash=hashlib.sha256(body).hexdigest(),
        region="us-east-1",
        service="service",
        timestamp=STAMP,
        **SUITE,
    )
    assert header.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ")
    assert header.endswith("Signature=" + signature)


def test_canonical_request_of_get_vanilla() -> None:
    creq, signed = canonical_request("GET", "/", [], HOST, EMPTY_SHA256)
    assert signed == "host;x-amz-date"
    assert creq == (
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EMPTY_SHA256
    )


def test_canonical_query_sorts_encoded_keys() -> None:
    assert canonical_query([("Param-3", "Value3"), ("Param", "Value2"), ("\u1234", "Value1")]) == (
        "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"
    )
    assert canonical_query([("uploads", "")]) == "uploads="


S3_KEYS = {"access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
S3_STAMP = "20130524T000000Z"
S3_HOST = ("host", "examplebucket.s3.amazonaws.com")


def s3_sign(method: str, path: str, params: list[tuple[str, str]], headers: list[tuple[str, str]], body: bytes) -> str:
    payload = hashlib.sha256(body).hexdigest()
    return authorization(
        method=method,
        path=path,
        params=params,
        headers=[S3_HOST, ("x-amz-content-sha256", payload), ("x-amz-date", S3_STAMP), *headers],
        payload_hash=payload,
        region="us-east-1",
        service="s3",
        timestamp=S3_STAMP,
        **S3_KEYS,
    )


def test_s3_reference_get_object() -> None:
    header = s3_sign("GET", "/test.txt", [], [("Range", "bytes=0-9")], b"")
    assert header == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_s3_reference_put_object_encodes_the_key_once() -> None:
    header = s3_sign(
        "PUT",
        "/test$file.text",
        [],
        [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
        b"Welcome to Amazon S3.",
    )
    assert header.endswith("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")


def test_s3_reference_list_objects() -> None:
    header = s3_sign("GET", "/", [("max-keys", "2"), ("prefix", "J")], [], b"")
    assert header.endswith("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")


def test_signing_key_changes_with_every_scope_part() -> None:
    base = signing_key("secret", "20150830", "us-east-1", "s3")
    assert len(base) == 32
    assert base != signing_key("secret", "20150831", "us-east-1", "s3")
    assert base != signing_key("secret", "20150830", "eu-west-1", "s3")
    assert base != signing_key("secret", "20150830", "us-east-1", "iam")
    assert base != signing_key("other", "20150830", "us-east-1", "s3")
