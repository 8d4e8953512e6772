#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: docker_daemon_config
short_description: Register the Ascend Docker Runtime in Docker's daemon.json, keeping every other key
version_added: 1.0.0
description:
  - Merges the C(ascend) runtime (its binary as C(path), C(runtimeArgs) an empty list), the choice of
    C(default-runtime) and any other top-level settings into C(/etc/docker/daemon.json), keeping the keys already
    there (an operator's registry mirrors, log settings, storage driver ...), as the Ascend Docker Runtime installer
    does.
  - Refuses a file that is not a JSON object and leaves it untouched; it is never replaced.
  - Writes only when the configuration changes (same keys and values in the same order leave the file alone,
    whatever its layout). The engine reads the file when it starts, so the caller restarts it on a change.
author:
  - ascendops.llm maintainers (@ascendops)
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Reports the change and its diff without writing.
  diff_mode:
    support: full
    description: The file before and after, as 4-space JSON.
  idempotent:
    support: full
    description: The file is written only when its content changes; mode and ownership are set when they differ.
options:
  path:
    description: The daemon configuration file.
    type: path
    default: /etc/docker/daemon.json
  ascend_runtime:
    description:
      - Path of the C(ascend-docker-runtime) binary to register as runtime C(ascend). Without it the C(runtimes)
        key is left as it is.
    type: path
  default_ascend:
    description:
      - V(true) makes C(ascend) the C(default-runtime), so every container goes through it (it injects nothing
        unless C(ASCEND_VISIBLE_DEVICES) is set). V(false) removes C(default-runtime) where it is C(ascend) and
        keeps any other default.
    type: bool
    default: false
  options:
    description: Other top-level keys to set, merged over the file's (a key given here replaces the file's value).
    type: dict
    default: {}
  mode:
    description: The file's permissions; without it C(0600), as the Ascend Docker Runtime installer leaves it.
    type: raw
"""

EXAMPLES = r"""
---
- name: Register the Ascend runtime without making it the default
  ascendops.llm.docker_daemon_config:
    ascend_runtime: /usr/local/Ascend/Ascend-Docker-Runtime/ascend-docker-runtime
  notify: Restart the container engine

- name: Make it the default and keep logs small
  ascendops.llm.docker_daemon_config:
    ascend_runtime: /usr/local/Ascend/Ascend-Docker-Runtime/ascend-docker-runtime
    default_ascend: true
    options:
      log-driver: json-file
      log-opts: {max-size: 100m, max-file: "3"}
"""

RETURN = r"""
---
config:
  description: The configuration after the change (or, in check mode, as it would be).
  returned: success
  type: dict
  sample: {"storage-driver": "overlay2", "runtimes": {"ascend": {"path": "/usr/local/Ascend/Ascend-Docker-Runtime/ascend-docker-runtime", "runtimeArgs": []}}}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ascendops.llm.plugins.module_utils import _containers
from ansible_collections.ascendops.llm.plugins.module_utils._host import read_text, write_file


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/docker/daemon.json"),
            ascend_runtime=dict(type="path"),
            default_ascend=dict(type="bool", default=False),
            options=dict(type="dict", default={}),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    p = module.params
    path = p["path"]
    if p["default_ascend"] and not p["ascend_runtime"]:
        module.fail_json(msg="default_ascend needs ascend_runtime: Docker cannot default to a runtime it does not "
                             "know.")
    exists = os.path.exists(path)
    text = read_text(path) if exists else None
    if exists and text is None:
        module.fail_json(msg="Cannot read %s." % path)
    try:
        current = _containers.parse_daemon_config(text)
    except ValueError as exc:
        module.fail_json(msg="%s cannot be merged: %s. It was left as it is; fix it (python3 -m json.tool %s "
                             "shows where) or move it aside, then run again." % (path, to_native(exc), path))
    result = _containers.daemon_config(current, p["ascend_runtime"], p["default_ascend"], p["options"])
    changed = not exists or json.dumps(current) != json.dumps(result)
    out = {"changed": changed, "config": result}
    if changed and module._diff:
        out["diff"] = {"before": text or "", "after": _containers.render_daemon_config(result),
                       "before_header": path, "after_header": path}
    # 0600 unless the task says otherwise, as the Ascend Docker Runtime installer leaves it
    out["changed"] = write_file(module, path, _containers.render_daemon_config(result), "0600", exists, changed)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
