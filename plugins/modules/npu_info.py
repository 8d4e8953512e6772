#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: npu_info
short_description: Ascend NPU facts from npu-smi, the version files and PCI IDs
version_added: 1.0.0
description:
  - Returns C(ansible_facts['npu']) for a host with Huawei Ascend NPUs (Atlas 800I A2, Atlas 300I Duo, Atlas 800I A3
    and other products of the same chip families) - product, chip family and SoC, every die with its IDs, health,
    memory, power and temperature, the processes holding NPU memory, and the driver and firmware versions both as
    loaded (npu-smi) and as installed (the version files), so a pending reboot can be told.
  - Before any driver is installed it answers from PCI IDs (C(lspci -Dvmmn -d 19e5:), or
    C(/sys/bus/pci/devices) without lspci) with C(source=pci), so a bare host can be classified.
  - When npu-smi exists but fails (a driver installed but not loaded yet, a new npu-smi against the old kernel modules
    before the reboot), it does not fail unless O(fail_on_error=true); it returns the PCI facts with
    C(driver.loaded=null), C(healthy=false) and the error in C(npu_smi_error).
  - On a host without Ascend devices it returns C(present=false).
  - By default it makes three npu-smi calls on every product - C(npu-smi info), C(npu-smi info -m) and one board
    query of the first card for the loaded firmware - plus one C(-t health -i N -c C) call per chip that is not
    healthy, for its error codes. The board query is the chip-level one (C(-t board -i N -c C)) on Ascend 910_93
    (A3), whose SoC name only it prints (C(NPU Name)), and the card-level one (C(-t board -i N)), which also gives
    the driver/firmware C(compatibility), elsewhere.
  - O(details) adds calls - V(board) one C(-t board -i N) call per card (but for the first one, which is the default
    board query on products other than A3), V(usages) one C(-t usages) call per card, V(health) one C(-t health)
    call per healthy chip, V(spod) one C(-t spod-info) call per die on A3 (none elsewhere).
author:
  - ascendops.llm maintainers (@ascendops)
extends_documentation_fragment:
  - ascendops.llm._attributes.info_module
options:
  npu_smi_path:
    description:
      - Path of the npu-smi binary. By default it is searched on PATH, then in C(/usr/local/bin) and
        C(/usr/local/sbin) (edge products).
    type: path
  details:
    description:
      - Queries to make besides the default three. V(board) fills C(cards) with every card's board (firmware,
        driver/firmware C(compatibility), serial, product name); V(usages) adds each chip's C(usages); V(health) adds
        the error codes of every chip (unhealthy chips always get theirs); V(spod) adds the super pod IDs of every
        die on A3 (C(super_device_id), C(super_pod_id), C(server_index)), which an A3 rank table needs.
    type: list
    elements: str
    choices: [board, usages, health, spod]
    default: []
  fail_on_error:
    description:
      - Fail when npu-smi is present but does not answer, instead of returning degraded facts.
    type: bool
    default: false
  install_path:
    description:
      - Where the driver and firmware are installed, if not the path recorded in C(/etc/ascend_install.info)
        (C(/usr/local/Ascend) by default).
    type: path
notes:
  - IDs, as npu-smi numbers them. C(npu_id) is the card (sparse on 300I Duo hosts, for example 0, 96, 32768, 32896);
    C(chip_id) the die in the card; C(logic_id) what CANN, torch_npu and MindIE C(npuDeviceIds) use; C(phy_id) the
    N of C(/dev/davinciN), C(hccn_tool -i N) and the rank table C(device_id) (the Phy-ID column on A3, otherwise the
    logic ID of C(npu-smi info -m), which on a whole host is the same).
seealso:
  - module: ascendops.llm.hccn_info
"""

EXAMPLES = r"""
---
- name: Gather NPU facts
  ascendops.llm.npu_info:

- name: Gather NPU facts on a host whose npu-smi lives elsewhere
  ascendops.llm.npu_info:
    npu_smi_path: /opt/tools/npu-smi

- name: Gather the super pod IDs an Atlas A3 rank table needs, and every card's board
  ascendops.llm.npu_info:
    details: [spod, board]

- name: Refuse to go on when any chip is unhealthy
  ansible.builtin.assert:
    that: ansible_facts['npu']['healthy']
    fail_msg: >-
      {{ inventory_hostname }}: unhealthy NPU chips
      {{ ansible_facts['npu']['chips'] | rejectattr('health', 'eq', 'OK') | list }}
"""

RETURN = r"""
---
ansible_facts:
  description: Facts under the key C(npu).
  returned: always
  type: dict
  contains:
    npu:
      description: The host's Ascend NPUs.
      returned: always
      type: dict
      contains:
        present:
          description: Whether the host has Ascend accelerators at all.
          type: bool
          sample: true
        source:
          description: V(npu-smi) when npu-smi answered, V(pci) when the facts come from PCI IDs only.
          type: str
          sample: npu-smi
        chip_family:
          description: From the PCI device ID; what package names and op kernels follow (V(910b), V(310p), V(910_93)).
          type: str
          sample: 910b
        product:
          description: V(atlas-800i-a2), V(atlas-300i-duo), V(atlas-300i-pro), V(atlas-800i-a3) or V(unknown).
          type: str
          sample: atlas-800i-a2
        soc:
          description: The SoC name as CANN and MindIE spell it (null until npu-smi answers).
          type: str
          sample: Ascend910B4
        bf16_supported:
          description: False on 310P and 910A, whose chips cannot compute in bfloat16.
          type: bool
          sample: true
        npu_smi_version:
          description: Version of npu-smi itself (null when it does not answer).
          type: str
          sample: 24.1.rc2
        card_count:
          description: Number of cards (PCI functions).
          type: int
          sample: 8
        chip_count:
          description: Number of dies (MCUs excluded); null before npu-smi answers.
          type: int
          sample: 8
        driver:
          description: Driver release as running (C(loaded), from npu-smi) and as installed (C(installed), from
            C(driver/version.info)); different values mean a reboot is pending.
          type: dict
          sample: {"loaded": "24.1.rc2", "installed": "24.1.rc2"}
        firmware:
          description: Firmware release as running (C(loaded), from the board query of the first card) and as
            installed.
          type: dict
          sample: {"loaded": "7.5.0.1.129", "installed": "7.5.0.1.129"}
        compatibility:
          description: Whether the loaded driver and firmware go together, as the first card's board says (V(OK),
            V(NOT SUPPORT), V(UNKNOWN)); null on A3 unless O(details=[board]), and before npu-smi answers. Every
            card's is in C(cards) with O(details=[board]).
          type: str
          sample: OK
        healthy:
          description: True when npu-smi answered and every chip reports C(OK).
          type: bool
          sample: true
        npu_smi_error:
          description: When npu-smi failed, its return code and output; otherwise null.
          type: dict
          sample: {"rc": 1, "output": "dcmi module initialize failed. ret is -8005"}
        pci:
          description: The Ascend PCI functions (slot, device ID, subsystem IDs).
          type: list
          elements: dict
          sample: [{"slot": "0000:c1:00.0", "device": "d802", "subsystem": "19e5:3002"}]
        cards:
          description: Per card with O(details=[board]) (empty otherwise) - C(npu_id), C(chip_count),
            C(firmware), C(software), C(compatibility), C(serial), C(product_name), C(board_id).
          type: list
          elements: dict
        chips:
          description: One entry per die - npu_id, chip_id, logic_id, phy_id, name, health, bus_id (null when
            npu-smi prints NA, on edge boards), power_w, temp_c, aicore_pct, hbm_used_mb, hbm_total_mb,
            memory_used_mb, memory_total_mb, hugepages_used, hugepages_total, device (C(/dev/davinciN) when present),
            error_codes and error_info (for unhealthy chips, and every chip with O(details=[health])), usages (with
            O(details=[usages])), super_device_id, super_pod_id, server_index (on A3 with O(details=[spod])). Keys
            not gathered are present and null.
          type: list
          elements: dict
          sample:
            - {"npu_id": 0, "chip_id": 0, "logic_id": 0, "phy_id": 0, "name": "910B4", "health": "OK",
               "bus_id": "0000:C1:00.0", "power_w": 99.1, "temp_c": 43, "aicore_pct": 0, "hbm_used_mb": 3408,
               "hbm_total_mb": 32768, "memory_used_mb": 0, "memory_total_mb": 0, "hugepages_used": 0,
               "hugepages_total": 0, "device": "/dev/davinci0", "error_codes": [], "error_info": null,
               "usages": null, "super_device_id": null, "super_pod_id": null, "server_index": null}
        processes:
          description: Processes holding NPU memory (name is empty when the process is in another PID namespace).
          type: list
          elements: dict
          sample: [{"npu_id": 0, "chip_id": 0, "pid": 518867, "name": "mindieservice_b", "memory_mb": 27474}]
npu_smi_calls:
  description: How many times npu-smi ran (3 by default, see O(details)).
  returned: always
  type: int
  sample: 3
"""

import glob
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ascendops.llm.plugins.module_utils import _npu_info, _npu_smi, _pci, _versions
from ansible_collections.ascendops.llm.plugins.module_utils._host import read_text


class HostReader:
    """The host side: runs npu-smi and reads files. Everything it returns goes through pure functions."""

    def __init__(self, module):
        self.module = module
        self.npu_smi = module.params["npu_smi_path"] or module.get_bin_path(
            "npu-smi", opt_dirs=["/usr/local/bin", "/usr/local/sbin"])
        self.calls = 0

    def run(self, *args):
        self.calls += 1
        rc, out, err = self.module.run_command([self.npu_smi] + list(args))
        return rc, out + err

    def pci_devices(self):
        lspci = self.module.get_bin_path("lspci")
        if lspci:
            rc, out, err = self.module.run_command([lspci, "-Dvmmn", "-d", "19e5:"])
            if rc == 0:
                return _pci.parse_lspci_vmm(out)
        entries = {}
        for slot_dir in glob.glob("/sys/bus/pci/devices/*"):
            files = {}
            for name in ("class", "vendor", "device", "subsystem_vendor", "subsystem_device"):
                value = read_text(os.path.join(slot_dir, name))
                if value is not None:
                    files[name] = value.strip()
            entries[os.path.basename(slot_dir)] = files
        return _pci.from_sysfs(entries)

    def install_path(self):
        if self.module.params["install_path"]:
            return self.module.params["install_path"]
        info = _versions.parse_key_value(read_text("/etc/ascend_install.info") or "")
        return info.get("Driver_Install_Path_Param") or "/usr/local/Ascend"

    def device_nodes(self):
        return set(os.path.basename(p) for p in glob.glob("/dev/davinci[0-9]*"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            npu_smi_path=dict(type="path"),
            details=dict(type="list", elements="str", choices=list(_npu_info.DETAILS), default=[]),
            fail_on_error=dict(type="bool", default=False),
            install_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    reader = HostReader(module)
    try:
        pci = _pci.classify(reader.pci_devices())
    except ValueError as exc:
        module.fail_json(msg="Cannot read the PCI devices: %s" % exc)
    root = reader.install_path()
    installed = {
        "driver": read_text(os.path.join(root, "driver", "version.info")),
        "firmware": read_text(os.path.join(root, "firmware", "version.info")),
    }
    if not pci["present"] and reader.npu_smi is None:
        module.exit_json(changed=False, ansible_facts={"npu": _npu_info.absent_facts(installed)}, npu_smi_calls=0)
    try:
        facts = _npu_info.gather(reader.run if reader.npu_smi else None, pci, installed, reader.device_nodes(),
                                 module.params["details"])
    except _npu_smi.NpuSmiParseError as exc:
        module.fail_json(msg="npu-smi at %s printed something this module cannot read: %s" % (reader.npu_smi, exc),
                         npu_smi_calls=reader.calls)
    if facts["npu_smi_error"] and module.params["fail_on_error"]:
        module.fail_json(msg="npu-smi at %s failed (rc %s): %s" % (reader.npu_smi, facts["npu_smi_error"]["rc"],
                                                                   facts["npu_smi_error"]["output"]),
                         ansible_facts={"npu": facts}, npu_smi_calls=reader.calls)
    module.exit_json(changed=False, ansible_facts={"npu": facts}, npu_smi_calls=reader.calls)


if __name__ == "__main__":
    main()
