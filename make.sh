#!/usr/bin/env bash
# Set up a fresh Debian machine for sandloop, then run `make TARGET...`.
# System level only: make, the venv module, a Docker engine (docker.io + dockerd), debootstrap for the image.
# Everything else (the .venv, the sandbox image) is the Makefile's, and each step runs only when needed.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "error: '$*' needs root: run as root or install sudo" >&2; exit 1; fi; }

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "error: $* missing and no apt-get here: install $* yourself" >&2; exit 1
  fi
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v make >/dev/null || apt_install make
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
command -v debootstrap >/dev/null || command -v mmdebstrap >/dev/null || apt_install debootstrap

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }
if ! engine_answers; then
  command -v dockerd >/dev/null || apt_install docker.io
  if ! engine_answers; then
    echo "starting dockerd (no bridge network: sandbox containers never get a network)" >&2
    as_root sh -c 'nohup dockerd --bridge=none --iptables=false >/var/log/sandloop-dockerd.log 2>&1 &'
    for _ in $(seq 60); do engine_answers && break; sleep 1; done
    engine_answers || { echo "error: dockerd did not come up: see /var/log/sandloop-dockerd.log" >&2; exit 1; }
  fi
fi

exec make "$@"
