"""What the verifiers hold the product to, read from the raw sources: `npu-smi` output, the vendor's version files and
the simulator's own state (`ascend-sim show`), never the collection's modules, so that a parser bug in the product
cannot make product and test agree. Formats: ascend-tech-reference.md sections 1.1 to 1.6 and 4.5.

Readers only: the asserts stay in the test files, where pytest explains a failure. A scenario's test file imports
this module after putting this directory on sys.path (pytest puts only the test file's own directory there).
"""

import json
import re

ASCEND = "/usr/local/Ascend"
# The op kernel directory CANN's kernels/ops package installs for each chip family (the simulator's hardware family).
KERNEL_DIRS = {"910b": "ascend910b", "310p": "ascend310p", "910_93": "ascend910_93"}
# Login shells of root (bash and POSIX sh) and of the driver account.
LOGIN_SHELLS = ("bash -lc", "sh -lc", "su - HwHiAiUser -c")


def show(host):
    """The simulator's own state: hardware profile, loaded driver and firmware, faults, holders."""
    return json.loads(host.check_output("ascend-sim show"))


def key_values(text, sep="="):
    """`Key=Value` records (version.info, ascend_install.info, ...); `npu-smi -t` blocks and NNAL's version.info use
    `key : value`. Keys and values stripped; a value keeps any further separator (a Bus-Id's colons)."""
    pairs = [line.split(sep, 1) for line in text.splitlines() if sep in line]
    return {key.strip(): value.strip() for key, value in pairs}


def read_kv(host, path, sep="="):
    return key_values(host.file(path).content_string, sep)


def npu_smi_info(host):
    """`npu-smi info`: the banner's two versions (npu-smi's own, then `Version:`, the loaded driver) and one
    (NPU ID, chip name, health) per die, from the first of the two rows each die has in the device table."""
    lines = host.check_output("npu-smi info").splitlines()
    banner = re.fullmatch(r"\| npu-smi (\S+) +Version: (\S+) +\|", lines[1])
    start = next(i for i, line in enumerate(lines) if line.startswith("+="))  # below the column heads
    end = next(i for i, line in enumerate(lines) if "Process id" in line)  # the process table's head
    rows = [line.split("|") for line in lines[start:end] if line.startswith("| ")]
    dies = [(int(row[1].split()[0]), row[1].split()[1], row[2].strip()) for row in rows[::2]]
    return (banner.groups() if banner else None), dies


def npu_smi_board(host, npu_id):
    """`npu-smi info -t board -i N` as a dict (`Software Version`, `Firmware Version`, `Compatibility` ...)."""
    return key_values(host.check_output("npu-smi info -t board -i %d" % npu_id), ":")


def hdk_state(host):
    """The driver and firmware as each raw source gives them: installed (the vendor's version.info files), loaded
    (the simulator's state, the `npu-smi info` banner, every card's `-t board`), the health of every die in the
    `npu-smi info` table, and how many dies the simulator's hardware profile has."""
    sim = show(host)
    cards = sim["hardware"]["cards"]
    banner, dies = npu_smi_info(host)
    boards = [npu_smi_board(host, card["npu_id"]) for card in cards]
    return {
        "installed": (read_kv(host, ASCEND + "/driver/version.info").get("Version"),
                      read_kv(host, ASCEND + "/firmware/version.info").get("Version")),
        "loaded": (sim["loaded"].get("driver"), sim["loaded"].get("firmware")),
        "banner": banner,
        "boards": {(b.get("Software Version"), b.get("Firmware Version"), b.get("Compatibility")) for b in boards},
        "health": [die[2] for die in dies],
        "dies": sum(len(card["chips"]) for card in cards),
    }


def cann_state(host):
    """The active CANN release as the records behind `ascend-toolkit/latest` and `nnal/atb/latest` give it, and the
    op kernel directories installed there."""
    latest = ASCEND + "/ascend-toolkit/latest"
    return {
        "toolkit": read_kv(host, "%s/%s-linux/ascend_toolkit_install.info" % (latest, host.system_info.arch))
        .get("version"),
        "kernels": read_kv(host, latest + "/opp_kernel/version.info").get("version_dir"),
        "nnal": read_kv(host, ASCEND + "/nnal/atb/latest/version.info", ":").get("Ascend-cann-atb"),
        "op kernel dirs": host.file(latest + "/opp/built-in/op_impl/ai_core/tbe/kernel").listdir(),
    }


def login_environment(host, shell):
    """ASCEND_HOME_PATH, ATB_HOME_PATH and the LD_LIBRARY_PATH entries as a login shell (LOGIN_SHELLS) has them."""
    out = host.check_output("%s 'echo \"$ASCEND_HOME_PATH|$ATB_HOME_PATH|$LD_LIBRARY_PATH\"'" % shell)
    home, atb, libs = out.split("|")
    return home, atb, libs.split(":")


def npu_processes(host):
    """`npu-smi info`'s process table: (NPU ID, chip ID, pid, process name) per row."""
    rows = re.findall(r"^\| (\d+) +(\d+) +\| (\d+) +\| (\S+) +\| +\d+ +\|$", host.check_output("npu-smi info"), re.M)
    return [(int(npu), int(chip), int(pid), name) for npu, chip, pid, name in rows]


def docker_inspect(host, name):
    return json.loads(host.check_output("docker inspect %s" % name))[0]


def listener(host, port):
    """The address a TCP port is bound to on the host, from `ss` (the service's own view, not the inventory's)."""
    for line in host.check_output("ss -H -ltn").splitlines():
        local = line.split()[3]
        if local.rsplit(":", 1)[1] == str(port):
            return local.rsplit(":", 1)[0].strip("[]")
    return None
