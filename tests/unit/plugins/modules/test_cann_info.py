"""cann_info end to end on a host tree: the facts under ansible_facts['cann'], in check mode too."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import cann_info


def run(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        cann_info.main()
    return json.loads(capsys.readouterr().out)


def test_facts_of_an_install_tree(tmp_path, capsys):
    arch_dir = tmp_path / "ascend-toolkit" / "8.3.RC1" / "aarch64-linux"
    arch_dir.mkdir(parents=True)
    (arch_dir / "ascend_toolkit_install.info").write_text(
        "package_name=Ascend-cann-toolkit\nversion=8.3.RC1\ninnerversion=V100R001C23SPC001B210\n"
        "compatible_version=[V100R001C21],[V100R001C23]\narch=aarch64\nos=linux\npath=%s\n" % arch_dir)
    (tmp_path / "ascend-toolkit" / "latest").symlink_to("8.3.RC1")
    result = run({"install_path": str(tmp_path) + "/", "arch": "aarch64", "_ansible_check_mode": True}, capsys)
    cann = result["ansible_facts"]["cann"]
    assert result["changed"] is False
    assert cann["install_path"] == str(tmp_path)
    assert cann["toolkit"]["version"] == "8.3.RC1"
    assert cann["toolkit"]["compatible_version"] == "[V100R001C21],[V100R001C23]"
    assert cann["toolkit"]["installed"] == [{"version": "8.3.RC1", "path": str(tmp_path / "ascend-toolkit/8.3.RC1")}]
    assert (cann["kernels"]["version"], cann["nnal"]["version"], cann["driver_inner_version"]) == (None, None, None)


def test_bad_argument(capsys):
    result = run({"arch": "sparc"}, capsys)
    assert result["failed"] and "arch" in result["msg"]
