#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: hccn_config
short_description: Set the RoCE address, gateway, detection address, TLS switch and MTU of Ascend NPU dies
version_added: 1.0.0
description:
  - Brings each die in O(dies) to its wanted RoCE settings with C(hccn_tool -i <phy id> ... -s ...), running only
    the set commands for settings that differ from what C(hccn_tool ... -g) reports (as M(ascendops.llm.hccn_info)
    reads them).
  - "Commands, in this order per die: C(-ip -s address A netmask M), C(-gateway -s gateway G) (again after a new
    address, since hccn_tool drops a gateway outside the new subnet), C(-netdetect -s address D),
    C(-tls -s enable 0|1), C(-mtu -s size V). hccn_tool persists each one in C(/etc/hccn.conf)."
  - Success is judged by the exit code of each command, not by the C(Cmd executed successfully!) echo. The first
    failing command stops the module, naming the die, the command and the tool's output.
  - Settings a die entry leaves out (or sets to null) are not managed. The plan of every die of a deployment is
    usually computed once on the controller (the C(ascendops.llm.npu_network) role) and passed here per host.
author:
  - ascendops.llm maintainers (@ascendops)
attributes:
  check_mode:
    support: full
    description: Reads the dies and reports the commands it would run and the predicted C(/etc/hccn.conf), runs no
      set command.
  diff_mode:
    support: full
    description: C(/etc/hccn.conf) before and after (predicted in check mode).
  idempotent:
    support: full
    description: A die already at its wanted settings gets no command; a second run reports no change.
options:
  dies:
    description: The wanted settings, one entry per die.
    type: list
    elements: dict
    required: true
    suboptions:
      phy_id:
        description: The die's physical id (the N of C(hccn_tool -i N) and C(/dev/davinciN)).
        type: int
        required: true
      address:
        description: The RoCE IPv4 address; needs O(dies[].netmask).
        type: str
      netmask:
        description: Its netmask, dotted (V(255.255.255.0)) or as a prefix length (V(24)).
        type: str
      gateway:
        description: The default gateway of the die, inside its subnet.
        type: str
      netdetect:
        description: The address the die probes for C(net_health) (usually the gateway).
        type: str
      mtu:
        description: The MTU, 68 to 9702.
        type: int
      tls:
        description: The device-side TLS switch (MindIE and vllm-ascend recommend off, the same on every die).
        type: bool
  hccn_tool_path:
    description:
      - Path of hccn_tool. By default searched on PATH, then C(/usr/local/Ascend/driver/tools/hccn_tool), where the
        driver installs it.
    type: path
  conf_path:
    description: The persistent hccn_tool configuration, read for the diff.
    type: path
    default: /etc/hccn.conf
notes:
  - Runs as root (hccn_tool refuses other users); the NPU driver must be loaded.
seealso:
  - module: ascendops.llm.hccn_info
"""

EXAMPLES = r"""
---
- name: Address two dies, gateway and detection address, TLS off
  become: true
  ascendops.llm.hccn_config:
    dies:
      - {phy_id: 0, address: 192.168.100.10, netmask: 255.255.255.0, gateway: 192.168.100.1,
         netdetect: 192.168.100.1, tls: false}
      - {phy_id: 1, address: 192.168.100.11, netmask: 255.255.255.0, gateway: 192.168.100.1,
         netdetect: 192.168.100.1, tls: false}

- name: Only switch the device-side TLS check off (the other settings stay as they are)
  become: true
  ascendops.llm.hccn_config:
    dies: [{phy_id: 0, tls: false}, {phy_id: 1, tls: false}]
"""

RETURN = r"""
---
changed_dies:
  description: Physical ids of the dies that changed (would change, in check mode).
  returned: always
  type: list
  elements: int
  sample: [0, 3]
settings:
  description: Per changed die, the settings that changed.
  returned: always
  type: dict
  sample: {"0": ["address", "gateway"], "3": ["tls"]}
commands:
  description: The hccn_tool commands run (to be run, in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["/usr/local/Ascend/driver/tools/hccn_tool -i 0 -ip -s address 192.168.100.10 netmask 255.255.255.0"]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ascendops.llm.plugins.module_utils import _hccn, _roce

DEFAULT_TOOL = "/usr/local/Ascend/driver/tools/hccn_tool"
DIE_SPEC = dict(phy_id=dict(type="int", required=True), address=dict(type="str"), netmask=dict(type="str"),
                gateway=dict(type="str"), netdetect=dict(type="str"), mtu=dict(type="int"), tls=dict(type="bool"))


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dies=dict(type="list", elements="dict", options=DIE_SPEC, required=True),
            hccn_tool_path=dict(type="path"),
            conf_path=dict(type="path", default="/etc/hccn.conf"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    dies = p["dies"]
    problems = _roce.check_dies(dies)
    if problems:
        module.fail_json(msg="dies: %s." % "; ".join(problems))
    tool = p["hccn_tool_path"] or module.get_bin_path("hccn_tool") or (
        DEFAULT_TOOL if os.access(DEFAULT_TOOL, os.X_OK) else None)
    if tool is None:
        module.fail_json(msg="hccn_tool is not on PATH nor at %s; install the NPU driver first (ascendops.llm.hdk)"
                         % DEFAULT_TOOL)

    def run(args):
        rc, out, err = module.run_command([tool] + args)
        return rc, out + err

    before = read(p["conf_path"])
    phys = [d["phy_id"] for d in dies]
    try:
        facts = _hccn.gather(run, phys, _hccn.parse_conf(before))
        if facts["error"]:
            module.fail_json(msg="hccn_tool at %s cannot read the dies: %s (is the driver loaded and the module "
                             "run as root?)" % (tool, facts["error"]))
        for device in facts["devices"]:
            if any(d["phy_id"] == device["phy_id"] and d.get("mtu") is not None for d in dies):
                rc, out = run(["-i", str(device["phy_id"]), "-mtu", "-g"])
                device["mtu"] = _hccn.parse_mtu(out) if rc == 0 else None
    except _hccn.HccnParseError as exc:
        module.fail_json(msg="hccn_tool at %s printed something this module cannot read: %s" % (tool, exc))

    plan = _roce.changes(facts, dies, before)
    commands = [" ".join([tool] + argv) for argv in plan["commands"]]
    result = dict(changed=bool(plan["commands"]), changed_dies=plan["dies"],
                  settings={str(k): v for k, v in plan["settings"].items()}, commands=commands)
    after = plan["conf_after"]
    if plan["commands"] and not module.check_mode:
        for n, argv in enumerate(plan["commands"]):
            rc, out = run(argv)
            if rc != 0:  # the exit code decides; the success echo is not relied on
                result.update(commands=commands[:n + 1], msg="die %s: %s exited %d: %s"
                              % (argv[1], commands[n], rc, out.strip() or "no output"))
                module.fail_json(**result)
        after = read(p["conf_path"])
    if module._diff and plan["commands"]:
        result["diff"] = dict(before=before, after=after, before_header=p["conf_path"],
                              after_header=p["conf_path"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
