"""After the cann scenario: toolkit, kernels and NNAL 8.2.RC1 installed in order, upgraded to 8.5.0 beside it, the old
release removed; the profile script gives login shells (root's and the driver account's) the environment."""

import os
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "shared", "tests"))
import ascend_raw  # noqa: E402

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

ROOT = ascend_raw.ASCEND


def family(host):
    """The chip family of the simulator's hardware profile."""
    return ascend_raw.show(host)["hardware"]["family"]


def test_installed_in_order_then_upgraded(host):
    log = host.file("/var/log/ascend_seclog/ascend_install.log").content_string.splitlines()
    done = [line.split("]", 1)[0] + "]" for line in log if line.endswith(" install success")]  # not uninstall
    assert done == ["[Toolkit]", "[Kernels]", "[NNAL]"] * 2


def test_active_release_and_layout(host):
    """8.5.0 is what the records behind the `latest` links say, in the cann-<version> layout, with this host's op
    kernel directory alone."""
    assert ascend_raw.cann_state(host) == {"toolkit": "8.5.0", "kernels": "8.5.0", "nnal": "8.5.0",
                                           "op kernel dirs": [ascend_raw.KERNEL_DIRS[family(host)]]}
    assert host.file("%s/ascend-toolkit/latest" % ROOT).linked_to == "%s/cann-8.5.0" % ROOT
    assert host.file("%s/nnal/atb/latest" % ROOT).linked_to == "%s/nnal/atb/8.5.0" % ROOT


def test_old_release_removed(host):
    assert not host.file("%s/ascend-toolkit/8.2.RC1" % ROOT).exists
    assert not host.file("%s/nnal/atb/8.2.RC1" % ROOT).exists


def test_installed_for_all_users(host):
    lib = host.file("%s/cann-8.5.0/%s-linux/lib64/libascendcl.so" % (ROOT, host.system_info.arch))
    assert lib.mode & 0o005 == 0o005


def test_profile_script(host):
    script = host.file("/etc/profile.d/ascendops-cann.sh")
    assert (script.user, script.group, script.mode) == ("root", "root", 0o644)
    assert "%s/ascend-toolkit/set_env.sh" % ROOT in script.content_string
    assert "--cxx_abi=1" in script.content_string


def test_login_shells_get_the_environment(host):
    for shell in ascend_raw.LOGIN_SHELLS:
        home, atb, libs = ascend_raw.login_environment(host, shell)
        assert (home, atb) == (ROOT + "/ascend-toolkit/latest", ROOT + "/nnal/atb/latest/atb/cxx_abi_1"), shell
        assert home + "/lib64" in libs and atb + "/lib" in libs, shell


def test_python_dependencies_from_the_distribution(host):
    for package in ("python3-numpy", "python3-sympy", "python3-decorator", "python3-psutil", "g++", "python3-dev"):
        assert host.package(package).is_installed, package
    assert host.run("/usr/bin/python3 -c 'import numpy, sympy, decorator, scipy, yaml, absl'").rc == 0


def test_packages_staged_from_their_source(host):
    """The A2 copied them from the controller; the Duo downloaded them from the mirror the A2 serves."""
    arch = host.system_info.arch
    staged = host.file("/var/cache/ascendops/packages/Ascend-cann-toolkit_8.5.0_linux-%s.run" % arch)
    assert (staged.user, staged.mode) == ("root", 0o600)
    if family(host) == "910b":
        log = host.check_output("journalctl -u ascend-mirror --no-pager")
        for name in ("Ascend-cann-toolkit_8.2.RC1", "Ascend-cann-kernels-310p_8.2.RC1", "Ascend-cann-310p-ops_8.5.0",
                     "Ascend-cann-nnal_8.5.0"):
            assert '"GET /ascend/%s_linux-%s.run HTTP/1.1" 200' % (name, arch) in log, name
        assert '"GET /ascend/SHA256SUMS HTTP/1.1" 200' in log
