"""_cann: facts read from install trees the simulator's installers lay out (both toolkit layouts, side by side
releases, NNAL), and the cann role's decisions."""

from __future__ import annotations

import io
import json
import os

import pytest

from ascend_sim import installer, pkgbuild
from ansible_collections.ascendops.llm.plugins.module_utils import _cann

ARCH = "x86_64"


@pytest.fixture()
def host(tmp_path, monkeypatch):
    """A simulated host filesystem under tmp_path; returns an installer of CANN components and the install root."""
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(tmp_path))
    root = str(tmp_path / "usr" / "local" / "Ascend")

    def install(component, version, family="910b"):
        payload = tmp_path / "payload" / component / version
        payload.mkdir(parents=True, exist_ok=True)
        for rel, text in pkgbuild.records(component, family, version, ARCH).items():
            (payload / rel).parent.mkdir(parents=True, exist_ok=True)
            (payload / rel).write_text(text)
        manifest = {"component": component, "family": family, "version": version, "arch": ARCH,
                    "records": {}, "payload_dir": str(payload)}
        monkeypatch.setenv("ASCEND_TOOLKIT_HOME", root + "/ascend-toolkit/latest")
        out = io.StringIO()
        assert installer.Installer(manifest, ["--install", "--quiet"], out=out).run() == 0, out.getvalue()

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
    os.makedirs(host.root + "/driver")
    with open(host.root + "/driver/version.info", "w") as f:
        f.write(pkgbuild.records("driver", "910b", "24.1.rc3", ARCH)["driver/version.info"])
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
    assert facts["driver_inner_version"] == "V100R001C19SPC001B215"


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
    assert _cann.plan(facts, "8.3.RC1", ["toolkit", "kernels", "nnal"]) == {"order": ["kernels", "nnal"],
                                                                            "downgrades": []}


def facts(toolkit=None, kernels=None, nnal=None):
    return {"toolkit": {"version": toolkit}, "kernels": {"version": kernels}, "nnal": {"version": nnal}}


@pytest.mark.parametrize("state, target, components, expected", [
    (facts(), "8.2.RC1", ["toolkit", "kernels", "nnal"], {"order": ["toolkit", "kernels", "nnal"], "downgrades": []}),
    (facts(), "8.2.RC1", ["nnal", "toolkit"], {"order": ["toolkit", "nnal"], "downgrades": []}),
    (facts("8.2.RC1", "8.2.RC1", "8.2.RC1"), "8.2.rc1", ["toolkit", "kernels", "nnal"],
     {"order": [], "downgrades": []}),
    (facts("8.2.RC1", "8.2.RC1", "8.2.RC1"), "8.5.0", ["toolkit", "kernels", "nnal"],
     {"order": ["toolkit", "kernels", "nnal"], "downgrades": []}),
    (facts("8.2.RC1", "8.2.RC1", None), "8.0.RC3", ["toolkit", "kernels", "nnal"],
     {"order": ["toolkit", "kernels", "nnal"], "downgrades": ["toolkit", "kernels"]}),
])
def test_plan(state, target, components, expected):
    assert _cann.plan(state, target, components) == expected


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
