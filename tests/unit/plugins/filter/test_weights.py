"""The model_weights filters take what the role's tasks read: find results, HEAD responses, df and meminfo text."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ascendops.llm.plugins.filter import weights

DF = "Filesystem 1-blocks Used Available Capacity Mounted on\noverlay 1000 10 990 1% /\n"


def test_files_by_name_and_mirror_files():
    found = [{"path": "/m/b/model.bin", "size": 3}, {"path": "/m/b/config.json", "size": 2}]
    assert weights.ascend_files_by_name(found) == [
        {"name": "config.json", "size": 2}, {"name": "model.bin", "size": 3}]
    heads = [{"item": "pytorch_model.bin", "content_length": "190357"}, {"item": "config.json", "content_length": 474}]
    assert weights.ascend_mirror_files(heads) == [
        {"name": "config.json", "size": 474}, {"name": "pytorch_model.bin", "size": 190357}]
    with pytest.raises(AnsibleFilterError, match="without a Content-Length"):
        weights.ascend_mirror_files([{"item": "a.bin", "url": "http://m/a.bin"}])


def test_fit_parses_the_tool_output_and_names_the_host():
    model = {"name": "m", "files": [{"name": "model.safetensors", "size": 500}], "config": None, "format": "keep"}
    place = {"path": "/data/models/m", "present": {}, "df": DF, "meminfo": "MemAvailable: 1 kB\n"}
    npu = {"chips": [{"phy_id": 0, "hbm_total_mb": 65536, "hbm_used_mb": 0}]}
    result = weights.ascend_model_fit("h", model, place, npu, {"nodes": 1, "npu_reserve_mb": 0})
    assert result["refusals"] == [] and result["need"]["copy"] == 500
    big = dict(model, files=[{"name": "model.safetensors", "size": 5000}])
    assert weights.ascend_model_fit("h", big, place, npu, {})["refusals"][0].startswith("h: /data/models/m needs")
    with pytest.raises(AnsibleFilterError, match="^h: df printed no filesystem line"):
        weights.ascend_model_fit("h", model, dict(place, df=""), npu, {})
    assert weights.ascend_sha256sums("%s  config.json\n" % ("a" * 64)) == {"config.json": "a" * 64}
