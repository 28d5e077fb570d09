/**
 * The stable reason codes of drops and rewrites. Grading, filters and
 * pcap comments key on these strings, so a code is never renamed; new ones
 * are added here with the one-line meaning that the docs list.
 */

/** Every drop reason code and what it means. */
export const DROP_REASONS = {
  'link-down': 'the link or interface is down, so the frame cannot be sent or received',
  'queue-full': "the link's transmit queue is full (tail drop)",
  'link-loss': 'the link lost the frame (configured random loss)',
  'not-for-me': 'the destination MAC is neither this interface, broadcast nor a joined multicast group',
  'vlan-mismatch': 'the frame carries a VLAN the port does not accept',
  'switch-no-egress': 'the switch has no other port in the VLAN to send the frame to',
  'switch-loop': 'a flooded frame keeps coming back to the switch: the switches form a loop (no STP); the run stops',
  'arp-ignored': 'an ARP request for an address this host does not answer (not local, or arp_ignore)',
  'arp-failed': 'the next hop did not answer ARP after the retries; the queued packets are dropped',
  'arp-queue-full': "the ARP pending queue for the next hop is full; the oldest packet is dropped (Linux: unres_qlen)",
  'no-route': 'no route matches the destination',
  'ip-forward-off': 'the packet is not for this host and IP forwarding is disabled',
  'ttl-exceeded': 'the TTL reached zero in forwarding; an ICMP time exceeded goes back',
  'rp-filter': 'reverse path filtering: the source is not reachable through the interface the packet came in on',
  'martian-source': 'the source address is impossible on the wire (local, broadcast or zero)',
  'bad-checksum': 'a header checksum is wrong',
  'ip-proto-unreachable': 'no handler for this IP protocol; ICMP protocol unreachable goes back',
  'udp-port-unreachable': 'no socket listens on the UDP port; ICMP port unreachable goes back',
  'udp-no-socket-broadcast': 'a broadcast UDP datagram for a port nobody listens on (no ICMP is sent)',
  'tcp-no-socket': 'the segment matches no socket; it is answered with RST',
  'tcp-rst-ignored': 'an RST that matches no socket is dropped silently',
  'tcp-bad-ack': 'the ACK does not acknowledge anything this connection sent',
  'tcp-out-of-window': 'the segment is outside the receive window',
  'tcp-listen-overflow': "the listener's accept queue is full; the SYN (or the ACK that would complete a handshake) is dropped",
  'tcp-syn-queue-full': 'the SYN queue of the listener is full and tcp_syncookies=0 (or the last quarter of tcp_max_syn_backlog is reached); the SYN is dropped',
  'tcp-accept-overflow-reset': 'the accept queue is full when the ACK completing a handshake arrives and tcp_abort_on_overflow=1; the server answers RST',
  'tcp-closed': 'the connection no longer accepts this segment',
  'tcp-challenge-ack': 'an RST or SYN inside the window but not at the expected sequence number; it is answered with a challenge ACK and dropped (RFC 5961)',
  'tcp-out-of-order': 'data beyond the next expected byte; lblab does not queue out-of-order data, so it is dropped and a duplicate ACK sent',
  'icmp-ignored': 'an ICMP message this host does not act on',
  'icmp-rate-limited': 'the ICMP error was not sent because of rate limiting (Linux: icmp_ratelimit)',
  'redirect-suppressed': 'an ICMP redirect for a NATed connection is not sent (Linux NAT drops it)',
  'not-local-no-forward': 'a host (not a router) received a packet addressed elsewhere',
  'decode-error': 'the bytes could not be decoded as a frame',
  'lb-no-server': 'no real server of the virtual service can take a new connection; the LB answers ICMP port unreachable (IPVS)',
  'lb-snat-exhausted': 'the LB has no free SNAT source port toward the chosen server',
  'dns-malformed': 'a DNS message that cannot be decoded (truncated, a compression loop, ...); a server answers FORMERR when it can read the header, else the message is dropped',
  'dns-unexpected-reply': 'a DNS response nobody asked for: its id, source or question matches no query in flight (or it reached a server); it is discarded',
  'mcast-not-member': 'a multicast packet for a group the receiving interface has not joined (Linux ip_check_mc_rcu)',
  'vrrp-invalid': 'a VRRP advertisement that fails the RFC 5798 7.1 checks (TTL not 255, bad checksum, version, type or interval)',
  'vrrp-other-vrid': 'a VRRP advertisement for a virtual router ID this router does not run',
  'vrrp-ignored': 'a VRRP advertisement of lower priority, discarded by a master (or a backup that preempts), RFC 5798 6.4',
  'ipvs-sync-ignored': 'an IPVS connection sync message this LB does not take (it is the sync master, or the sync id differs)',
  'live-undecodable': 'a frame captured on a real device (lblab live) that does not decode; it does not enter the simulation',
  'live-send-failed': 'the real device refused a frame the simulation sent to it (lblab live): it went down or was removed',
} as const;

/** A stable drop reason code. */
export type DropReason = keyof typeof DROP_REASONS;

/** Every rewrite reason code and what it means. */
export const REWRITE_REASONS = {
  'snat-masquerade': 'source NAT to the gateway address (masquerade)',
  'un-masquerade': 'reply (or ICMP error about it) translated back to the private address',
  'dnat-port-forward': 'destination NAT of a port forward to a private server',
  'dnat-reply': 'reply of a port-forwarded flow given the public address as its source',
  'ipip-decap': 'an IP-in-IP packet unwrapped; its inner packet is received on tunl0',
  'lb-dnat': 'load balancer: request to the VIP sent to the chosen server (destination NAT)',
  'lb-snat': 'load balancer: request sent to the server with both destination and source translated (full NAT)',
  'lb-unnat': "load balancer: the server's reply given the VIP as its source",
  'lb-unsnat': 'load balancer: a full-NAT reply translated back to VIP -> client',
  'lb-dsr': 'load balancer: direct server return, the packet re-sent unchanged to the server MAC',
  'lb-tunnel': 'load balancer: the packet wrapped in IP-in-IP to the server (L3 DSR)',
  'lb-icmp': "load balancer: an ICMP error about a balanced flow translated with its quoted packet",
} as const;

/** A stable rewrite reason code (the load balancer adds its own). */
export type RewriteReason = keyof typeof REWRITE_REASONS | (string & {});
