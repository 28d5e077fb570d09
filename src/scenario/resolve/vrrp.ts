/**
 * The high-availability blocks of an lb: its VRRP instance (RFC 5798,
 * src/lb/vrrp.ts) and IPVS connection sync (src/lb/conn-sync.ts).
 */
import type { LbSpec, VrrpSpec } from '../types.js';
import type { PathSeg } from '../yaml-source.js';
import type { Ctx, NodeIdx, RawNode } from './context.js';

/** The `vrrp:` and `sync:` blocks of an lb (src/lb/vrrp.ts, src/lb/conn-sync.ts). */
export function vrrpSpec(c: Ctx, name: string, n: Extract<RawNode, { kind: 'lb' }>, idx: NodeIdx, path: PathSeg[]): { vrrp: VrrpSpec | null; sync: LbSpec['sync'] } {
  const { at, error, needsUntil, didYouMean } = c;
  let vrrp: VrrpSpec | null = null;
  const v = n.vrrp;
  const vpath = [...path, 'vrrp'];
  const hasIface = (ifn: string, p: PathSeg[], needAddr: boolean): boolean => {
    const i = idx.ifaces.get(ifn);
    if (!i) {
      error(p, 'unknown-name', `${name} has no interface \`${ifn}\`${didYouMean(ifn, idx.ifaces.keys())}`, { found: ifn });
      return false;
    }
    if (needAddr && i.addrs.length === 0) {
      error(p, 'no-address', `${name}:${ifn} has no address; VRRP advertisements are sent from the interface's primary address`, { found: ifn });
      return false;
    }
    return true;
  };
  if (v !== undefined) {
    let ok = hasIface(v.interface, [...vpath, 'interface'], true);
    const addresses = v.addresses.map((a, k) => {
      const x = 'addr' in a ? { addr: a.addr, len: a.len, iface: v.interface } : { addr: a.address.addr, len: a.address.len, iface: a.dev };
      if (!('addr' in a) && !hasIface(a.dev, [...vpath, 'addresses', k, 'dev'], false)) ok = false;
      return x;
    });
    if (v.interval !== undefined && (v.interval % 10_000_000 !== 0 || v.interval < 10_000_000 || v.interval > 40_950_000_000)) {
      error([...vpath, 'interval'], 'bad-value', 'the advertisement interval travels in centiseconds (12 bits): write a multiple of 10ms from 10ms to 40.95s', { expected: 'a multiple of 10ms' });
      ok = false;
    }
    needsUntil(vpath, 'vrrp', 'VRRP advertisements never stop');
    if (ok) {
      vrrp = {
        vrid: v.vrid,
        priority: v.priority ?? 100,
        interval: v.interval ?? 1_000_000_000,
        preempt: v.preempt ?? true,
        vmac: v.vmac ?? false,
        iface: v.interface,
        addresses,
        garpRepeat: v.garp_repeat ?? 5,
        garpDelay: v.garp_delay ?? 5_000_000_000,
        pos: at(vpath, true),
      };
    }
  }
  let sync: LbSpec['sync'] = null;
  const s = n.sync;
  if (s !== undefined && s !== false) {
    const spath = [...path, 'sync'];
    if (v === undefined) {
      error(spath, 'needs-vrrp', `connection sync follows the VRRP state (master sends, backup receives), but ${name} has no \`vrrp\` block`, { onKey: true, suggestion: 'add a vrrp block or remove sync' });
    } else {
      const ifn = s === true ? v.interface : (s.interface ?? v.interface);
      if (s === true || s.interface === undefined || hasIface(ifn, [...spath, 'interface'], true)) sync = { iface: ifn, syncid: s === true ? 0 : (s.syncid ?? 0), pos: at(spath, true) };
    }
  }
  return { vrrp, sync };
}
