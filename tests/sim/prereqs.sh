#!/usr/bin/env bash
# What `make demo` and CI need on a Debian or Ubuntu machine, installed when missing: debootstrap, apt-utils and
# dpkg-dev (the simulator image), shellcheck, make, git, python3-venv, and a running Docker engine. Uses sudo when
# not root; without either it names the packages to install and stops.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
log() { printf '[prereqs] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -E "$@"
    else
        log "need root to run: $*"
        log "run this as root (or with sudo), or install the packages yourself: ${missing[*]:-docker}"
        exit 1
    fi
}

missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v apt-ftparchive >/dev/null || missing+=(apt-utils)
command -v dpkg-deb >/dev/null || missing+=(dpkg-dev)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v make >/dev/null || missing+=(make)
command -v git >/dev/null || missing+=(git)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null || missing+=(docker.io)
fi
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        log "not a Debian or Ubuntu machine: install ${missing[*]} (or their equivalents) yourself"
        exit 1
    fi
    log "installing ${missing[*]}"
    as_root apt-get update -q >/dev/null
    as_root apt-get install -y -q "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
    log "starting the Docker daemon"
    (as_root service docker start || (as_root dockerd >/var/log/dockerd.log 2>&1 &)) >/dev/null 2>&1 || true
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { log "Docker does not answer; start it (and add yourself to the docker group)"; exit 1; }
fi
