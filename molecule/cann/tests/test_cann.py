"""After the cann scenario: toolkit, kernels and NNAL 8.2.RC1 installed in order, upgraded to 8.5.0 beside it, the old
release removed; the profile script gives login shells (root's and the driver account's) the environment."""

import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

ROOT = "/usr/local/Ascend"
KERNEL_ROOT = "opp/built-in/op_impl/ai_core/tbe/kernel"


def family(host):
    result = host.ansible("ascendops.llm.npu_info", check=False)
    return result["ansible_facts"]["npu"]["chip_family"]


def test_installed_in_order_then_upgraded(host):
    log = host.file("/var/log/ascend_seclog/ascend_install.log").content_string.splitlines()
    done = [line.split("]", 1)[0] + "]" for line in log if "install success" in line]
    assert done == ["[Toolkit]", "[Kernels]", "[NNAL]"] * 2


def test_active_release_and_layout(host):
    arch = host.system_info.arch
    info = host.file("%s/ascend-toolkit/latest/%s-linux/ascend_toolkit_install.info" % (ROOT, arch))
    assert "version=8.5.0\n" in info.content_string
    assert host.file("%s/ascend-toolkit/latest" % ROOT).linked_to == "%s/cann-8.5.0" % ROOT
    assert host.file("%s/nnal/atb/latest" % ROOT).linked_to == "%s/nnal/atb/8.5.0" % ROOT
    assert "version_dir=8.5.0\n" in host.file("%s/ascend-toolkit/latest/opp_kernel/version.info" % ROOT).content_string
    assert "Ascend-cann-atb : 8.5.0" in host.file("%s/nnal/atb/latest/version.info" % ROOT).content_string


def test_old_release_removed(host):
    assert not host.file("%s/ascend-toolkit/8.2.RC1" % ROOT).exists
    assert not host.file("%s/nnal/atb/8.2.RC1" % ROOT).exists


def test_kernels_are_this_hosts_family(host):
    kernels = host.file("%s/ascend-toolkit/latest/%s" % (ROOT, KERNEL_ROOT)).listdir()
    assert kernels == ["ascend" + family(host)]


def test_installed_for_all_users(host):
    lib = host.file("%s/cann-8.5.0/%s-linux/lib64/libascendcl.so" % (ROOT, host.system_info.arch))
    assert lib.mode & 0o005 == 0o005


def test_profile_script(host):
    script = host.file("/etc/profile.d/ascendops-cann.sh")
    assert (script.user, script.group, script.mode) == ("root", "root", 0o644)
    assert "%s/ascend-toolkit/set_env.sh" % ROOT in script.content_string
    assert "--cxx_abi=1" in script.content_string


def test_login_shells_get_the_environment(host):
    for shell in ("bash -lc", "sh -lc", "su - HwHiAiUser -c"):
        out = host.check_output("%s 'echo \"$ASCEND_HOME_PATH|$ATB_HOME_PATH|$LD_LIBRARY_PATH\"'" % shell)
        home, atb, libs = out.split("|")
        assert home == "%s/ascend-toolkit/latest" % ROOT, shell
        assert atb == "%s/nnal/atb/latest/atb/cxx_abi_1" % ROOT, shell
        assert "%s/lib64" % home in libs.split(":") and "%s/lib" % atb in libs.split(":"), shell


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
