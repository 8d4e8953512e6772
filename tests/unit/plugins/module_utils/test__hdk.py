"""The hdk role's decisions: the plan (one `_versions.plan` per component, in install order), the pending reboot
(never raised, hot patches are no reboot), the driver/firmware compatibility ranges."""

from __future__ import annotations

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _hdk


def npu(driver=(None, None), firmware=(None, None)):
    return {"driver": dict(zip(("installed", "loaded"), driver)),
            "firmware": dict(zip(("installed", "loaded"), firmware))}


def summary(plan):
    return {k: plan[k] for k in ("changes", "order", "downgrades", "refusals")}


@pytest.mark.parametrize("state,allow,expected", [
    (npu(), False, {"changes": ["driver", "firmware"], "order": ["driver", "firmware"], "downgrades": [],
                    "refusals": []}),
    (npu(("24.1.rc2", "24.1.rc2"), ("7.3.0.1.231", "7.3.0.1.231")), False,
     {"changes": ["driver", "firmware"], "order": ["firmware", "driver"], "downgrades": [], "refusals": []}),
    (npu(("24.1.rc3", "24.1.rc3"), ("7.3.0.1.231", "7.3.0.1.231")), False,
     {"changes": ["firmware"], "order": ["firmware"], "downgrades": [], "refusals": []}),
    (npu(("24.1.rc3", None), ("7.5.0.1.129", "7.1.0.5.220")), False,
     {"changes": [], "order": [], "downgrades": [], "refusals": []}),
    (npu(("25.0.rc1.1", "25.0.rc1.1"), ("7.7.0.1.231", "7.7.0.1.231")), True,
     {"changes": ["driver", "firmware"], "order": ["firmware", "driver"], "downgrades": ["driver", "firmware"],
      "refusals": []}),
    (npu(("25.0.rc1.1", "25.0.rc1.1"), ("7.7.0.1.231", "7.7.0.1.231")), False,
     {"changes": ["driver", "firmware"], "order": [], "downgrades": ["driver", "firmware"], "refusals": [
         "driver 25.0.rc1.1 is installed and the target 24.1.rc3 is older; set hdk_allow_downgrade: true to install "
         "it anyway",
         "firmware 7.7.0.1.231 is installed and the target 7.5.0.1.129 is older; set hdk_allow_downgrade: true to "
         "install it anyway"]}),
    (npu(("custom-build", "24.1.rc3"), ("7.3.0.1.231", "7.3.0.1.231")), False,
     {"changes": ["driver", "firmware"], "order": ["firmware"], "downgrades": [], "refusals": [
         "the installed driver record holds 'custom-build', which is not a release string; fix or remove that record "
         "so the installed release can be told"]}),
])
def test_plan_follows_the_state(state, allow, expected):
    plan = _hdk.plan(state, "24.1.rc3", "7.5.0.1.129", allow)
    assert summary(plan) == expected
    assert plan["plans"]["driver"]["target"] == "24.1.rc3" and plan["plans"]["firmware"]["target"] == "7.5.0.1.129"


def test_plan_never_raises_on_a_malformed_target():
    plan = _hdk.plan(npu(("24.1.rc3", "24.1.rc3")), "newest", "7.5.0.1.129")
    assert plan["order"] == ["firmware"] and plan["refusals"] == [
        "the driver target 'newest' is not a release string (for example 24.1.rc3, 7.5.0.1.129 or 8.2.RC1); correct it"]


@pytest.mark.parametrize("state,required", [
    (npu(), False),
    (npu(("24.1.rc3", None)), True),
    (npu(("24.1.rc3", "24.1.rc3"), ("7.5.0.1.129", "7.1.0.5.220")), True),
    (npu(("24.1.rc3", "24.1.RC3"), (None, "7.1.0.5.220")), False),
    # `npu-smi 25.0.rc1.2  Version: 25.0.rc1.2.sph001`: the installed release with a hot patch, no reboot
    (npu(("25.0.rc1.2", "25.0.rc1.2.sph001"), ("7.7.0.1.231", "7.7.0.1.231")), False),
    (npu(("25.0.rc1.2", "25.0.rc1.3"), ("7.7.0.1.231", "7.7.0.1.231")), True),
    (npu(("25.0.rc1.2", "25.0.rc1.2.spc001")), True),
    # records or banners that are not release strings never raise
    (npu(("custom-build", "25.0.rc1.2")), True),
    (npu(("custom-build", "custom-build")), False),
    (npu(("25.0.rc1.2", "weird version")), True),
    ({"driver": {"installed": "24.1.rc3", "loaded": "24.1.rc3"}, "firmware": None}, False),
    ({}, False),
])
def test_reboot_required(state, required):
    assert _hdk.reboot_required(state) is required
