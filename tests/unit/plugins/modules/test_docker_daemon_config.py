"""docker_daemon_config on files: merge keeping the operator's keys, 0600, check mode and diff, no rewrite without a
change, and a file that is not JSON refused and left as it is."""

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import docker_daemon_config

RUNTIME = "/usr/local/Ascend/Ascend-Docker-Runtime/ascend-docker-runtime"


def run(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        docker_daemon_config.main()
    return json.loads(capsys.readouterr().out)


def fingerprint(path):
    st = os.stat(path)
    return path.read_bytes(), st.st_mtime_ns, st.st_ino, st.st_mode & 0o7777


def test_creates_the_file_private(tmp_path, capsys):
    path = tmp_path / "docker" / "daemon.json"
    result = run({"path": str(path), "ascend_runtime": RUNTIME}, capsys)
    assert result["changed"] is True
    assert json.loads(path.read_text()) == {"runtimes": {"ascend": {"path": RUNTIME, "runtimeArgs": []}}}
    assert os.stat(path).st_mode & 0o7777 == 0o600
    again = run({"path": str(path), "ascend_runtime": RUNTIME}, capsys)
    assert again["changed"] is False


def test_merges_into_the_operators_file_and_undoes_the_installers_default(tmp_path, capsys):
    path = tmp_path / "daemon.json"
    path.write_text('{\n  "log-level": "warn",\n  "runtimes": {"ascend": {"path": "%s", "runtimeArgs": []}},\n'
                    '  "default-runtime": "ascend"\n}\n' % RUNTIME)
    os.chmod(path, 0o600)
    before = fingerprint(path)
    check = run({"path": str(path), "ascend_runtime": RUNTIME, "_ansible_check_mode": True, "_ansible_diff": True},
                capsys)
    assert check["changed"] is True and fingerprint(path) == before
    assert '"default-runtime": "ascend"' in check["diff"]["before"]
    assert "default-runtime" not in check["diff"]["after"]
    run({"path": str(path), "ascend_runtime": RUNTIME}, capsys)
    assert json.loads(path.read_text()) == {"log-level": "warn",
                                            "runtimes": {"ascend": {"path": RUNTIME, "runtimeArgs": []}}}


def test_same_content_is_not_rewritten_but_its_mode_is_fixed(tmp_path, capsys):
    path = tmp_path / "daemon.json"
    path.write_text('{"log-level":"warn","runtimes":{"ascend":{"path":"%s","runtimeArgs":[]}}}' % RUNTIME)
    os.chmod(path, 0o644)
    content = path.read_bytes()
    result = run({"path": str(path), "ascend_runtime": RUNTIME}, capsys)
    assert result["changed"] is True and path.read_bytes() == content   # layout kept, only the mode changed
    assert os.stat(path).st_mode & 0o7777 == 0o600
    assert run({"path": str(path), "ascend_runtime": RUNTIME}, capsys)["changed"] is False


def test_a_file_that_is_not_json_is_refused_and_kept(tmp_path, capsys):
    path = tmp_path / "daemon.json"
    path.write_text('{"log-level": "warn", ')
    before = fingerprint(path)
    result = run({"path": str(path), "ascend_runtime": RUNTIME}, capsys)
    assert result["failed"] is True and "is not valid JSON" in result["msg"] and "left as it is" in result["msg"]
    assert fingerprint(path) == before


def test_a_default_without_the_runtime_is_refused(tmp_path, capsys):
    result = run({"path": str(tmp_path / "daemon.json"), "default_ascend": True}, capsys)
    assert result["failed"] is True and "default_ascend needs ascend_runtime" in result["msg"]
    assert not (tmp_path / "daemon.json").exists()
