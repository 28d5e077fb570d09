/**
 * Real devices through `cap`, the libpcap binding (an optional dependency:
 * lblab installs and runs without it; only `lblab live` needs it). A device
 * is opened once, in promiscuous mode with immediate delivery (cap's
 * defaults), with a BPF filter; its one pcap handle both captures and
 * injects (pcap_sendpacket). Linux does not loop a packet socket's own
 * transmissions back to that socket, and the filter drops any frame with a
 * simulated source that comes back another way (see liveFilter), so
 * injected frames never re-enter.
 */
import { createRequire } from 'node:module';
import type { LiveDevice } from './device.js';

/** How to make `lblab live` work, said whenever cap cannot be loaded or opened. */
export const CAP_HELP =
  'lblab live needs the optional package cap (the libpcap binding) and the right to capture:\n' +
  '  1. apt-get install libpcap-dev        (Debian/Ubuntu; the libpcap headers cap builds against)\n' +
  '  2. npm install cap@0.2.1              (in the lblab folder; it compiles a small native module)\n' +
  '  3. run as root, or give node the capability: setcap cap_net_raw,cap_net_admin=eip "$(command -v node)"';

/** The part of cap's Cap class that lblab uses. */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  send(buffer: Buffer, length?: number): void;
  close(): void;
  on(event: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
}

interface CapModule {
  Cap: new () => CapHandle;
}

/** Why cap cannot be used, with what to do about it. */
export class CapUnavailable extends Error {}

let loaded: CapModule | null = null;

/**
 * Every cap handle ever opened, kept for the life of the process. cap 0.2.1
 * stops its libuv poll handle on close() but never uv_close()s it, so the
 * handle stays in the event loop's handle queue; if the garbage collector
 * freed the Cap object, libuv would later write into freed memory when it
 * adds or removes a neighbouring handle (random crashes). A few hundred
 * bytes per opened device is the price of never freeing them.
 */
const keepAlive: CapHandle[] = [];

/** Loads cap, or throws CapUnavailable saying how to install it. */
export function loadCap(): CapModule {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('cap') as CapModule;
    return loaded;
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new CapUnavailable(`cap cannot be loaded (${why}).\n${CAP_HELP}`);
  }
}

/** True when cap loads (for tests that need it). */
export function capAvailable(): boolean {
  try {
    loadCap();
    return true;
  } catch {
    return false;
  }
}

/** The kernel socket buffer cap asks for: room for a burst of full frames. */
const KERNEL_BUFFER = 4 << 20;
/** The largest frame lblab handles: an MTU-1500 frame with an 802.1Q tag, rounded up. */
const SNAP = 65535;

/** Opens a real device for capture and injection with a BPF filter; throws CapUnavailable with advice. */
export function openCapDevice(name: string, filter: string): LiveDevice {
  const cap = loadCap();
  const handle = new cap.Cap();
  keepAlive.push(handle);
  const buf = Buffer.alloc(SNAP);
  let linkType: string;
  try {
    linkType = handle.open(name, filter, KERNEL_BUFFER, buf);
  } catch (e) {
    const msg = (e as Error).message;
    if (/permission|not permitted/i.test(msg)) {
      throw new CapUnavailable(`cannot open ${name}: ${msg}. Capturing and injecting need root, or the capabilities on node: sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v node)"`);
    }
    throw new CapUnavailable(`cannot open ${name}: ${msg}`);
  }
  if (linkType !== 'ETHERNET') {
    handle.close();
    throw new CapUnavailable(`${name} is not an Ethernet device (libpcap says ${linkType}); the bridge carries Ethernet frames only`);
  }
  let fn: ((bytes: Uint8Array) => void) | null = null;
  let open = true;
  handle.on('packet', (nbytes) => {
    if (fn) fn(new Uint8Array(buf.buffer, buf.byteOffset, nbytes));
  });
  return {
    name,
    send(bytes) {
      handle.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    },
    onFrame(f) {
      fn = f;
    },
    close() {
      if (!open) return;
      open = false;
      handle.close();
    },
  };
}
