"""Release ordering with the vendor's suffixes, the one install plan, and version files (ascend-tech-reference.md
section 4.5)."""

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _versions

ORDERED = ["23.0.rc3", "23.0.rc3.3", "23.0.0", "24.1.rc2", "24.1.rc3", "24.1.0", "24.1.0.3", "25.0.rc1.1",
           "25.0.rc1.2", "25.0.rc1.2.b050", "25.0.rc1.2.spc001", "25.0.rc1.2.sph001", "25.0.rc1.2.sph002",
           "25.0.rc1.2.1", "25.0.rc1.3", "25.3.rc1", "25.5.0", "25.5.0.b061", "26.0.RC1"]


def test_driver_releases_sort_as_the_vendor_means():
    assert sorted(reversed(ORDERED), key=_versions.release_key) == ORDERED


@pytest.mark.parametrize("older,newer", [
    ("24.1.rc2", "24.1.0"), ("24.1.0", "24.1.0.3"), ("8.0.RC3", "8.0.0"), ("8.0.0.beta1", "8.0.0"),
    ("8.1.RC1.alpha001", "8.1.RC1"), ("2.1.RC1", "2.1.RC1.B152"), ("7.5.0.1.129", "7.7.0.1.231"),
    ("25.5.0", "25.5.0.b061"), ("8.0.RC3", "8.1.RC1"), ("25.0.rc1.2", "25.0.rc1.2.sph001"),
    ("25.0.rc1.2.sph001", "25.0.rc1.3"), ("23.0.3", "23.0.3.SPC001"), ("8.2.RC1.B150", "8.2.RC1.B152"),
    ("23.0.rc3", "23.0.rc3spc001"), ("2.0.T3.B010", "2.0.T3.B011"),
])
def test_pairs(older, newer):
    assert _versions.compare(older, newer) == -1 and _versions.compare(newer, older) == 1


def test_case_insensitive():
    assert _versions.same_release("26.0.RC1", "26.0.rc1") and _versions.same_release("8.2.RC1", "8.2.rc1")
    assert not _versions.same_release("8.2.RC1", None)
    assert not _versions.same_release("8.2.RC1", "newest") and not _versions.same_release("", "8.2.RC1")


@pytest.mark.parametrize("bad", ["", "  ", None, 25, "latest", "8.x", "V100R001C21", "25.0.rc1.hp1", "8.2.rc",
                                 "custom-build"])
def test_unrecognised(bad):
    with pytest.raises(ValueError):
        _versions.release_key(bad)
    assert _versions.valid(bad) is False
    assert _versions.same_release(bad, "8.2.RC1") is False and _versions.older(bad, "8.2.RC1") is False


@pytest.mark.parametrize("version", ["25.0.rc1.2.sph001", "25.0.RC1.2.SPH001", "23.0.3.SPC001", "23.0.3.spc001",
                                     "2.1.RC1.B152", "8.2.RC1.b050", "25.0.rc1.2-sph001", "2.0.T3.B010"])
def test_suffixes_real_hosts_print_parse(version):
    assert _versions.valid(version) and _versions.compare(version, version) == 0


@pytest.mark.parametrize("installed,loaded,same", [
    ("25.0.rc1.2", "25.0.rc1.2.sph001", True),       # the banner's Version is the installed release + a hot patch
    ("25.0.rc1.2.sph001", "25.0.rc1.2", True),
    ("25.0.RC1.2", "25.0.rc1.2.SPH001", True),
    ("25.5.0", "25.5.0.b061", True),                 # a build tag names a build of the same release
    ("25.5.0.b050", "25.5.0.b061", False),           # two builds
    ("25.0.rc1.2", "25.0.rc1.2.spc001", False),      # a service pack is a release of its own
    ("25.0.rc1.2", "25.0.rc1.3", False),
    ("25.0.rc1.2", "25.0.rc1.2.1", False),
    ("24.1.rc3", "24.1.rc3", True),
    ("24.1.rc3", None, False), (None, None, False),
    ("custom-build", "custom-build", True),          # not release strings: equal text only
    ("custom-build", "24.1.rc3", False),
])
def test_same_base(installed, loaded, same):
    assert _versions.same_base(installed, loaded) is same
    assert _versions.same_base(loaded, installed) is same


@pytest.mark.parametrize("installed,target,allow,action", [
    (None, "24.1.rc3", False, "install"),
    ("24.1.rc3", "24.1.RC3", False, "none"),
    ("24.1.rc2", "24.1.rc3", False, "upgrade"),
    ("25.0.rc1.2", "25.0.rc1.2.sph001", False, "upgrade"),
    ("24.1.0", "24.1.rc3", True, "downgrade"),
])
def test_plan_actions(installed, target, allow, action):
    assert _versions.plan("driver", installed, target, allow) == {
        "component": "driver", "installed": installed, "target": target, "action": action, "reason": None}


@pytest.mark.parametrize("installed,target,reason", [
    ("24.1.0", "24.1.rc3", "driver 24.1.0 is installed and the target 24.1.rc3 is older; set allow_downgrade: true "
                           "to install it anyway"),
    ("custom-build", "24.1.rc3", "the installed driver record holds 'custom-build', which is not a release string; "
                                 "fix or remove that record so the installed release can be told"),
    ("custom-build", "24.1.0", "the installed driver record holds 'custom-build', which is not a release string; "
                               "fix or remove that record so the installed release can be told"),
    ("", "24.1.rc3", "the installed driver record holds '', which is not a release string; fix or remove that "
                     "record so the installed release can be told"),
    (None, "latest", "the driver target 'latest' is not a release string (for example 24.1.rc3, 7.5.0.1.129 or "
                     "8.2.RC1); correct it"),
    ("24.1.rc3", None, "the driver target None is not a release string (for example 24.1.rc3, 7.5.0.1.129 or "
                       "8.2.RC1); correct it"),
])
def test_plan_refusals_never_raise(installed, target, reason):
    assert _versions.plan("driver", installed, target) == {
        "component": "driver", "installed": installed, "target": target, "action": "refuse", "reason": reason}


def test_plan_names_the_callers_option():
    assert _versions.plan("toolkit", "8.2.RC1", "8.0.RC3", False, "cann_allow_downgrade")["reason"] == \
        "toolkit 8.2.RC1 is installed and the target 8.0.RC3 is older; set cann_allow_downgrade: true to install it " \
        "anyway"


DRIVER_INFO = """Version=25.0.rc1.1
ascendhal_version=7.35.23
Innerversion=V100R001C21SPC002B220
compatible_version=[V100R001C17],[V100R001C18],[V100R001C19],[V100R001C20],[V100R001C21]
compatible_version_fw=[7.0.0,7.7.99]
package_version=25.0.rc1.1
"""
FIRMWARE_INFO = """Version=7.7.0.1.231
firmware_version=1.0
package_version=25.0.rc1.1
compatible_version_drv=[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.],[25.0,25.0.]
"""


def test_version_files():
    driver = _versions.parse_key_value(DRIVER_INFO)
    assert _versions.driver_release(driver) == "25.0.rc1.1"
    assert _versions.driver_release({"Version": "24.1.rc1"}) == "24.1.rc1"  # no package_version in 24.1.rc1
    firmware = _versions.parse_key_value(FIRMWARE_INFO)
    assert _versions.firmware_release(firmware) == "7.7.0.1.231"
    assert _versions.parse_ranges(firmware["compatible_version_drv"]) == [
        ("23.0.0", "23.0.0."), ("24.0", "24.0."), ("24.1", "24.1."), ("25.0", "25.0.")]
    atb = _versions.parse_colon_value("    Ascend-cann-atb : 8.2.RC1\n    Ascend-cann-atb Version : 8.2.RC1.B150\n")
    assert atb["Ascend-cann-atb"] == "8.2.RC1"


@pytest.mark.parametrize("version,ranges,inside", [
    ("7.7.0.1.231", "[7.0.0,7.7.99]", True),
    ("7.8.0.6.201", "[7.0.0,7.7.99]", False),
    ("6.4.0.1.100", "[7.0.0,7.7.99]", False),
    ("24.1.rc2", "[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.],[25.0,25.0.]", True),
    ("25.0.rc1.1", "[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.],[25.0,25.0.]", True),
    ("25.2.0", "[23.0.0,23.0.0.],[24.0,24.0.],[24.1,24.1.],[25.0,25.0.]", False),
    ("23.0.0.2", "[23.0.0,23.0.0.]", True),
    ("8.5.1", "[7.0.0,8.9.9]", True),
])
def test_ranges(version, ranges, inside):
    assert _versions.in_ranges(version, ranges) is inside
