"""The filters the roles use: thin wrappers that turn ValueError into a filter error naming the bad input."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ascendops.llm.plugins.filter.ascend import FilterModule

F = FilterModule().filters()


def test_names_and_versions():
    assert F["ascend_package_name"]("24.1.rc3", "driver", "910_93", "aarch64") == \
        "Atlas-A3-hdk-npu-driver_24.1.rc3_linux-aarch64.run"
    assert F["ascend_same_base"]("25.0.rc1.2.sph001", "25.0.rc1.2") and not F["ascend_same_base"]("25.0.rc1.2", None)
    assert F["ascend_version_valid"]("7.5.0.1.129") and not F["ascend_version_valid"]("") \
        and not F["ascend_version_valid"](None)
    with pytest.raises(AnsibleFilterError, match="no HDK packages for chip family '910'"):
        F["ascend_package_name"]("24.1.rc3", "driver", "910", "aarch64")


def test_chip_table_and_architectures():
    row = F["ascend_chip"]("910_93")
    assert (row["family"], row["kernel_dir"], row["hdk_prefix"], row["ops_tag"], row["roce"], row["bf16"]) == \
        ("910_93", "ascend910_93", "Atlas-A3-hdk", "A3", True, True)
    assert F["ascend_chip"]("310p")["roce"] is False
    for bad in ("910B", None):
        with pytest.raises(AnsibleFilterError, match=r"unknown chip family .* \(known: 310, 310p, 910, 910b, 910_93, "
                                                     r"950\)"):
            F["ascend_chip"](bad)
    assert [f for f in ("310", "310p", "910", "910b", "910_93", "950", None, "") if F["ascend_chip_supported"](f)] == \
        ["310p", "910b", "910_93"]
    assert [F["ascend_arch"](a) for a in ("x86_64", "amd64", "aarch64", "arm64")] == \
        ["x86_64", "x86_64", "aarch64", "aarch64"]
    with pytest.raises(AnsibleFilterError, match="unsupported CPU architecture 'ppc64le'"):
        F["ascend_arch"]("ppc64le")


def test_hdk_decisions():
    npu = {"driver": {"installed": None, "loaded": None}, "firmware": {"installed": None, "loaded": None}}
    assert F["ascend_hdk_plan"](npu, "24.1.rc3", "7.5.0.1.129")["order"] == ["driver", "firmware"]
    assert F["ascend_hdk_reboot_required"](npu) is False
    installed = {"driver": {"installed": "25.0.rc1.1", "loaded": "25.0.rc1.1"},
                 "firmware": {"installed": "7.5.0.1.129", "loaded": "7.5.0.1.129"}}
    for allow, order in ((False, []), ("false", []), ("yes", ["driver"]), (True, ["driver"])):
        plan = F["ascend_hdk_plan"](installed, "24.1.rc3", "7.5.0.1.129", allow)
        assert plan["order"] == order and len(plan["refusals"]) == (0 if order else 1)
    malformed = {"driver": {"installed": "custom", "loaded": None}, "firmware": {"installed": None, "loaded": None}}
    assert F["ascend_hdk_plan"](malformed, "24.1.rc3", "7.5.0.1.129")["refusals"] == [
        "the installed driver record holds 'custom', which is not a release string; fix or remove that record so the "
        "installed release can be told"]
    assert F["ascend_hdk_reboot_required"](malformed) is True


def test_cann_decisions():
    cann = {"toolkit": {"version": "8.2.RC1", "installed": [{"version": "8.1.RC1", "path": "/a/8.1.RC1"},
                                                            {"version": "8.2.RC1", "path": "/a/8.2.RC1"}]},
            "kernels": {"version": None}, "nnal": {"version": "8.2.RC1", "installed": []}}
    plan = F["ascend_cann_plan"](cann, "8.2.RC1", ["toolkit", "kernels", "nnal"])
    assert (plan["order"], plan["downgrades"], plan["refusals"]) == (["kernels"], [], [])
    assert plan["plans"]["kernels"] == {"component": "kernels", "installed": None, "target": "8.2.RC1",
                                        "action": "install", "reason": None}
    assert F["ascend_cann_plan"](cann, "8.0.RC3", ["toolkit"], "true")["order"] == ["toolkit"]
    assert F["ascend_cann_plan"](cann, "8.0.RC3", ["toolkit"])["refusals"] == [
        "toolkit 8.2.RC1 is installed and the target 8.0.RC3 is older; set cann_allow_downgrade: true to install it "
        "anyway"]
    assert F["ascend_cann_version_problems"](cann, "8.2.RC1", ["nnal"], {}) == []
    assert F["ascend_cann_inner_compatible"]("[V100R001C19]", "V100R001C19SPC001B215") is True
    assert F["ascend_cann_stale_versions"](cann, "8.2.RC1") == ["/a/8.1.RC1"]
    assert F["ascend_env_diff"]({"A": "1", "B": "2"}, {"A": "1"}) == {"B": "2"}
