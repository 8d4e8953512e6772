"""npu_container_args: devices of the chips asked for, read-only mounts of the driver paths that exist, refusals."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import npu_container_args

NPU = {"chips": [{"npu_id": n, "chip_id": 0, "phy_id": n, "device": "/dev/davinci%d" % n} for n in range(8)]}


def run(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        npu_container_args.main()
    return json.loads(capsys.readouterr().out)


def test_only_existing_paths_are_mounted(tmp_path, capsys):
    root = tmp_path / "Ascend"
    (root / "driver" / "lib64").mkdir(parents=True)
    (root / "driver" / "version.info").write_text("Version=24.1.rc3\n")
    result = run({"npu": NPU, "chips": "6-7", "install_path": str(root)}, capsys)
    assert result["changed"] is False and result["chips"] == [6, 7] and result["visible_devices"] == "6,7"
    assert result["devices"][:2] == ["/dev/davinci6:/dev/davinci6:rwm", "/dev/davinci7:/dev/davinci7:rwm"]
    mounted = [v.split(":")[0] for v in result["volumes"]]
    assert str(root / "driver" / "lib64") in mounted and str(root / "driver" / "version.info") in mounted
    assert str(root / "driver" / "tools" / "hccn_tool") not in mounted


def test_unknown_chips_fail_naming_them(capsys):
    result = run({"npu": NPU, "chips": [7, 8, 9]}, capsys)
    assert result["failed"] is True
    assert "chips 8, 9 are not on this host (its chips' physical IDs: 0, 1, 2, 3, 4, 5, 6, 7)" in result["msg"]
