"""mindie_config end to end on files: no rewrite without a change, check mode, diff, atomic 0640 writes, backups,
refusals that write nothing."""

from __future__ import annotations

import grp
import json
import os
import pathlib
import shutil

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import mindie_config

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "reference"
TEMPLATES = pathlib.Path(__file__).resolve().parents[4] / "files" / "mindie"


def run(args, capsys):
    with patch_module_args(dict({"check_paths": False}, **args)), pytest.raises(SystemExit):
        mindie_config.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture()
def conf(tmp_path):
    path = tmp_path / "mindie-service" / "conf" / "config.json"
    path.parent.mkdir(parents=True)
    shutil.copy(REFERENCE / "mindie-config-seed004.json", path)
    os.chmod(path, 0o640)
    return path


def fingerprint(path):
    st = os.stat(path)
    return path.read_bytes(), st.st_mtime_ns, st.st_ino, st.st_mode & 0o7777


@pytest.mark.parametrize("seed", ["mindie-config-seed000.json", "mindie-config-seed004.json"])
def test_no_option_leaves_the_file_alone(seed, conf, capsys):
    shutil.copy(REFERENCE / seed, conf)
    os.chmod(conf, 0o640)
    before = fingerprint(conf)
    result = run({"path": str(conf)}, capsys)
    assert result["changed"] is False and "diff" not in result
    assert result["config"] == json.loads((REFERENCE / seed).read_text())
    assert fingerprint(conf) == before  # not rewritten (seed 004 keeps its tabs)


def test_check_mode_reports_the_diff_and_writes_nothing(conf, capsys):
    before = fingerprint(conf)
    result = run({"path": str(conf), "model_name": "qwen", "_ansible_check_mode": True, "_ansible_diff": True},
                 capsys)
    assert result["changed"] is True and fingerprint(conf) == before
    assert '"modelName": "deepseek"' in result["diff"]["before"]
    assert '"modelName": "qwen"' in result["diff"]["after"]
    assert result["diff"]["after"].endswith("}\n")


def test_write_is_4_space_json_0640_and_idempotent(conf, capsys):
    os.chmod(conf, 0o644)
    result = run({"path": str(conf), "ip_address": "10.0.0.11", "npu_device_ids": list(range(8)),
                  "parallel": {"dp": 1, "tp": 8, "moe_ep": 2, "moe_tp": 4}, "backup": True}, capsys)
    assert result["changed"] is True and result["schema"] == "current"
    text = conf.read_text()
    assert text == json.dumps(json.loads(text), indent=4, ensure_ascii=False) + "\n"
    assert os.stat(conf).st_mode & 0o7777 == 0o640
    assert json.loads(pathlib.Path(result["backup_file"]).read_text())["ServerConfig"]["ipAddress"] == "127.0.0.2"
    before = fingerprint(conf)
    again = run({"path": str(conf), "ip_address": "10.0.0.11", "npu_device_ids": list(range(8)),
                 "parallel": {"dp": 1, "tp": 8, "moe_ep": 2, "moe_tp": 4}}, capsys)
    assert again["changed"] is False and fingerprint(conf) == before


def test_mode_0644_is_brought_to_0640_without_a_rewrite(conf, capsys):
    os.chmod(conf, 0o644)
    content, mtime, inode = fingerprint(conf)[:3]
    result = run({"path": str(conf)}, capsys)
    assert result["changed"] is True and fingerprint(conf) == (content, mtime, inode, 0o640)
    assert run({"path": str(conf)}, capsys)["changed"] is False


def test_check_mode_reports_a_mode_change_and_leaves_the_mode(conf, capsys):
    os.chmod(conf, 0o644)
    before = fingerprint(conf)
    result = run({"path": str(conf), "_ansible_check_mode": True, "_ansible_diff": True}, capsys)
    assert result["changed"] is True and "diff" not in result and fingerprint(conf) == before


def test_file_options_of_the_files_fragment(conf, capsys):
    """mode as the file module takes it, the current group by name, and unsafe_writes on a content change."""
    group = grp.getgrgid(os.stat(conf).st_gid).gr_name
    result = run({"path": str(conf), "mode": "u=rw,go=", "group": group, "unsafe_writes": True, "model_name": "qwen"},
                 capsys)
    assert result["changed"] is True and os.stat(conf).st_mode & 0o7777 == 0o600
    assert json.loads(conf.read_text())["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0]["modelName"] == "qwen"
    assert run({"path": str(conf), "mode": "0600", "group": group, "model_name": "qwen"}, capsys)["changed"] is False
    result = run({"path": str(conf), "owner": "no-such-user-here"}, capsys)
    assert result["failed"] and "chown failed" in result["msg"]


def test_violations_fail_and_write_nothing(conf, capsys):
    before = fingerprint(conf)
    result = run({"path": str(conf), "max_iter_times": 30000, "port": 1120, "model_name": "-bad"}, capsys)
    assert result["failed"] and fingerprint(conf) == before
    assert sorted(v["key"] for v in result["violations"]) == [
        "BackendConfig.ModelDeployConfig.ModelConfig[0].modelName", "BackendConfig.ScheduleConfig.maxIterTimes",
        "BackendConfig.multiNodesInferPort"]
    assert result["msg"].startswith("%s would break 3 MindIE rules, so nothing was written: " % conf)


def test_base_template_to_a_new_file(tmp_path, capsys):
    path = tmp_path / "config.json"
    result = run({"path": str(path), "base": str(TEMPLATES / "config-rc2.json"), "model_name": "qwen2",
                  "model_weight_path": "/data/Qwen2-7B", "npu_device_ids": [0, 1], "https_enabled": False,
                  "ip_address": "127.0.0.1"}, capsys)
    assert result["changed"] and result["schema"] == "rc2"
    written = json.loads(path.read_text())
    assert written["ModelDeployParam"]["npuDeviceIds"] == [[0, 1]]
    assert written["ModelDeployParam"]["ModelParam"][0]["worldSize"] == 2
    assert os.stat(path).st_mode & 0o7777 == 0o640


def test_option_the_schema_lacks(tmp_path, capsys):
    path = tmp_path / "config.json"
    shutil.copy(REFERENCE / "mindie-config-seed000.json", path)
    result = run({"path": str(path), "metrics_port": 9000}, capsys)
    assert result["failed"] and "metrics_port is not supported by the RC1/RC2 schema; use overrides" in result["msg"]


def test_multi_node_needs_a_node_count_in_range(conf, capsys):
    result = run({"path": str(conf), "multi_node": True}, capsys)
    assert result["failed"] and "node_count" in result["msg"]
    result = run({"path": str(conf), "multi_node": True, "node_count": 61}, capsys)
    assert result["failed"] and "2 to 60 nodes" in result["msg"]
    result = run({"path": str(conf), "multi_node": True, "node_count": 2, "inter_node_tls_enabled": False,
                  "parallel": {"dp": 4, "tp": 8, "moe_ep": 8, "moe_tp": 4}}, capsys)
    assert result["changed"] and result["config"]["BackendConfig"]["multiNodesInferEnabled"] is True


def test_check_paths_resolves_certificates_against_the_mindie_home(conf, tmp_path, capsys):
    result = run({"path": str(conf), "https_enabled": True, "check_paths": True}, capsys)
    assert result["failed"]
    home = str(conf.parent.parent)
    assert "names %s/security/certs/server.pem, which does not exist" % home in result["msg"]
    assert "/path/to/file: must be an existing directory" not in result["msg"]  # key = value form instead
    assert "modelWeightPath = \"/path/to/file\": must be an existing directory" in result["msg"]


def test_missing_file_without_base_and_bad_json(tmp_path, capsys):
    result = run({"path": str(tmp_path / "none.json")}, capsys)
    assert result["failed"] and "give base" in result["msg"]
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    result = run({"path": str(bad)}, capsys)
    assert result["failed"] and "is not valid JSON" in result["msg"] and "give base" in result["msg"]
    result = run({"path": str(bad), "base": str(TEMPLATES / "config-current.json")}, capsys)
    assert result["changed"] and json.loads(bad.read_text())["ServerConfig"]["port"] == 1025
