# Shared helpers of the live labs' setup scripts (sourced, not run).
#
# live_host_up NS DEV CIDR GATEWAY: a namespace NS with one interface eth0
# (CIDR, default route via GATEWAY), the peer of DEV, which stays in this
# namespace, up, without an address. IPv6 is off on both ends so neither
# kernel sends router solicitations or MLD reports into the simulation.
# Transmit checksum offload is off inside NS: a veth otherwise hands TCP and
# UDP segments over with the checksum left for a NIC to fill in, and the
# simulated hosts, like real ones, discard segments with a wrong checksum.
live_host_up() {
  local ns=$1 dev=$2 cidr=$3 gw=$4
  command -v ethtool >/dev/null || { echo "live labs need ethtool (apt-get install ethtool)" >&2; return 1; }
  ip netns add "$ns"
  ip link add "$dev" type veth peer name eth0 netns "$ns"
  sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
  ip link set "$dev" up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$cidr" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$gw"
  ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
}

# live_host_down NS DEV: removes DEV (and with it eth0 in NS) and NS; what is already gone is fine.
live_host_down() {
  local ns=$1 dev=$2
  ip link del "$dev" 2>/dev/null || true
  ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
