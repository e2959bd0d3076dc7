# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by the S3 modules (action group aistack.baremetal.s3)."""

    DOCUMENTATION = r"""
options:
  endpoint_url:
    description:
      - Base URL of the S3-compatible object store, for example V(http://seaweedfs-s3.storage:8333) or
        V(https://s3.example.com). Buckets are addressed path-style (C(<endpoint_url>/<bucket>/<key>)),
        which every in-cluster store (SeaweedFS, Garage, MinIO) and AWS accept.
      - If not set, the environment variable E(AWS_ENDPOINT_URL_S3) or E(AWS_ENDPOINT_URL) is used.
    type: str
    required: true
  access_key:
    description:
      - Access key ID. Requests are signed with AWS Signature Version 4.
      - If not set, the environment variable E(AWS_ACCESS_KEY_ID) is used.
    type: str
    required: true
  secret_key:
    description:
      - Secret access key of O(access_key). Never logged.
      - If not set, the environment variable E(AWS_SECRET_ACCESS_KEY) is used.
    type: str
    required: true
  session_token:
    description:
      - Session token of temporary credentials, sent as C(X-Amz-Security-Token).
      - If not set, the environment variable E(AWS_SESSION_TOKEN) is used.
    type: str
  region:
    description:
      - Region the signature is scoped to. In-cluster stores accept any region they are configured with,
        usually V(us-east-1).
      - If not set, the environment variable E(AWS_REGION) or E(AWS_DEFAULT_REGION) is used.
    type: str
    default: us-east-1
  bucket:
    description:
      - The bucket. It must exist; the modules never create or delete buckets.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP request.
    type: int
    default: 60
  retries:
    description:
      - How many times a request is tried again after a connection failure or an HTTP 429/5xx answer,
        with exponential backoff from one second. Errors such as wrong credentials are not retried.
    type: int
    default: 3
  part_size_mb:
    description:
      - Objects larger than this many MiB are uploaded in parts of this size (multipart upload); the
        module holds one part in memory at a time. Between 5 and 5120.
    type: int
    default: 64
notes:
  - All options above can be set once per play with C(module_defaults) for the action group
    C(group/aistack.baremetal.s3).
  - Errors name the endpoint, bucket, key, HTTP status and S3 error code, for example
    C(SignatureDoesNotMatch) (wrong secret key), C(InvalidAccessKeyId) (unknown access key) or
    C(NoSuchBucket).
"""
