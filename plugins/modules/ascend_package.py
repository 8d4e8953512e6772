#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ascend_package
short_description: Install one Huawei Ascend C(.run) package idempotently
version_added: 1.0.0
description:
  - Installs an Ascend makeself package (HDK driver or firmware, CANN toolkit, kernels/ops, NNAL, MindIE, Ascend
    Docker Runtime) only when the installed release differs from the package's.
  - No code of the package runs, not even its makeself C(--check) or C(--tar), before the package matched
    O(checksum) (SHA-256), unless O(allow_unverified=true), which warns. Then it checks the package's makeself
    integrity (C(--check)) and reads the release and compatibility ranges the package records.
  - The installed release comes from the vendor's record files (C(driver/version.info), C(firmware/version.info),
    C(ascend_toolkit_install.info), C(opp_kernel/version.info), NNAL's C(version.info)); releases are compared as
    release strings (24.1.rc2 < 24.1.0 < 24.1.0.3), never through inner build numbers.
  - A first install uses the installer's install mode (C(--full) for driver and firmware, C(--install) for CANN),
    a newer release the upgrade mode (C(--upgrade) for driver and firmware; CANN releases install side by side).
    An older release is refused unless O(allow_downgrade=true).
  - On failure it returns the exit code with the tail of the installer's output and of the install log.
author:
  - ascendops.llm maintainers (@ascendops)
attributes:
  check_mode:
    support: full
    description: Verifies the package and reports what it would run, without running the installer.
  diff_mode:
    support: full
    description: The installed release before and after.
  idempotent:
    support: full
    description: Nothing runs when the installed release is the package's release.
options:
  path:
    description: The package on the managed host.
    type: path
    required: true
  component:
    description: What the package is.
    type: str
    required: true
    choices: [driver, firmware, toolkit, kernels, nnal, mindie, docker-runtime]
  version:
    description:
      - The release the package must carry. The task fails when the package records another one.
      - By default the package's own record (or its file name) decides.
    type: str
  checksum:
    description:
      - Expected SHA-256 of the package (hex). Checked before any code of the package runs; required unless
        O(allow_unverified=true).
    type: str
  allow_unverified:
    description:
      - Run a package without O(checksum) (its installer runs as root). The module warns when it does.
    type: bool
    default: false
  install_path:
    description: Installation root passed as C(--install-path=) (not for firmware) and where the records are read.
    type: path
    default: /usr/local/Ascend
  install_for_all:
    description: Pass C(--install-for-all) so non-root users (and other UIDs in containers) can use the files.
    type: bool
    default: true
  install_user:
    description: Driver only, first install - the account the driver runs as (C(--install-username=)).
    type: str
  install_group:
    description: Driver only, first install - the group of that account (C(--install-usergroup=)).
    type: str
  allow_downgrade:
    description: Install a release older than the installed one.
    type: bool
    default: false
  env_script:
    description:
      - A script sourced before the installer runs, such as the toolkit's C(set_env.sh), which the kernels and NNAL
        installers need.
    type: path
  arch:
    description: Architecture in the toolkit's record path (C(<arch>-linux)); by default the host's.
    type: str
    choices: [x86_64, aarch64]
  log_path:
    description:
      - The installer's log, whose tail is returned on failure. By default C(/var/log/ascend_seclog/ascend_install.log),
        and C(/var/log/ascend-docker-runtime/installer.log) for the Ascend Docker Runtime.
    type: path
notes:
  - Driver and firmware changes take effect after a reboot; C(reboot_required) says so. The M(ascendops.llm.npu_info)
    facts tell loaded from installed releases at any later time.
seealso:
  - module: ascendops.llm.npu_info
"""

EXAMPLES = r"""
---
- name: Install the NPU driver
  ascendops.llm.ascend_package:
    path: /var/cache/ascendops/packages/Ascend-hdk-910b-npu-driver_24.1.rc3_linux-aarch64.run
    component: driver
    version: 24.1.rc3
    checksum: 5d41402abc4b2a76b9719d911017c592e2c5f7f5a2bd35b3a3b1e5f4d6c7e8f9
    install_user: HwHiAiUser
    install_group: HwHiAiUser
  register: driver

- name: Install the kernels package with the toolkit's environment
  ascendops.llm.ascend_package:
    path: /var/cache/ascendops/packages/Ascend-cann-kernels-910b_8.0.0_linux-aarch64.run
    component: kernels
    env_script: /usr/local/Ascend/ascend-toolkit/set_env.sh
"""

RETURN = r"""
---
component:
  description: The component.
  returned: always
  type: str
  sample: driver
action:
  description: What was (or in check mode would be) done - V(none), V(install), V(upgrade) or V(downgrade).
  returned: success
  type: str
  sample: install
before:
  description: The installed release before (null when none).
  returned: always
  type: str
  sample: 24.1.rc2
after:
  description: The installed release after.
  returned: success
  type: str
  sample: 24.1.rc3
package:
  description: The package - path, release, SHA-256 and the compatibility ranges it records.
  returned: always
  type: dict
  sample: {"path": "/tmp/x.run", "release": "24.1.rc3", "sha256": "5d41...", "compatible_fw": "[7.0.0,7.5.99]",
           "compatible_drv": null, "compatible_inner": "[V100R001C15],[V100R001C19]", "inner": "V100R001C19SPC001B215"}
reboot_required:
  description: Whether the change takes effect only after a reboot (driver and firmware).
  returned: success
  type: bool
  sample: true
rc:
  description: Exit code of the installer, when it ran.
  returned: when the installer ran
  type: int
  sample: 0
stdout_tail:
  description: Last lines of the installer's output (ANSI colours removed).
  returned: when the installer ran
  type: list
  elements: str
log_tail:
  description: Last lines of the install log, on failure.
  returned: failure
  type: list
  elements: str
"""

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ascendops.llm.plugins.module_utils import _ascend_package as pkg
from ansible_collections.ascendops.llm.plugins.module_utils import _versions
from ansible_collections.ascendops.llm.plugins.module_utils._host import machine_arch, read_text


def read_records(module, path):
    """The small record files inside the package, through makeself's --tar (nothing else is unpacked)."""
    tmp = tempfile.mkdtemp(prefix="ascendops-pkg-")
    try:
        args = ["sh", path, "--tar", "xf", "-C", tmp, "--wildcards"] + list(pkg.RECORD_PATTERNS)
        module.run_command(args)  # tar exits non-zero when a pattern matches nothing: the files found are enough
        files = {}
        for base, dirs, names in os.walk(tmp):
            for name in names:
                full = os.path.join(base, name)
                files[os.path.relpath(full, tmp)] = read_text(full) or ""
        return files
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            component=dict(type="str", required=True, choices=list(_versions.COMPONENTS)),
            version=dict(type="str"),
            checksum=dict(type="str"),
            allow_unverified=dict(type="bool", default=False),
            install_path=dict(type="path", default="/usr/local/Ascend"),
            install_for_all=dict(type="bool", default=True),
            install_user=dict(type="str"),
            install_group=dict(type="str"),
            allow_downgrade=dict(type="bool", default=False),
            env_script=dict(type="path"),
            arch=dict(type="str", choices=["x86_64", "aarch64"]),
            log_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    component, path = p["component"], p["path"]
    p["log_path"] = p["log_path"] or pkg.log_path(component)
    arch = p["arch"] or machine_arch()
    result = {"changed": False, "component": component, "package": {"path": path}}

    def read_installed():
        return pkg.installed_release(component, read_text, p["install_path"], arch)

    result["before"] = read_installed()
    if not os.path.isfile(path):
        module.fail_json(msg="The %s package %s does not exist on this host." % (component, path), **result)
    digest = module.sha256(path)
    result["package"]["sha256"] = digest
    if not p["checksum"] and not p["allow_unverified"]:
        module.fail_json(msg="The %s package %s has no checksum to verify, and its installer would run as root. "
                             "Give checksum (its SHA-256 is %s if this is the file you meant), or set "
                             "allow_unverified to run it unverified." % (component, path, digest), **result)
    if p["checksum"] and p["checksum"].strip().lower() != digest:
        module.fail_json(msg="The %s package %s has SHA-256 %s, not the expected %s: it is corrupt or not the "
                             "package you meant. Download it again, or correct the checksum."
                             % (component, path, digest, p["checksum"].strip().lower()), **result)
    if not p["checksum"]:
        module.warn("Running the %s package %s without a verified checksum (allow_unverified)." % (component, path))
    rc, out, err = module.run_command(["sh", path, "--check"])
    if rc != 0:
        module.fail_json(msg="The %s package %s fails its makeself integrity check (--check, rc %d): %s"
                             % (component, path, rc, " ".join(pkg.tail(out + err, 3))), **result)
    records = pkg.package_records(component, read_records(module, path))
    release = records["release"] or pkg.release_from_file_name(os.path.basename(path))
    result["package"].update(records, release=release)
    if release is None:
        module.fail_json(msg="Cannot tell the release of %s (no version record, no version in the file name); "
                             "set version." % path, **result)
    if p["version"] and not _versions.same_release(p["version"], release):
        module.fail_json(msg="The package %s carries %s %s, not the requested %s." % (path, component, release,
                                                                                      p["version"]), **result)
    plan = _versions.plan(component, result["before"], release, p["allow_downgrade"])
    if plan["action"] == "refuse":
        module.fail_json(msg="Not installing %s: %s (installed releases are read from the records under %s)."
                             % (path, plan["reason"], p["install_path"]), **result)
    action = result["action"] = plan["action"]
    if action == "none":
        result.update(after=result["before"], reboot_required=False)
        module.exit_json(**result)
    result.update(changed=True, after=release, reboot_required=pkg.needs_reboot(component),
                  diff={"before": {component: result["before"]}, "after": {component: release}})
    if module.check_mode:
        module.exit_json(**result)

    fresh = action == "install"
    args = pkg.installer_args(component, "install" if fresh else "upgrade", p["install_path"], p["install_for_all"],
                              p["install_user"] if fresh else None, p["install_group"] if fresh else None)
    if p["env_script"]:
        command = ["bash", "-c", '. "$1" >/dev/null 2>&1; shift; exec sh "$@"', "ascend_package", p["env_script"],
                   path] + args
    else:
        command = ["sh", path] + args
    rc, out, err = module.run_command(command)
    result.update(rc=rc, stdout_tail=pkg.tail(out + err))
    if not pkg.succeeded(component, rc):
        result.update(changed=True, log_tail=pkg.tail(read_text(p["log_path"]) or ""), after=read_installed())
        last = " | ".join(result["stdout_tail"][-5:])
        module.fail_json(msg="The %s installer %s failed with rc %d (%s): %s. More in stdout_tail, and the tail of "
                             "%s in log_tail." % (component, os.path.basename(path), rc, " ".join(args), last,
                                                  p["log_path"]), **result)
    after = read_installed()
    if not _versions.same_release(after, release):
        result.update(after=after, log_tail=pkg.tail(read_text(p["log_path"]) or ""))
        module.fail_json(msg="The %s installer exited %d but the installed release is %s, not %s."
                             % (component, rc, after, release), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
