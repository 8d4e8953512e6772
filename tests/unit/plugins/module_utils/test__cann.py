"""_cann: facts read from install trees laid out as the reference describes them (section 4.5: both toolkit layouts,
side by side releases, NNAL) with the reference's verbatim record files, and the cann role's decisions."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.ascendops.llm.plugins.module_utils import _cann, _chips

ARCH = "aarch64"
# Verbatim from ascend-tech-reference.md section 4.5 (the 8.2.RC1 records of a MindIE 2.1.RC1 image, the driver of
# an 800I A2); other releases swap only the release string.
TOOLKIT_INFO = """package_name=Ascend-cann-toolkit
version=8.2.RC1
innerversion=V100R001C22SPC001B231
compatible_version=[V100R001C15],[V100R001C18],[V100R001C19],[V100R001C20],[V100R001C21],[V100R001C23]
arch=aarch64
os=linux
path=/usr/local/Ascend/ascend-toolkit/8.2.RC1/aarch64-linux
"""
# The kernels record is read by its `version_dir`, as in the toolkit's own version.info.
VERSION_INFO = """Version=8.2.0.0.201
version_dir=8.2.RC1
timestamp=20250724_194044950
required_package_hccl_version="8.2"
"""
NNAL_INFO = """    Ascend-cann-atb : 8.2.RC1
    Ascend-cann-atb Version : 8.2.RC1.B150
    Platform : aarch64
    branch : br_release_cann_8.2.RC1_20251226
    commit id : f10dc20391d8af04c3f8024aca0e0dfa94d2a0a5
"""
DRIVER_INFO = """Version=25.0.rc1.1
ascendhal_version=7.35.23
aicpu_version=1.0
tdt_version=1.0
log_version=1.0
prof_version=2.0
dvppkernels_version=1.1
tsfw_version=1.0
Innerversion=V100R001C21SPC002B220
compatible_version=[V100R001C17],[V100R001C18],[V100R001C19],[V100R001C20],[V100R001C21]
compatible_version_fw=[7.0.0,7.7.99]
package_version=25.0.rc1.1
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def link(path, target):
    if os.path.lexists(path):
        os.remove(path)
    os.symlink(os.path.relpath(target, os.path.dirname(path)), path)


@pytest.fixture()
def host(tmp_path):
    """An install root under tmp_path; `host(component, version, family)` lays out one release as section 4.5 says:
    up to 8.3 in ascend-toolkit/<ver>, later in cann-<ver> behind the `cann` link; `latest` is the newest."""
    root = str(tmp_path / "usr" / "local" / "Ascend")

    def install(component, version, family="910b"):
        def release(text):
            return text.replace("8.2.RC1", version)

        new_layout = not version.startswith(("8.0", "8.1", "8.2", "8.3"))
        vdir = os.path.join(root, "cann-%s" % version) if new_layout else os.path.join(root, "ascend-toolkit", version)
        if component == "toolkit":
            write(os.path.join(vdir, "%s-linux" % ARCH, "ascend_toolkit_install.info"), release(TOOLKIT_INFO))
            write(os.path.join(vdir, "toolkit", "version.info"), release(VERSION_INFO))
            write(os.path.join(root, "ascend-toolkit", "set_env.sh"), "export ASCEND_TOOLKIT_HOME=...\n")
            if new_layout:
                link(os.path.join(root, "cann"), vdir)
            link(os.path.join(root, "ascend-toolkit", "latest"), os.path.join(root, "cann") if new_layout else vdir)
        elif component == "kernels":
            write(os.path.join(vdir, "opp_kernel", "version.info"), release(VERSION_INFO))
            write(os.path.join(vdir, _cann.KERNEL_ROOT, _chips.row(family)["kernel_dir"], "binary_info_config.json"),
                  "{}\n")
        else:
            nnal = os.path.join(root, "nnal", "atb", version)
            write(os.path.join(nnal, "version.info"), release(NNAL_INFO))
            write(os.path.join(root, "nnal", "atb", "set_env.sh"), "export ATB_HOME_PATH=...\n")
            link(os.path.join(root, "nnal", "atb", "latest"), nnal)

    install.root = root
    return install


def test_nothing_installed(host):
    facts = _cann.gather(host.root, ARCH)
    assert facts == {
        "install_path": host.root,
        "toolkit": {"version": None, "path": None, "inner_version": None, "compatible_version": None,
                    "env_script": None, "installed": []},
        "kernels": {"version": None, "families": []},
        "nnal": {"version": None, "path": None, "env_script": None, "installed": []},
        "driver_inner_version": None,
    }


def test_toolkit_kernels_and_nnal(host):
    for component in _cann.COMPONENTS:
        host(component, "8.2.RC1")
    write(host.root + "/driver/version.info", DRIVER_INFO)
    facts = _cann.gather(host.root, ARCH)
    toolkit_dir = host.root + "/ascend-toolkit/8.2.RC1"
    assert facts["toolkit"] == {
        "version": "8.2.RC1", "path": toolkit_dir, "inner_version": "V100R001C22SPC001B231",
        "compatible_version": "[V100R001C15],[V100R001C18],[V100R001C19],[V100R001C20],[V100R001C21],[V100R001C23]",
        "env_script": host.root + "/ascend-toolkit/set_env.sh",
        "installed": [{"version": "8.2.RC1", "path": toolkit_dir}],
    }
    assert facts["kernels"] == {"version": "8.2.RC1", "families": ["ascend910b"]}
    assert facts["nnal"] == {"version": "8.2.RC1", "path": host.root + "/nnal/atb/8.2.RC1",
                             "env_script": host.root + "/nnal/atb/set_env.sh",
                             "installed": [{"version": "8.2.RC1", "path": host.root + "/nnal/atb/8.2.RC1"}]}
    assert facts["driver_inner_version"] == "V100R001C21SPC002B220"


def test_side_by_side_releases_in_both_layouts(host):
    for version in ("8.2.RC1", "8.5.0"):
        for component in _cann.COMPONENTS:
            host(component, version, "310p")
    facts = _cann.gather(host.root, ARCH)
    assert facts["toolkit"]["version"] == "8.5.0"
    assert facts["toolkit"]["path"] == host.root + "/cann-8.5.0"  # through ascend-toolkit/latest -> cann
    assert facts["toolkit"]["installed"] == [{"version": "8.2.RC1", "path": host.root + "/ascend-toolkit/8.2.RC1"},
                                             {"version": "8.5.0", "path": host.root + "/cann-8.5.0"}]
    assert facts["kernels"] == {"version": "8.5.0", "families": ["ascend310p"]}
    assert [n["version"] for n in facts["nnal"]["installed"]] == ["8.2.RC1", "8.5.0"]
    assert _cann.stale_versions(facts, "8.5.0") == [host.root + "/ascend-toolkit/8.2.RC1",
                                                    host.root + "/nnal/atb/8.2.RC1"]
    assert _cann.stale_versions(facts, "8.5.0".upper()) == _cann.stale_versions(facts, "8.5.0")


def test_toolkit_without_kernels(host):
    host("toolkit", "8.3.RC1")
    facts = _cann.gather(host.root, ARCH)
    assert facts["kernels"] == {"version": None, "families": []}
    assert summary(_cann.plan(facts, "8.3.RC1", ["toolkit", "kernels", "nnal"])) == {
        "order": ["kernels", "nnal"], "downgrades": [], "refusals": []}


def facts(toolkit=None, kernels=None, nnal=None):
    return {"toolkit": {"version": toolkit}, "kernels": {"version": kernels}, "nnal": {"version": nnal}}


def summary(plan):
    return {k: plan[k] for k in ("order", "downgrades", "refusals")}


DOWNGRADE = "%s 8.2.RC1 is installed and the target 8.0.RC3 is older; set cann_allow_downgrade: true to install it " \
            "anyway"


@pytest.mark.parametrize("state, target, components, allow, expected", [
    (facts(), "8.2.RC1", ["toolkit", "kernels", "nnal"], False,
     {"order": ["toolkit", "kernels", "nnal"], "downgrades": [], "refusals": []}),
    (facts(), "8.2.RC1", ["nnal", "toolkit"], False, {"order": ["toolkit", "nnal"], "downgrades": [], "refusals": []}),
    (facts("8.2.RC1", "8.2.RC1", "8.2.RC1"), "8.2.rc1", ["toolkit", "kernels", "nnal"], False,
     {"order": [], "downgrades": [], "refusals": []}),
    (facts("8.2.RC1", "8.2.RC1", "8.2.RC1"), "8.5.0", ["toolkit", "kernels", "nnal"], False,
     {"order": ["toolkit", "kernels", "nnal"], "downgrades": [], "refusals": []}),
    (facts("8.2.RC1", "8.2.RC1", None), "8.0.RC3", ["toolkit", "kernels", "nnal"], True,
     {"order": ["toolkit", "kernels", "nnal"], "downgrades": ["toolkit", "kernels"], "refusals": []}),
    (facts("8.2.RC1", "8.2.RC1", None), "8.0.RC3", ["toolkit", "kernels", "nnal"], False,
     {"order": ["nnal"], "downgrades": ["toolkit", "kernels"],
      "refusals": [DOWNGRADE % "toolkit", DOWNGRADE % "kernels"]}),
    # an active record that is not a release string is refused, never swallowed, never raised
    (facts("8.2.RC1", "8.2.RC1-custom", "8.2.RC1"), "8.2.RC1", ["toolkit", "kernels", "nnal"], False,
     {"order": [], "downgrades": [], "refusals": [
         "the installed kernels record holds '8.2.RC1-custom', which is not a release string; fix or remove that "
         "record so the installed release can be told"]}),
])
def test_plan(state, target, components, allow, expected):
    plan = _cann.plan(state, target, components, allow)
    assert summary(plan) == expected
    assert sorted(plan["plans"]) == sorted(components) and {p["target"] for p in plan["plans"].values()} == {target}


def test_version_problems():
    files = {"toolkit": "Ascend-cann-toolkit_8.2.RC1_linux-x86_64.run",
             "kernels": "Ascend-cann-kernels-910b_8.1.RC1_linux-x86_64.run",
             "nnal": "nnal-from-a-mirror.run"}  # no release in the name: its records are checked before installing
    assert _cann.version_problems(facts(), "8.2.RC1", ["toolkit", "nnal"], files) == []
    problems = _cann.version_problems(facts(), "8.2.RC1", ["toolkit", "kernels", "nnal"], files)
    assert problems == ["the kernels package Ascend-cann-kernels-910b_8.1.RC1_linux-x86_64.run is release 8.1.RC1, "
                        "not cann_version 8.2.RC1 (the toolkit, kernels and NNAL must be one release; set "
                        "cann_kernels_package to the 8.2.RC1 package)"]
    assert _cann.version_problems(facts(), "8.2.RC1", ["nnal"], {}) == [
        "kernels and NNAL need a toolkit and none is installed (add toolkit to cann_components)"]
    assert _cann.version_problems(facts("8.1.RC1"), "8.2.RC1", ["kernels"], {}) == [
        "kernels and NNAL need toolkit 8.2.RC1 but the active toolkit is 8.1.RC1 (add toolkit to cann_components)"]
    assert _cann.version_problems(facts("8.2.RC1"), "8.2.rc1", ["kernels", "nnal"], {}) == []


@pytest.mark.parametrize("compatible, inner, expected", [
    ("[V100R001C15],[V100R001C18],[V100R001C19]", "V100R001C19SPC001B215", True),
    ("[V100R001C15],[V100R001C18],[V100R001C19]", "V100R001C21SPC002B220", False),
    ("[V100R001C15], [V100R001C21]", "v100r001c21spc002b220", True),
    ("[V100R001C15]", "V100R001C1SPC001B100", False),
    ("[V100R001C1]", "V100R001C15SPC001B100", False),  # C15 does not belong to C1
    ("[V100R001C15]", None, None),
    (None, "V100R001C19SPC001B215", None),
])
def test_inner_compatible(compatible, inner, expected):
    assert _cann.inner_compatible(compatible, inner) is expected


def test_environment_diff():
    before = {"PATH": "/usr/bin:/bin", "HOME": "/root", "SHLVL": "1", "PWD": "/"}
    after = dict(before, PATH="/usr/local/Ascend/ascend-toolkit/latest/bin:/usr/bin:/bin", SHLVL="2", _="/bin/env",
                 ASCEND_HOME_PATH="/usr/local/Ascend/ascend-toolkit/latest", LD_LIBRARY_PATH="/x/lib64:")
    assert _cann.environment_diff(before, after) == {
        "ASCEND_HOME_PATH": "/usr/local/Ascend/ascend-toolkit/latest", "LD_LIBRARY_PATH": "/x/lib64:",
        "PATH": "/usr/local/Ascend/ascend-toolkit/latest/bin:/usr/bin:/bin"}
    assert list(_cann.environment_diff(before, after)) == sorted(_cann.environment_diff(before, after))
    assert json.dumps(_cann.environment_diff(before, before)) == "{}"
