#!/usr/bin/python
# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: ollama_archive
short_description: Archive an Ollama model from its store directory to S3, or restore it without the internet
version_added: 0.1.0
description:
  - Works on an Ollama model store directory, the one E(OLLAMA_MODELS) points at, where
    C(manifests/<host>/<namespace>/<model>/<tag>) holds the model's manifest and C(blobs/sha256-<hex>) the blobs
    it names, as Ollama itself lays them out.
  - With O(state=archived), copies the manifest and every blob it names to S3 under O(prefix), in the same layout,
    so blobs shared by several models are stored once. Each blob is hashed while it is read and only becomes
    visible in S3 when its bytes match its digest; the manifest is uploaded last.
  - With O(state=restored), copies an archived model from S3 into the store, without contacting any model
    registry. Each blob is written to a temporary file, its digest verified, then renamed into place; the
    manifest is written last. Ollama lists a model only through its manifest, so a restore that fails half-way
    leaves no half-restored model behind, and running it again finishes it.
  - Idempotent by digest. Blobs already in S3 with the same size and SHA-256 are not uploaded again; blobs
    already in the store are not rewritten (with O(verify_existing=true) they are hashed first and replaced when
    corrupted).
author:
  - aistack.baremetal maintainers (@aistack)
extends_documentation_fragment:
  - aistack.baremetal.s3
options:
  name:
    description:
      - The model, as Ollama names it, for example V(llama3.2:1b), V(library/llama3.2:1b) or
        V(registry.ollama.ai/library/llama3.2:1b). A missing tag means V(latest).
    type: str
    required: true
  models_dir:
    description:
      - The Ollama model store directory (E(OLLAMA_MODELS)). The Linux install script's service uses
        V(/usr/share/ollama/.ollama/models); a user's C(ollama serve) uses V(~/.ollama/models).
    type: path
    required: true
  state:
    description:
      - V(archived) copies the model from O(models_dir) to S3.
      - V(restored) copies it from S3 into O(models_dir).
    type: str
    choices: [archived, restored]
    default: archived
  prefix:
    description:
      - Key prefix of the archive in the bucket. Manifests go under C(<prefix>/manifests/), blobs under
        C(<prefix>/blobs/).
    type: str
    default: ollama
  verify_existing:
    description:
      - With O(state=restored), hash the blobs already in the store and replace those whose content does not
        match their digest. V(false) trusts a blob of the right size, which saves reading it.
    type: bool
    default: true
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying the target.
    support: full
    details: Reads S3 and the store to report what would be uploaded or downloaded; writes nothing.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) when in diff mode.
    support: full
    details: The manifest digest and the sorted list of blob digests on the destination, before and after.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
notes:
  - Files are created with the permissions of the user the module runs as (blobs and manifests C(0644),
    directories C(0755)); run it as the store's owner (C(become_user)) so that Ollama can read and prune them.
  - Before downloading, the free space of the store's filesystem is compared with the bytes to download; a disk
    that fills up anyway (C(ENOSPC)) fails the task with that cause and leaves no partial file.
  - Restoring into a store that a running Ollama uses is safe, the model appears when its manifest is written
    (Ollama reads manifests when a model is requested).
seealso:
  - module: aistack.baremetal.ollama_model
  - module: aistack.baremetal.openwebui_backup
"""

EXAMPLES = r"""
- name: Archive the cold-tier models to the object store
  aistack.baremetal.ollama_archive:
    name: "{{ item }}"
    models_dir: /usr/share/ollama/.ollama/models
    endpoint_url: http://127.0.0.1:8333
    bucket: model-archive
    access_key: "{{ vault_s3_access_key }}"
    secret_key: "{{ vault_s3_secret_key }}"
  loop:
    - llama3.3:70b
    - qwen2.5:72b

- name: Restore a model into the standalone instance's store, connection options set once
  module_defaults:
    group/aistack.baremetal.s3:
      endpoint_url: http://127.0.0.1:8333
      bucket: model-archive
      access_key: "{{ vault_s3_access_key }}"
      secret_key: "{{ vault_s3_secret_key }}"
  block:
    - name: Restore llama3.3:70b
      aistack.baremetal.ollama_archive:
        name: llama3.3:70b
        models_dir: /var/lib/ollama-standalone/models
        state: restored
      become: true
      become_user: ollama
"""

RETURN = r"""
model:
  description: The model's short name.
  returned: always
  type: str
  sample: llama3.2:1b
manifest_key:
  description: Key of the manifest in the bucket.
  returned: always
  type: str
  sample: ollama/manifests/registry.ollama.ai/library/llama3.2/1b
manifest_path:
  description: Path of the manifest in the store.
  returned: when O(state=restored)
  type: str
  sample: /usr/share/ollama/.ollama/models/manifests/registry.ollama.ai/library/llama3.2/1b
blobs:
  description: The blobs the manifest names (config first).
  returned: always
  type: list
  elements: dict
  sample: [{digest: "sha256:74701a8c...", size: 1321082688, media_type: application/vnd.ollama.image.model}]
size:
  description: Total bytes of the model's blobs.
  returned: always
  type: int
  sample: 1321098329
uploaded:
  description: Digests of the blobs uploaded (or that would be, in check mode).
  returned: when O(state=archived)
  type: list
  elements: str
  sample: ["sha256:74701a8c..."]
bytes_uploaded:
  description: Bytes of the blobs in RV(uploaded).
  returned: when O(state=archived)
  type: int
  sample: 1321082688
manifest_uploaded:
  description: Whether the manifest was uploaded (or would be).
  returned: when O(state=archived)
  type: bool
  sample: true
downloaded:
  description: Digests of the blobs downloaded (or that would be, in check mode).
  returned: when O(state=restored)
  type: list
  elements: str
  sample: ["sha256:74701a8c..."]
repaired:
  description: Digests of blobs that were in the store with the right size but the wrong content, and were replaced.
  returned: when O(state=restored)
  type: list
  elements: str
  sample: []
bytes_downloaded:
  description: Bytes of the blobs in RV(downloaded).
  returned: when O(state=restored)
  type: int
  sample: 1321082688
manifest_written:
  description: Whether the manifest was written into the store (or would be).
  returned: when O(state=restored)
  type: bool
  sample: true
requests:
  description: What the run cost on the S3 side.
  returned: always
  type: dict
  sample: {requests: 12, retries: 0, bytes_up: 1321098329, bytes_down: 0}
"""

from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_archive import (
    ArchiveError,
    archive,
    restore,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_store import Store, parse_name
from ansible_collections.aistack.baremetal.plugins.module_utils._s3 import S3Client, run_s3_module, s3_module


def main() -> None:
    module = s3_module(
        {
            "name": {"type": "str", "required": True},
            "models_dir": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["archived", "restored"], "default": "archived"},
            "prefix": {"type": "str", "default": "ollama"},
            "verify_existing": {"type": "bool", "default": True},
        }
    )
    params = module.params

    def action(client: S3Client) -> dict[str, Any]:
        name = parse_name(params["name"])
        store = Store(params["models_dir"])
        if params["state"] == "archived":
            return archive(client, store, params["bucket"], params["prefix"], name, module.check_mode)
        return restore(
            client,
            store,
            params["bucket"],
            params["prefix"],
            name,
            module.check_mode,
            verify_existing=params["verify_existing"],
        )

    run_s3_module(module, action, ArchiveError)


if __name__ == "__main__":
    main()
