# -*- coding: utf-8 -*-
# Copyright: ascendops.llm contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""The package pipeline's decisions (locate -> verify -> stage -> inspect -> install), as pure functions the
internal `packages` role calls through filters. PRIVATE to the collection.

A component is a dict: name, file (the name wanted), version, install (bool, default true), inspect (bool: read
its records without installing it) and the installer's options. Every
message names the calling role's variables through `owner` (hdk, cann ...), so an operator reads the variable to
change, not the pipeline's internals.
"""

from __future__ import annotations

import posixpath
import re

from ansible.module_utils.six.moves.urllib.parse import urlsplit, urlunsplit

from ansible_collections.ascendops.llm.plugins.module_utils import _cann, _versions

SOURCES = ("controller", "host", "url")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def split_url(url: str) -> dict:
    """An http(s) URL without its userinfo, and the username and password it carried (None when absent), so a
    mirror address can be printed and the credentials passed as no_log options instead."""
    parts = urlsplit(url or "")
    netloc = parts.hostname or ""
    if parts.port:
        netloc += ":%d" % parts.port
    return {"url": urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), parts.query, parts.fragment)),
            "username": parts.username, "password": parts.password}


def redact_url(text) -> str:
    """`text` with the userinfo of every `scheme://user:password@host` in it replaced by `***` (a token may stand
    in the user part as well as in the password)."""
    return re.sub(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@", r"\1***@", str(text))


def has_credentials(text) -> bool:
    """Whether a string (a URL, pip arguments) holds `scheme://userinfo@`, which must stay out of the log."""
    return redact_url(text) != str(text)


def source_problem(owner: str, source: str, directory: str, url: str) -> str:
    """Why the package source settings cannot work, or '' when they can."""
    if source not in SOURCES:
        return "%s_packages_source is %r; set it to one of %s." % (owner, source, ", ".join(SOURCES))
    if source == "url" and not re.match(r"(?i)^https?://[^/]", url or ""):
        return ("%s_packages_source is url but %s_packages_url (%s) is not an http(s) URL; set it to the mirror's "
                "base URL." % (owner, owner, redact_url(url or "empty")))
    if source != "url" and not directory:
        return ("%s_packages_source is %s but %s_packages_dir is empty; set it to the directory holding the "
                "packages." % (owner, source, owner))
    return ""


def handled(components: list) -> list:
    """The components the pipeline handles, in the caller's order: none when nothing is to install (`install`,
    default true); else those to install and those only to `inspect`, whose records the compatibility checks need
    (the installed driver's package when only the firmware changes). Each comes back with its `install` set."""
    components = [dict(c, install=bool(c.get("install", True))) for c in components]
    if not any(c["install"] for c in components):
        return []
    return [c for c in components if c["install"] or c.get("inspect")]


def locate(components: list, found: list, source: str) -> dict:
    """Match each wanted file against the names found in the package directory, ignoring case (mirrors vary RC/rc).
    A mirror cannot be listed: its names are taken as wanted and checked by a HEAD request.
    Returns {"files": {component: file name}, "missing": [components]}."""
    files, missing = {}, []
    for component in components:
        name = component["file"] if source == "url" else _versions.match_file(found, component["file"])
        if name is None:
            missing.append(component["name"])
        else:
            files[component["name"]] = name
    return {"files": files, "missing": missing}


def missing_message(owner: str, components: list, missing: list, where: str, source: str) -> str:
    wanted = dict((c["name"], c["file"]) for c in components)
    listed = " and ".join("the %s package %s" % (name, wanted[name]) for name in missing)
    one = len(missing) == 1
    return ("%s %s not in %s (%s_packages_source %s). Put %s there, or set %s if yours %s named differently."
            % (listed, "is" if one else "are", redact_url(where), owner, source, "it" if one else "them",
               " / ".join("%s_%s_package" % (owner, name) for name in missing), "is" if one else "are"))


def parse_sha256sums(text: str) -> dict:
    """`sha256sum` output (`<hex>  <name>` or `<hex> *<name>`) -> {name: hex}; other lines are ignored."""
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$", line)
        if m:
            out[posixpath.basename(m.group(2))] = m.group(1).lower()
    return out


def expected_checksums(files: dict, given: dict, sums_text: str) -> dict:
    """{component: SHA-256 hex or None}: the caller's `<owner>_checksums` (file name -> hex) first, then the
    SHA256SUMS file beside the packages. File names are matched ignoring case, as the files themselves are."""
    given = dict((str(k).lower(), str(v).strip().lower()) for k, v in (given or {}).items() if v)
    sums = dict((k.lower(), v) for k, v in parse_sha256sums(sums_text).items())
    return dict((component, given.get(name.lower()) or sums.get(name.lower()))
                for component, name in files.items())


def checksum_problems(owner: str, files: dict, checksums: dict) -> list:
    """Checksums that cannot be a SHA-256 (a typo in `<owner>_checksums` would otherwise read as a mismatch)."""
    return ["%s_checksums gives %s for %s, which is not a SHA-256 (64 hex digits)" % (owner, checksums[c], files[c])
            for c in files if checksums.get(c) and not _HEX64.match(checksums[c])]


def unverified(files: dict, checksums: dict) -> list:
    """The file names without a checksum."""
    return [files[c] for c in files if not checksums.get(c)]


def mismatches(files: dict, checksums: dict, stat_results: list) -> list:
    """[(file, actual, expected)] for every file whose SHA-256 differs from the expected one. `stat_results` are the
    registered results of `ansible.builtin.stat` with checksum_algorithm sha256, looped over the components."""
    actual = dict((r["item"], r["stat"].get("checksum")) for r in stat_results or [] if r.get("stat"))
    return [(files[c], actual[c], checksums[c]) for c in files
            if checksums.get(c) and actual.get(c) and actual[c].lower() != checksums[c]]


def mismatch_message(owner: str, where: str, bad: list) -> str:
    return ("%s. The file%s corrupt or not the one meant: download %s again, or correct %s_checksums / "
            "SHA256SUMS." % ("; ".join("%s/%s has SHA-256 %s, not %s" % (redact_url(where), f, a, e)
                                       for f, a, e in bad),
                             " is" if len(bad) == 1 else "s are", "it" if len(bad) == 1 else "them", owner))


def staged_paths(files: dict, source: str, directory: str, dest: str) -> dict:
    """Where each package is on the host: in place for the host source, in the cache for the others."""
    base = directory if source == "host" else dest
    return dict((c, posixpath.join(base, name)) for c, name in files.items())


def _by_component(results: list) -> dict:
    """Registered results of a task looped over the components -> {component name: result}."""
    return dict((r["item"]["name"], r) for r in results or [] if isinstance(r.get("item"), dict))


def compat_problems(inspect_results: list, peers: dict) -> list:
    """Why inspected packages cannot run with the releases beside them, from the ranges the packages record.
    `inspect_results` are `ascend_package`'s check-mode results looped over the components; `peers` gives the
    releases they will run with: driver and firmware (the targets or the installed ones) and driver_inner (the
    installed driver's Innerversion)."""
    packages = dict((name, r.get("package") or {}) for name, r in _by_component(inspect_results).items())
    problems = []
    driver, firmware = peers.get("driver"), peers.get("firmware")
    fw_range = packages.get("driver", {}).get("compatible_fw")
    if fw_range and firmware and not _safe_in_ranges(firmware, fw_range):
        problems.append("driver %s accepts firmware %s only, not %s" % (driver, fw_range, firmware))
    drv_range = packages.get("firmware", {}).get("compatible_drv")
    if drv_range and driver and not _safe_in_ranges(driver, drv_range):
        problems.append("firmware %s runs with drivers %s only, not %s" % (firmware, drv_range, driver))
    inner = packages.get("toolkit", {}).get("compatible_inner")
    if _cann.inner_compatible(inner, peers.get("driver_inner")) is False:
        problems.append("CANN %s runs on drivers %s and the installed driver is %s"
                        % (packages["toolkit"].get("release"), inner, peers.get("driver_inner")))
    return problems


def _safe_in_ranges(version: str, ranges: str) -> bool:
    try:
        return _versions.in_ranges(version, ranges)
    except ValueError:
        return False


def result(components: list, files: dict, checksums: dict, paths: dict, inspect_results: list,
           install_results: list) -> dict:
    """The pipeline's one output (the fact `packages_result`): per component the file found, where it is on the
    host, its expected SHA-256, what the package records and what was done; then the order, whether the packages
    were inspected, the components installed (or, in check mode, that would be) and whether a reboot is due."""
    inspected, installed = _by_component(inspect_results), _by_component(install_results)
    out = {}
    for component in components:
        name = component["name"]
        if name not in files:
            continue
        done = installed.get(name, {})
        seen = inspected.get(name, {})
        out[name] = {
            "file": files[name],
            "path": paths.get(name),
            "sha256": checksums.get(name),
            "package": done.get("package") or seen.get("package"),
            "action": done.get("action") or seen.get("action"),
            "changed": bool(done.get("changed")),
            "reboot_required": bool(done.get("changed") and done.get("reboot_required")),
        }
    return {
        "components": out,
        "order": [c["name"] for c in components if c["name"] in out],
        "inspected": any("package" in r for r in inspected.values()),
        "installed": [c["name"] for c in components if c["name"] in out and out[c["name"]]["changed"]],
        "reboot_required": any(c["reboot_required"] for c in out.values()),
    }


def failure_message(failed: dict, host: str = "", log_lines: int = 5) -> str:
    """One message for a failure that a role's rescue re-raises after cleaning up: the host (unless the message
    starts with it), the failing loop item's message (or the task's), then the last lines of the installer log."""
    failed = failed or {}
    items = [r for r in failed.get("results") or [] if r.get("failed")]
    first = items[0] if items else failed
    message = str(first.get("msg") or "the task failed without a message")
    tail = [line for line in first.get("log_tail") or [] if line.strip()][-log_lines:]
    if host and not message.startswith(host + ":"):
        message = "%s: %s" % (host, message)
    return redact_url(message + (" Install log: " + " | ".join(tail) if tail else ""))
