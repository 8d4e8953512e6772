#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cann_info
short_description: Facts of the installed Huawei Ascend CANN toolkit, kernels/ops and NNAL
version_added: 1.0.0
description:
  - Returns C(ansible_facts['cann']) - the active toolkit release (what C(ascend-toolkit/latest) points to) with its
    inner version and the driver inner versions it accepts, every toolkit release installed side by side (the
    C(ascend-toolkit/<ver>) layout and the C(cann-<ver>) layout of CANN 8.5 and later), the kernels/ops release and
    the chip families whose op kernels are installed, the active and installed NNAL (ATB) releases, the environment
    scripts, and the installed driver's inner version.
  - Releases come from the vendor's record files (C(ascend_toolkit_install.info), C(opp_kernel/version.info),
    NNAL's C(version.info)); nothing is executed.
author:
  - ascendops.llm maintainers (@ascendops)
extends_documentation_fragment:
  - ascendops.llm._attributes.info_module
options:
  install_path:
    description: The installation root of CANN and the driver.
    type: path
    default: /usr/local/Ascend
  arch:
    description: Architecture in the toolkit's record path (C(<arch>-linux)); by default the host's.
    type: str
    choices: [x86_64, aarch64]
seealso:
  - module: ascendops.llm.npu_info
  - module: ascendops.llm.ascend_package
"""

EXAMPLES = r"""
---
- name: Gather CANN facts
  ascendops.llm.cann_info:

- name: Show the active toolkit
  ansible.builtin.debug:
    msg: "CANN {{ ansible_facts['cann']['toolkit']['version'] }} at {{ ansible_facts['cann']['toolkit']['path'] }}"
"""

RETURN = r"""
---
ansible_facts:
  description: Facts under the key C(cann).
  returned: always
  type: dict
  contains:
    cann:
      description: The CANN software of the host. Every release is null when the component is not installed.
      returned: always
      type: dict
      contains:
        install_path:
          description: The installation root read.
          type: str
          sample: /usr/local/Ascend
        toolkit:
          description: The active toolkit and every toolkit release on disk (oldest first).
          type: dict
          sample: {"version": "8.2.RC1", "path": "/usr/local/Ascend/ascend-toolkit/8.2.RC1",
                   "inner_version": "V100R001C22SPC001B231",
                   "compatible_version": "[V100R001C15],[V100R001C18],[V100R001C19]",
                   "env_script": "/usr/local/Ascend/ascend-toolkit/set_env.sh",
                   "installed": [{"version": "8.1.RC1", "path": "/usr/local/Ascend/ascend-toolkit/8.1.RC1"},
                                 {"version": "8.2.RC1", "path": "/usr/local/Ascend/ascend-toolkit/8.2.RC1"}]}
        kernels:
          description: The kernels/ops release of the active toolkit and the op kernel directories it holds.
          type: dict
          sample: {"version": "8.2.RC1", "families": ["ascend910b"]}
        nnal:
          description: The active NNAL (ATB) release, its directory, its environment script and every release on disk.
          type: dict
          sample: {"version": "8.2.RC1", "path": "/usr/local/Ascend/nnal/atb/8.2.RC1",
                   "env_script": "/usr/local/Ascend/nnal/atb/set_env.sh",
                   "installed": [{"version": "8.2.RC1", "path": "/usr/local/Ascend/nnal/atb/8.2.RC1"}]}
        driver_inner_version:
          description: The installed driver's C(Innerversion), which the toolkit's compatible_version must admit.
          type: str
          sample: V100R001C19SPC001B215
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ascendops.llm.plugins.module_utils import _cann
from ansible_collections.ascendops.llm.plugins.module_utils._host import machine_arch


def main():
    module = AnsibleModule(
        argument_spec=dict(
            install_path=dict(type="path", default="/usr/local/Ascend"),
            arch=dict(type="str", choices=["x86_64", "aarch64"]),
        ),
        supports_check_mode=True,
    )
    arch = module.params["arch"] or machine_arch()
    facts = _cann.gather(module.params["install_path"].rstrip("/") or "/", arch)
    module.exit_json(changed=False, ansible_facts={"cann": facts})


if __name__ == "__main__":
    main()
