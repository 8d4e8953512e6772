"""hccn_config against a fake hccn_tool (the reference's output formats, section 2): only differing settings are
set, exit codes decide (no success echo needed), check mode runs no set command, the diff is /etc/hccn.conf."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ascendops.llm.plugins.modules import hccn_config

TOOL = "/usr/local/Ascend/driver/tools/hccn_tool"


class FakeTool:
    """Two dies; set commands change them and append `key_N=value` to the conf file, as cfg.c writes it."""

    def __init__(self, conf, echo=""):
        self.conf, self.echo, self.calls, self.fail = conf, echo, [], {}
        self.dies = {p: {"address": None, "netmask": None, "gateway": None, "netdetect": None, "tls": "1",
                         "mtu": "1500"} for p in (0, 1)}

    def write(self, phy, **values):
        d = self.dies[phy]
        d.update(values)
        self.conf.write_text("".join("%s_%d=%s\n" % (k, p, v) for p, dv in sorted(self.dies.items())
                                     for k, v in dv.items() if v is not None and k not in ("tls", "mtu")))

    def __call__(self, module, args, **kwargs):
        assert args[0] == TOOL
        argv = args[1:]
        self.calls.append(argv)
        phy, item, rest = int(argv[1]), argv[2], argv[3:]
        if (phy, item, rest[0]) in self.fail:
            return self.fail[(phy, item, rest[0])]
        d = self.dies[phy]
        if rest == ["-g"]:
            out = {"-ip": "ipaddr:%s\nnetmask:%s\n" % (d["address"], d["netmask"]) if d["address"] else None,
                   "-gateway": "default gateway:%s, Iface:eth%d\n" % (d["gateway"], phy) if d["gateway"] else None,
                   "-netdetect": "netdetect addr: %s\n" % d["netdetect"] if d["netdetect"] else None,
                   "-link": "link status: UP\n", "-net_health": "net health status: %s\n" % (
                       "Success" if d["netdetect"] else "Init"),
                   "-tls": "dev_id:%d, tls switch[%s](0:disable, 1:enable)\n" % (phy, d["tls"]),
                   "-mtu": "mtu:%s\n" % d["mtu"]}[item]
            if out is None:  # unset: the real tool's message, on stderr, non-zero
                what = {"-ip": "ipconf failed, because no ip", "-gateway": "gateway failed, because no gateway",
                        "-netdetect": "netdetect failed, because no netdetect"}[item]
                return 13, "", "Get %s was preset there!\n" % what
            return 0, out, ""
        params = dict(zip(rest[1::2], rest[2::2]))
        key = {"-ip": None, "-gateway": "gateway", "-netdetect": "netdetect", "-tls": "tls", "-mtu": "mtu"}[item]
        if item == "-ip":
            self.write(phy, address=params["address"], netmask=params["netmask"])
        else:
            self.write(phy, **{key: params.get(key) or params.get("address") or params.get("enable")
                               or params.get("size")})
        return 0, self.echo, ""


@pytest.fixture()
def tool(monkeypatch, tmp_path):
    fake = FakeTool(tmp_path / "hccn.conf")

    def run_command(module, args, **kw):  # a method: the fake is called with the module as its first argument
        return fake(module, args, **kw)

    monkeypatch.setattr(hccn_config.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(hccn_config.AnsibleModule, "get_bin_path", lambda self, name, **kw: None)
    monkeypatch.setattr(hccn_config.os, "access", lambda path, mode: path == TOOL)
    return fake


def run(args, capsys, conf):
    with patch_module_args(dict({"conf_path": str(conf)}, **args)), pytest.raises(SystemExit):
        hccn_config.main()
    return json.loads(capsys.readouterr().out)


DIES = [{"phy_id": 0, "address": "10.0.0.10", "netmask": "255.255.255.0", "gateway": "10.0.0.1",
         "netdetect": "10.0.0.1", "tls": False},
        {"phy_id": 1, "address": "10.0.0.11", "netmask": "24", "gateway": "10.0.0.1", "netdetect": "10.0.0.1",
         "tls": False, "mtu": 9000}]


def sets(calls):
    return [c for c in calls if c[3] == "-s"]


def test_applies_only_what_differs_then_changes_nothing(tool, capsys, tmp_path):
    tool.write(0, address="10.0.0.10", netmask="255.255.255.0", tls="0")
    before = tool.conf.read_text()
    result = run({"dies": DIES, "_ansible_diff": True}, capsys, tool.conf)
    assert result["changed"] is True and result["changed_dies"] == [0, 1]
    assert result["settings"] == {"0": ["gateway", "netdetect"],
                                  "1": ["address", "gateway", "netdetect", "tls", "mtu"]}
    assert result["commands"][0] == TOOL + " -i 0 -gateway -s gateway 10.0.0.1"
    assert result["commands"][2] == TOOL + " -i 1 -ip -s address 10.0.0.11 netmask 255.255.255.0"
    assert sets(tool.calls) == [c.split()[1:] for c in result["commands"]]
    assert result["diff"] == {"before": before, "after": tool.conf.read_text(), "before_header": str(tool.conf),
                              "after_header": str(tool.conf)}
    assert ["-i", "1", "-mtu", "-g"] in tool.calls and ["-i", "0", "-mtu", "-g"] not in tool.calls
    tool.calls.clear()
    again = run({"dies": DIES, "_ansible_diff": True}, capsys, tool.conf)
    assert again["changed"] is False and again["commands"] == [] and "diff" not in again
    assert sets(tool.calls) == []


def test_check_mode_runs_no_set_command_and_predicts_the_file(tool, capsys):
    tool.conf.write_text("")
    result = run({"dies": DIES[:1], "_ansible_check_mode": True, "_ansible_diff": True}, capsys, tool.conf)
    assert result["changed"] is True and sets(tool.calls) == [] and tool.conf.read_text() == ""
    assert result["diff"]["after"] == ("address_0=10.0.0.10\nnetmask_0=255.255.255.0\ngateway_0=10.0.0.1\n"
                                       "netdetect_0=10.0.0.1\ntls_enable_0=0\n")


def test_exit_codes_decide(tool, capsys):
    tool.echo = "Cmd executed successfully!\n"
    assert run({"dies": [{"phy_id": 0, "tls": False}]}, capsys, tool.conf)["changed"] is True
    tool.fail[(1, "-ip", "-s")] = (7, "", "The ip address configured is conflicted!\n")
    result = run({"dies": DIES}, capsys, tool.conf)
    assert result["failed"] is True
    assert result["msg"] == ("die 1: %s -i 1 -ip -s address 10.0.0.11 netmask 255.255.255.0 exited 7: The ip address "
                             "configured is conflicted!" % TOOL)
    assert result["commands"][-1].endswith("-i 1 -ip -s address 10.0.0.11 netmask 255.255.255.0")


def test_an_unreadable_die_fails_before_any_change(tool, capsys):
    tool.fail[(0, "-ip", "-g")] = (1, "", "dcmi module initialize failed. ret is -8005\n")
    result = run({"dies": DIES}, capsys, tool.conf)
    assert result["failed"] is True and "ret is -8005" in result["msg"] and sets(tool.calls) == []
    tool.fail[(0, "-ip", "-g")] = (0, "Segmentation fault\n", "")
    assert "cannot read" in run({"dies": DIES}, capsys, tool.conf)["msg"]


def test_bad_input_and_missing_tool(tool, capsys, monkeypatch):
    result = run({"dies": [{"phy_id": 0, "address": "10.0.0.300", "netmask": "24"}, {"phy_id": 0}]}, capsys,
                 tool.conf)
    assert result["failed"] is True and tool.calls == []
    assert result["msg"] == "dies: die 0: address '10.0.0.300' is malformed; die 0 is listed twice."
    monkeypatch.setattr(hccn_config.os, "access", lambda path, mode: False)
    assert "install the NPU driver first" in run({"dies": DIES}, capsys, tool.conf)["msg"]
