"""The vendored front-end files are the ones their checksum list names (the list is what `make vendor-check`
compares with the npm registry's tarball)."""

from __future__ import annotations

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "api" / "static" / "vendor"


def test_vendored_cytoscape_matches_its_checksums() -> None:
    listed: dict[str, str] = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    assert {"cytoscape.min.js", "cytoscape.LICENSE"} <= listed.keys()
    vendored = {path.name for path in VENDOR.iterdir()} - {"SHA256SUMS", "README.md"}
    assert vendored == listed.keys(), "every vendored file is listed, and every listed file is vendored"
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, f"{name} differs from SHA256SUMS"
