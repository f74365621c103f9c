"""The image a build pushes: a Docker manifest v2 whose digests derive from the commit.

The app layer derives from the commit's tree, the config from tree and commit (an OCI
revision label), so equal commits give equal digests and different commits different ones,
as a reproducible ``docker build`` would.
"""

from __future__ import annotations

import hashlib
import json
from typing import Final

from turnout_sandbox.emulators import ecr

__all__ = ["build_manifest"]

_BASE_LAYER_SEED: Final = b"turnout-sandbox base image layer"


def build_manifest(commit_id: str, tree_id: str) -> str:
    """The Docker image manifest v2 a build of ``commit_id`` (with tree ``tree_id``) pushes.

    The app layer derives from the tree, the config from tree and commit (an OCI revision
    label), so equal commits give equal digests and different commits different ones.
    """
    base = hashlib.sha256(_BASE_LAYER_SEED).hexdigest()
    app = hashlib.sha256(f"tree {tree_id}".encode()).hexdigest()
    config = json.dumps(
        {
            "architecture": "arm64",
            "os": "linux",
            "config": {
                "Labels": {
                    "org.opencontainers.image.revision": commit_id,
                    "com.turnout.tree": tree_id,
                }
            },
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{base}", f"sha256:{app}"]},
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": ecr.DOCKER_MANIFEST_V2,
        "config": {
            "mediaType": ecr.DOCKER_CONFIG_V1,
            "size": len(config),
            "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 29_123_456,
                "digest": "sha256:" + hashlib.sha256(b"gz " + base.encode()).hexdigest(),
            },
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 1_000 + int(app[:4], 16),
                "digest": "sha256:" + hashlib.sha256(b"gz " + app.encode()).hexdigest(),
            },
        ],
    }
    return json.dumps(manifest, indent=3)
