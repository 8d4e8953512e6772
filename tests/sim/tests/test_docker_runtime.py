"""The simulated Ascend Docker Runtime: its installer's rules and files (run_main.sh), and the OCI runtime that adds
exactly the devices ASCEND_VISIBLE_DEVICES asks for; the runc shim that shares the simulated driver's state."""

from __future__ import annotations

import io
import json
import os
import platform
import subprocess

import pytest

from ascend_sim import docker_runtime, npusmi, pkgbuild, runc_shim, state

HOME = "/usr/local/Ascend/Ascend-Docker-Runtime"


@pytest.fixture()
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("ASCEND_SIM_ROOT", str(tmp_path / "root"))
    return tmp_path / "root"


def install(tmp_path, args, arch=None):
    run = pkgbuild.build("docker-runtime", "910b", "6.0.0", arch or platform.machine(), str(tmp_path / "pkgs"))
    assert os.path.basename(run) == "Ascend-docker-runtime_6.0.0_linux-%s.run" % (arch or platform.machine())
    dest = tmp_path / "x"
    subprocess.run(["sh", run, "--noexec", "--extract=%s" % dest, "--quiet"], check=True)
    manifest = dict(json.loads((dest / "manifest.json").read_text()), payload_dir=str(dest))
    out = io.StringIO()
    return docker_runtime.install(manifest, list(args), out), out.getvalue()


def test_install_merges_daemon_json_and_records_the_release(tmp_path, root):
    (root / "etc/docker").mkdir(parents=True)
    (root / "etc/docker/daemon.json").write_text('{"log-level": "warn"}')
    rc, out = install(tmp_path, ["--install", "--install-path=/usr/local/Ascend", "--quiet"])
    assert rc == 0, out
    assert out.splitlines()[-3:] == ["[INFO]: Ascend Docker Runtime has been installed in: %s" % HOME,
                                     "[INFO]: The version of Ascend Docker Runtime is: v6.0.0",
                                     "please reboot daemon and container engine to take effect"]
    daemon = root / "etc/docker/daemon.json"
    assert json.loads(daemon.read_text()) == {
        "log-level": "warn", "default-runtime": "ascend",
        "runtimes": {"ascend": {"path": HOME + "/ascend-docker-runtime", "runtimeArgs": []}}}
    assert daemon.stat().st_mode & 0o777 == 0o600
    record = state.read_kv(HOME + "/ascend_docker_runtime_install.info")
    assert record["version"] == "v6.0.0" and record["path"] == HOME
    assert (root / "etc/ascend-docker-runtime.d/base.list").read_text().split() == list(docker_runtime.BASE_LIST)
    assert (root / HOME.lstrip("/") / "ascend-docker-runtime").stat().st_mode & 0o777 == 0o550


@pytest.mark.parametrize("args, message", [
    (["--install", "--install-for-all"], "warning :Unsupported parameters: --install-for-all"),
    (["--install-path=/opt"], "When use --install-path you also need intput --install"),
    (["--install", "--install-path=opt"], "Please follow the installation address after the --install-path"),
    (["--install", "--install"], "warning :Repeat parameter!"),
    (["--quiet"], "Mode is neither install, uninstall, upgrade"),
])
def test_refusals_touch_nothing(tmp_path, root, args, message):
    rc, out = install(tmp_path, args)
    assert rc == 1 and message in out
    assert not (root / "etc").exists() and not (root / "usr").exists()


def test_another_cpu_fails_after_copying_its_files(tmp_path, root):
    other = "aarch64" if platform.machine() == "x86_64" else "x86_64"
    rc, out = install(tmp_path, ["--install"], arch=other)
    assert rc == 1 and "Exec format error" in out and "create damon.json failed" in out
    assert (root / HOME.lstrip("/") / "ascend-docker-runtime").exists()   # half-installed, as the vendor's is
    assert not (root / "etc/docker/daemon.json").exists()


def test_a_daemon_json_that_is_not_json_fails_and_is_kept(tmp_path, root):
    (root / "etc/docker").mkdir(parents=True)
    (root / "etc/docker/daemon.json").write_text("{broken")
    rc, out = install(tmp_path, ["--install"])
    assert rc == 1 and "create damon.json failed" in out
    assert (root / "etc/docker/daemon.json").read_text() == "{broken"


def test_upgrade_keeps_daemon_json_and_uninstall_removes_the_runtime(tmp_path, root):
    install(tmp_path, ["--install"])
    (root / "etc/docker/daemon.json").write_text('{"runtimes": {"ascend": {"path": "x"}}}')
    rc, out = install(tmp_path, ["--upgrade"])
    assert rc == 0 and "[INFO]: upgrade ascend docker runtime success" in out
    assert json.loads((root / "etc/docker/daemon.json").read_text()) == {"runtimes": {"ascend": {"path": "x"}}}
    rc, out = install(tmp_path, ["--uninstall"])
    assert rc == 0 and not (root / HOME.lstrip("/")).exists()
    assert json.loads((root / "etc/docker/daemon.json").read_text()) == {}


@pytest.mark.parametrize("value, ids", [("0", [0]), ("1,3", [1, 3]), ("0-2,4", [0, 1, 2, 4]), ("npu-1,npu-3", [1, 3]),
                                        ("Ascend910-2", [2])])
def test_visible_device_forms(value, ids):
    assert docker_runtime.parse_visible_devices(value) == ids


@pytest.mark.parametrize("value", ["0,npu-1", "x", "3-1", "0-200"])
def test_bad_visible_devices(value):
    with pytest.raises(ValueError):
        docker_runtime.parse_visible_devices(value)


def fake_nodes(monkeypatch, root, names):
    for name in names:
        (root / "dev").mkdir(parents=True, exist_ok=True)
        (root / "dev" / name).write_text("")
    majors = {"davinci_manager": 237, "devmm_svm": 238, "hisi_hdc": 239}

    def entry(path):
        name = os.path.basename(path)
        major, minor = (majors[name], 0) if name in majors else (236, int(name[len("davinci"):]))
        return ({"path": path, "type": "c", "major": major, "minor": minor, "fileMode": 0o660, "uid": 0, "gid": 0},
                {"allow": True, "type": "c", "major": major, "minor": minor, "access": "rwm"})
    monkeypatch.setattr(docker_runtime, "_device_entry", entry)


def test_inject_adds_exactly_the_chip_its_managers_and_the_base_list(root, monkeypatch):
    fake_nodes(monkeypatch, root, ["davinci0", "davinci1", "davinci_manager", "devmm_svm", "hisi_hdc"])
    (root / "etc/ascend-docker-runtime.d").mkdir(parents=True)
    (root / "etc/ascend-docker-runtime.d/base.list").write_text("/usr/local/dcmi\n/usr/local/bin/npu-smi\n")
    (root / "usr/local/dcmi").mkdir(parents=True)
    spec = {"process": {"env": ["PATH=/bin", "ASCEND_VISIBLE_DEVICES=1"]}, "mounts": []}
    out = docker_runtime.inject(spec)
    assert [d["path"] for d in out["linux"]["devices"]] == ["/dev/davinci1", "/dev/davinci_manager", "/dev/devmm_svm",
                                                            "/dev/hisi_hdc"]
    assert [r["minor"] for r in out["linux"]["resources"]["devices"]][0] == 1
    assert [m["destination"] for m in out["mounts"]] == ["/usr/local/dcmi"]   # npu-smi is absent on this host
    assert "ASCEND_DOCKER_RUNTIME=True" in out["process"]["env"]
    nodrv = docker_runtime.inject({"process": {"env": ["ASCEND_VISIBLE_DEVICES=0",
                                                       "ASCEND_RUNTIME_OPTIONS=NODRV"]}})
    assert "mounts" not in nodrv


def test_inject_passes_through_without_devices_and_refuses_missing_ones(root, monkeypatch):
    fake_nodes(monkeypatch, root, ["davinci0", "davinci_manager", "devmm_svm", "hisi_hdc"])
    for value in ("", "void"):
        spec = {"process": {"env": ["ASCEND_VISIBLE_DEVICES=" + value]}}
        assert docker_runtime.inject(json.loads(json.dumps(spec))) == spec
    with pytest.raises(ValueError, match="/dev/davinci5"):
        docker_runtime.inject({"process": {"env": ["ASCEND_VISIBLE_DEVICES=5"]}})


def test_bundle_of_create_only():
    argv = ["--root", "/r", "--log", "l", "create", "--bundle", "/b", "--pid-file", "p", "id"]
    assert docker_runtime.bundle_of(argv) == "/b"
    assert docker_runtime.bundle_of(["--root", "/r", "start", "id"]) is None


def test_shim_shares_the_kernel_only_with_ascend_devices(monkeypatch):
    monkeypatch.setattr(runc_shim.os.path, "isdir", lambda p: True)
    plain = {"linux": {"devices": [{"path": "/dev/fuse", "major": 10, "minor": 229}]}}
    assert runc_shim.share_kernel(json.loads(json.dumps(plain))) == plain
    npu = runc_shim.share_kernel({"linux": {"devices": [{"path": "/dev/davinci0", "major": 236, "minor": 0}]}})
    assert [(m["destination"], m["options"][1]) for m in npu["mounts"]] == [
        ("/opt/ascend-sim", "ro"), ("/etc/ascend-sim", "ro"), ("/var/lib/ascend-sim", "ro"), ("/run/ascend-sim", "rw")]


def test_npu_smi_sees_only_the_chips_whose_nodes_exist(root, monkeypatch):
    hw = {"cards": [{"npu_id": 0, "chips": [{"chip_id": 0, "phy_id": 0}, {"chip_id": 1, "phy_id": 1}]},
                    {"npu_id": 96, "chips": [{"chip_id": 0, "phy_id": 2}, {"chip_id": 1, "phy_id": 3}]}]}
    assert npusmi.visible(hw) is None   # no davinci_manager: dcmi cannot initialise
    (root / "dev").mkdir(parents=True)
    for name in ("davinci_manager", "davinci3"):
        (root / "dev" / name).write_text("")
    assert npusmi.visible(hw)["cards"] == [{"npu_id": 96, "chips": [{"chip_id": 1, "phy_id": 3}]}]
