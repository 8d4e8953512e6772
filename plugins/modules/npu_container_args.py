#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: npu_container_args
short_description: The devices and read-only mounts a container needs for a set of NPU chips on this host
version_added: 1.0.0
description:
  - From the C(npu) facts (M(ascendops.llm.npu_info)), returns what C(docker run) or
    M(community.docker.docker_container) needs to give a container exactly the chips asked for, without
    C(--privileged) - C(/dev/davinci<physical ID>) per chip (two per Atlas 300I Duo card, sixteen on an Atlas 800I
    A3), C(/dev/davinci_manager), C(/dev/devmm_svm) and C(/dev/hisi_hdc), and read-only mounts of the driver
    libraries, C(/usr/local/dcmi), C(npu-smi), the driver's C(version.info), C(/etc/ascend_install.info) and, where
    they exist, C(hccn_tool) and C(/etc/hccn.conf). Only paths that exist on the host are returned.
  - Fails, naming them, when a chip asked for is not on the host or has no device node.
  - The one place the serving roles take their container arguments from.
author:
  - ascendops.llm maintainers (@ascendops)
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
  idempotent:
    support: full
    description: Reads only.
options:
  npu:
    description: The host's C(ansible_facts['npu']).
    type: dict
    required: true
  chips:
    description:
      - Physical chip IDs as a list (V([0, 1])) or a string in the Ascend runtime's forms (V(0-3), V(0,2),
        V(npu-1)); V(all) is every chip of the host.
    type: raw
    default: all
  install_path:
    description: Where the driver is installed.
    type: path
    default: /usr/local/Ascend
"""

EXAMPLES = r"""
---
- name: Work out the container arguments for chips 0-3
  ascendops.llm.npu_container_args:
    npu: "{{ ansible_facts['npu'] }}"
    chips: 0-3
  register: npu_args

- name: Start a container on them
  community.docker.docker_container:
    name: worker
    image: my-image:1
    devices: "{{ npu_args['devices'] }}"
    volumes: "{{ npu_args['volumes'] + ['/data/models:/data/models:ro'] }}"
"""

RETURN = r"""
---
chips:
  description: The physical IDs of the chips, sorted.
  returned: success
  type: list
  elements: int
  sample: [0, 1, 2, 3]
devices:
  description: Device mappings as C(host:container:permissions).
  returned: success
  type: list
  elements: str
  sample: ["/dev/davinci0:/dev/davinci0:rwm", "/dev/davinci_manager:/dev/davinci_manager:rwm"]
volumes:
  description: Read-only bind mounts as C(host:container:ro), only of paths that exist.
  returned: success
  type: list
  elements: str
  sample: ["/usr/local/Ascend/driver/lib64:/usr/local/Ascend/driver/lib64:ro", "/usr/local/dcmi:/usr/local/dcmi:ro"]
visible_devices:
  description: The chips as an C(ASCEND_VISIBLE_DEVICES) value (for the Ascend Docker Runtime).
  returned: success
  type: str
  sample: "0,1,2,3"
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ascendops.llm.plugins.module_utils import _containers


def main():
    module = AnsibleModule(
        argument_spec=dict(
            npu=dict(type="dict", required=True),
            chips=dict(type="raw", default="all"),
            install_path=dict(type="path", default="/usr/local/Ascend"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    existing = [path for path in _containers.driver_mounts(p["install_path"]) if os.path.exists(path)]
    args = _containers.container_args(p["npu"], p["chips"], existing, p["install_path"])
    problems = args.pop("problems")
    if problems:
        module.fail_json(msg="Cannot give a container chips %s: %s." % (p["chips"], "; ".join(problems)), **args)
    module.exit_json(changed=False, **args)


if __name__ == "__main__":
    main()
