#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: hccn_info
short_description: Facts of the Ascend NPU RoCE network from hccn_tool and /etc/hccn.conf
version_added: 1.0.0
description:
  - Returns C(ansible_facts['hccn']) with, for each NPU die, its RoCE IP address, netmask, gateway, network detection
    address, link status, network health and device-side TLS switch.
  - Reads C(hccn_tool -i <phy id> ...) for every die; where the tool cannot answer (driver not loaded), it falls back
    to C(/etc/hccn.conf) for the configured values and leaves link and health null.
  - Products without RoCE ports (Atlas 300I Duo and other 310P cards) return C(present=false).
author:
  - ascendops.llm maintainers (@ascendops)
extends_documentation_fragment:
  - ascendops.llm._attributes.info_module
options:
  phy_ids:
    description:
      - Physical ids of the dies (the N of C(/dev/davinciN) and C(hccn_tool -i N)), usually
        C(ansible_facts['npu']['chips'] | map(attribute='phy_id')).
      - By default, the C(/dev/davinciN) nodes of the host, else the devices C(/etc/hccn.conf) names.
    type: list
    elements: int
  chip_family:
    description:
      - The chip family from M(ascendops.llm.npu_info). A family without RoCE ports (V(310p)) returns
        C(present=false) at once.
    type: str
  hccn_tool_path:
    description:
      - Path of hccn_tool. By default searched on PATH, then C(/usr/local/Ascend/driver/tools/hccn_tool), where the
        driver installs it.
    type: path
  conf_path:
    description: The persistent hccn_tool configuration.
    type: path
    default: /etc/hccn.conf
seealso:
  - module: ascendops.llm.npu_info
"""

EXAMPLES = r"""
---
- name: Gather NPU facts first
  ascendops.llm.npu_info:

- name: Gather RoCE network facts for every die
  ascendops.llm.hccn_info:
    phy_ids: "{{ ansible_facts['npu']['chips'] | map(attribute='phy_id') | list }}"
    chip_family: "{{ ansible_facts['npu']['chip_family'] }}"
"""

RETURN = r"""
---
ansible_facts:
  description: Facts under the key C(hccn).
  returned: always
  type: dict
  contains:
    hccn:
      description: The NPU RoCE network of the host.
      returned: always
      type: dict
      contains:
        present:
          description: False on products without RoCE ports, or when neither hccn_tool nor hccn.conf exists.
          type: bool
          sample: true
        source:
          description: V(hccn_tool) when the tool answered for every die, V(hccn.conf) when the values come from the
            configuration file, V(none) when there is nothing to read.
          type: str
          sample: hccn_tool
        tls_consistent:
          description: Whether every die reports the same TLS switch (MindIE multi-node needs the same value on all).
          type: bool
          sample: true
        devices:
          description: One entry per die.
          type: list
          elements: dict
          sample:
            - {"phy_id": 0, "address": "192.168.100.10", "netmask": "255.255.255.0", "gateway": "192.168.100.1",
               "netdetect": "192.168.100.1", "link": "UP", "net_health": "Success", "tls_enabled": false}
        error:
          description: Output of the first hccn_tool call that failed, when the facts fell back to hccn.conf.
          type: str
"""

import glob
import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ascendops.llm.plugins.module_utils import _chips, _hccn

DEFAULT_TOOL = "/usr/local/Ascend/driver/tools/hccn_tool"


def main():
    module = AnsibleModule(
        argument_spec=dict(
            phy_ids=dict(type="list", elements="int"),
            chip_family=dict(type="str"),
            hccn_tool_path=dict(type="path"),
            conf_path=dict(type="path", default="/etc/hccn.conf"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["chip_family"] and _chips.get(p["chip_family"], "roce") is False:  # 310P cards have no RoCE ports
        module.exit_json(changed=False, ansible_facts={"hccn": _hccn.absent()})
    tool = p["hccn_tool_path"] or module.get_bin_path("hccn_tool") or (
        DEFAULT_TOOL if os.access(DEFAULT_TOOL, os.X_OK) else None)
    conf = {}
    if os.path.exists(p["conf_path"]):
        with open(p["conf_path"]) as f:
            conf = _hccn.parse_conf(f.read())
    phys = p["phy_ids"]
    if phys is None:
        nodes = [re.match(r".*/davinci(\d+)$", n) for n in glob.glob("/dev/davinci[0-9]*")]
        phys = sorted(int(m.group(1)) for m in nodes if m) or sorted(conf)
    if tool is None and not conf:
        module.exit_json(changed=False, ansible_facts={"hccn": _hccn.absent()})

    def run(args):
        rc, out, err = module.run_command([tool] + args)
        return rc, out + err

    try:
        facts = _hccn.gather(run if tool is not None else None, phys, conf)
    except _hccn.HccnParseError as exc:
        module.fail_json(msg="hccn_tool at %s printed something this module cannot read: %s" % (tool, exc))
    module.exit_json(changed=False, ansible_facts={"hccn": facts})


if __name__ == "__main__":
    main()
