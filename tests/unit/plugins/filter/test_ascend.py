"""The filters the roles use: thin wrappers that turn ValueError into a filter error naming the bad input."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ascendops.llm.plugins.filter.ascend import FilterModule

F = FilterModule().filters()


def test_names_and_versions():
    assert F["ascend_package_name"]("24.1.rc3", "driver", "910_93", "aarch64") == \
        "Atlas-A3-hdk-npu-driver_24.1.rc3_linux-aarch64.run"
    assert F["ascend_version_compare"]("24.1.rc2", "24.1.0") == -1
    assert F["ascend_version_valid"]("7.5.0.1.129") and not F["ascend_version_valid"]("") \
        and not F["ascend_version_valid"](None)
    assert F["ascend_in_ranges"]("7.7.0.1.231", "[7.0.0,7.7.99]")
    with pytest.raises(AnsibleFilterError, match="no HDK packages for chip family '910'"):
        F["ascend_package_name"]("24.1.rc3", "driver", "910", "aarch64")
    with pytest.raises(AnsibleFilterError, match="unrecognised version"):
        F["ascend_version_compare"]("newest", "24.1.0")


def test_hdk_decisions():
    npu = {"driver": {"installed": None, "loaded": None}, "firmware": {"installed": None, "loaded": None}}
    assert F["ascend_hdk_plan"](npu, "24.1.rc3", "7.5.0.1.129")["order"] == ["driver", "firmware"]
    assert F["ascend_hdk_reboot_required"](npu) is False
    assert F["ascend_hdk_compat_problems"]({"compatible_fw": "[7.0.0,7.5.99]"}, {}, "24.1.rc3", "7.7.0.1.231") == \
        ["driver 24.1.rc3 accepts firmware [7.0.0,7.5.99] only, not 7.7.0.1.231"]


def test_cann_decisions():
    cann = {"toolkit": {"version": "8.2.RC1", "installed": [{"version": "8.1.RC1", "path": "/a/8.1.RC1"},
                                                            {"version": "8.2.RC1", "path": "/a/8.2.RC1"}]},
            "kernels": {"version": None}, "nnal": {"version": "8.2.RC1", "installed": []}}
    plan = F["ascend_cann_plan"](cann, "8.2.RC1", ["toolkit", "kernels", "nnal"])
    assert plan == {"order": ["kernels"], "downgrades": []}
    assert F["ascend_cann_version_problems"](cann, "8.2.RC1", ["nnal"], {}) == []
    assert F["ascend_cann_inner_compatible"]("[V100R001C19]", "V100R001C19SPC001B215") is True
    assert F["ascend_cann_stale_versions"](cann, "8.2.RC1") == ["/a/8.1.RC1"]
    assert F["ascend_env_diff"]({"A": "1", "B": "2"}, {"A": "1"}) == {"B": "2"}
