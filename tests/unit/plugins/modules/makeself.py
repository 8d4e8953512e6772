"""A makeself-style package for module tests, built here from verbatim version records: a shell header that
answers makeself's `--check` (payload SHA-256) and `--tar ARG...` (tar over the payload), then a gzipped tar.
Nothing in it installs anything; the tests stop where a real installer would run."""

from __future__ import annotations

import hashlib
import io
import tarfile

HEADER = """#!/bin/sh
# Makeself-style test package
sha256="@SHA@"
skip=@SKIP@
payload() { tail -n +"$skip" "$0"; }
case "$1" in
    --check)
        sum=$(payload | sha256sum | cut -d' ' -f1)
        [ "$sum" = "$sha256" ] && exit 0
        echo "Verifying archive integrity...Error in SHA256 checksums: $sum is different from $sha256" >&2
        exit 2 ;;
    --tar) arg1="$2"; shift 2; payload | gzip -cd | tar "$arg1" - "$@"; exit $? ;;
esac
echo "this test package installs nothing" >&2
exit 1
"""


def build(path, records: dict) -> str:
    """Write a package at `path` whose payload holds `records` ({path inside: text}); returns the path."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in sorted(records.items()):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    payload = buf.getvalue()
    header = HEADER.replace("@SHA@", hashlib.sha256(payload).hexdigest())
    header = header.replace("@SKIP@", str(header.count("\n") + 1))
    with open(path, "wb") as f:
        f.write(header.encode() + payload)
    return str(path)


def sha256_file(path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
