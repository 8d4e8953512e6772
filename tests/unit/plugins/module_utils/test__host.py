"""The one architecture normalisation, and reading files on the host."""

from __future__ import annotations

import platform

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _host


@pytest.mark.parametrize("value,arch", [("x86_64", "x86_64"), ("amd64", "x86_64"), ("AMD64", "x86_64"),
                                        ("aarch64", "aarch64"), ("arm64", "aarch64"), (" aarch64\n", "aarch64")])
def test_normalize_arch(value, arch):
    assert _host.normalize_arch(value) == arch


@pytest.mark.parametrize("value", ["riscv64", "ppc64le", "x86-64", "i686", "", None])
def test_other_architectures_are_named(value):
    with pytest.raises(ValueError, match=r"unsupported CPU architecture %s: Ascend packages exist for x86_64 "
                                         r"\(amd64\) and aarch64 \(arm64\) only" % repr(value).replace("(", r"\(")):
        _host.normalize_arch(value)


def test_machine_arch(monkeypatch):
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    assert _host.machine_arch() == "aarch64"
    monkeypatch.setattr(platform, "machine", lambda: "s390x")
    with pytest.raises(ValueError, match="'s390x'"):
        _host.machine_arch()


def test_read_text(tmp_path):
    (tmp_path / "version.info").write_text("Version=25.2.0\n")
    assert _host.read_text(str(tmp_path / "version.info")) == "Version=25.2.0\n"
    assert _host.read_text(str(tmp_path / "missing")) is None and _host.read_text(str(tmp_path)) is None
