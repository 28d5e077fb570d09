/**
 * The replay section: client flows taken from a real capture, mapped onto
 * nodes and destinations of this scenario.
 */
import * as z from 'zod';
import { obj, want } from './messages.js';
import { duration, nodeName, port, target } from './values.js';

/** A destination for a captured server: a name, or a name and a port. */
const replayDestination = z.union([target, obj('a destination', { to: target, port: port.optional() })]);

/** Client traffic taken from a real capture and replayed through the network. */
export const replayEntry = obj('a replay', {
  file: z.string(want('a capture file', 'write a path relative to this scenario, for example ../fixtures/replay/http-udp.pcap')).min(1, want('a capture file')),
  clients: z.record(z.string(), nodeName, want('a map of captured client addresses to nodes', 'write clients: { 10.0.0.1: client }')),
  servers: z.record(z.string(), replayDestination, want('a map of captured servers to destinations', 'write servers: { 10.0.0.2:8000: { to: vip:shop, port: 80 } }')).optional(),
  start: duration.optional(),
  keep_ports: z.boolean(want('true or false')).optional(),
}).meta({ description: 'replay the TCP and UDP flows that clients opened in a pcap or pcapng capture, with their captured timing' });
