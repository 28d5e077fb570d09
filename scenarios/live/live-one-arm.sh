#!/usr/bin/env bash
# Sets up (up) or removes (down) the real side of live lab 1: a network
# namespace lbl-client$TAG holding a real Linux client (curl) at 10.0.0.10/24
# with 10.0.0.1 (the simulated router r1) as its gateway, wired by a veth
# pair whose other end, lbl-c$TAG, stays in this namespace without an
# address for `lblab live --attach r1:eth0=lbl-c$TAG` to bind.
#
#   sudo scenarios/live/live-one-arm.sh up [TAG]
#   sudo scenarios/live/live-one-arm.sh down [TAG]
#
# TAG (default empty) makes the names unique, e.g. the PID of a test.
set -euo pipefail
here=$(dirname "$0")
# shellcheck source=live-netns.sh
. "$here/live-netns.sh"

tag=${2:-}
ns=lbl-client$tag
dev=lbl-c$tag

case ${1:-} in
  up)
    live_host_up "$ns" "$dev" 10.0.0.10/24 10.0.0.1
    echo "ready: namespace $ns (10.0.0.10/24 via 10.0.0.1) behind $dev"
    echo "  sudo lblab live live-one-arm --attach r1:eth0=$dev"
    echo "  sudo ip netns exec $ns curl -m 8 http://10.0.1.100/"
    ;;
  down)
    live_host_down "$ns" "$dev"
    ;;
  *)
    echo "usage: $0 up|down [TAG]" >&2
    exit 2
    ;;
esac
