#!/usr/bin/env bash
# Sets up (up) or removes (down) the real side of live lab 2: two network
# namespaces lbl-srv1$TAG (10.0.1.11/24) and lbl-srv2$TAG (10.0.1.12/24),
# each running `python3 -m http.server 8000` that serves a page naming the
# server, with the simulated LB (10.0.1.1) as gateway, behind the veth ends
# lbl-s1$TAG and lbl-s2$TAG for `lblab live --attach sw2:real1=lbl-s1$TAG
# --attach sw2:real2=lbl-s2$TAG`. `stop N` stops server N's process (its
# kernel then refuses connections with RST), `start N` starts it again.
#
#   sudo scenarios/live/live-real-servers.sh up|down|stop N|start N [TAG]
set -euo pipefail
here=$(dirname "$0")
# shellcheck source=live-netns.sh
. "$here/live-netns.sh"

cmd=${1:-}
if [[ $cmd == stop || $cmd == start ]]; then n=${2:?which server: 1 or 2}; tag=${3:-}; else tag=${2:-}; fi
root=${TMPDIR:-/tmp}/lblab-live$tag

# The interpreter itself, not a version manager's shim (pyenv's costs seconds per start); set by `up` and `start`.
python=python3
resolve_python() { python=$(python3 -c 'import sys; print(sys.executable)'); }

server_start() {
  local i=$1 ns=lbl-srv$1$tag
  mkdir -p "$root/real$i"
  echo "real$i" >"$root/real$i/index.html"
  ip netns exec "$ns" "$python" -m http.server 8000 --bind "10.0.1.1$i" --directory "$root/real$i" >"$root/real$i.log" 2>&1 &
  echo $! >"$root/real$i.pid"
}

# Waits until server N listens, so a run started right after finds it up.
server_wait() {
  local i=$1 ns=lbl-srv$1$tag
  for _ in $(seq 100); do
    ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/10.0.1.1$i/8000" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "real$i did not start listening; see $root/real$i.log" >&2
  return 1
}

server_stop() {
  local i=$1
  [[ -f $root/real$i.pid ]] || return 0
  kill "$(cat "$root/real$i.pid")" 2>/dev/null || true
  rm -f "$root/real$i.pid"
}

case $cmd in
  up)
    resolve_python
    for i in 1 2; do
      live_host_up "lbl-srv$i$tag" "lbl-s$i$tag" "10.0.1.1$i/24" 10.0.1.1
      server_start "$i"
    done
    server_wait 1
    server_wait 2
    echo "ready: real1 (10.0.1.11:8000) behind lbl-s1$tag, real2 (10.0.1.12:8000) behind lbl-s2$tag"
    echo "  sudo lblab live live-real-servers --attach sw2:real1=lbl-s1$tag --attach sw2:real2=lbl-s2$tag"
    ;;
  stop) server_stop "$n" ;;
  start) resolve_python && server_start "$n" && server_wait "$n" ;;
  down)
    for i in 1 2; do
      server_stop "$i"
      live_host_down "lbl-srv$i$tag" "lbl-s$i$tag"
    done
    rm -rf "$root"
    ;;
  *)
    echo "usage: $0 up|down|stop N|start N [TAG]" >&2
    exit 2
    ;;
esac
