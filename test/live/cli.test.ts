import { describe, expect, it } from 'vitest';
import { runLive, type LiveHost, type LiveOptions } from '../../src/cli/live.js';
import { MemoryDevice } from './helpers.js';

/** A machine that has the devices it is told about, and records what the command says. */
function fakeHost(devices: string[], uplinks: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const opened: string[] = [];
  const host: LiveHost = {
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    statusTty: false,
    devices: () => devices,
    uplinks: () => uplinks,
    open: (name) => {
      opened.push(name);
      return new MemoryDevice(name);
    },
    onInterrupt: () => () => {},
  };
  return { host, out, err, opened };
}

const attach = (text: string): LiveOptions['attach'] => {
  const [pt, device] = text.split('=') as [string, string];
  const [node, iface] = pt.split(':') as [string, string];
  return [{ node, iface, device }];
};

describe('lblab live, before anything is opened', () => {
  it('needs at least one attachment, from the live section or --attach (exit 2)', async () => {
    const f = fakeHost(['lbl-c0']);
    expect(await runLive('one-arm-bug', { attach: [] }, f.host)).toBe(2);
    expect(f.err.join('')).toMatch(/nothing to attach: .*one-arm-bug\.yaml has no live section; give --attach NODE:IFACE=DEVICE/);
  });

  it('refuses a device that does not exist, and opens nothing', async () => {
    const f = fakeHost(['lo', 'eth0']);
    expect(await runLive('live-one-arm', { attach: attach('r1:eth0=lbl-c0') }, f.host)).toBe(2);
    expect(f.err.join('')).toContain('lblab live: there is no device lbl-c0 on this machine');
    expect(f.opened).toEqual([]);
  });

  it('refuses the device of the default route unless --allow-uplink', async () => {
    const f = fakeHost(['lo', 'eth0'], ['eth0']);
    expect(await runLive('live-one-arm', { attach: attach('r1:eth0=eth0') }, f.host)).toBe(2);
    expect(f.err.join('')).toContain("eth0 carries this machine's default route: frames of the simulation would go out on a real network");
    expect(f.opened).toEqual([]);
  });

  it('refuses the loopback device', async () => {
    const f = fakeHost(['lo']);
    expect(await runLive('live-one-arm', { attach: attach('r1:eth0=lo') }, f.host)).toBe(2);
    expect(f.err.join('')).toContain('lo is the loopback device');
  });

  it('names a linked interface and the way out', async () => {
    const f = fakeHost(['lbl-c0']);
    expect(await runLive('live-one-arm', { attach: attach('web1:eth0=lbl-c0') }, f.host)).toBe(2);
    expect(f.err.join('')).toContain('web1:eth0 is linked to sw2:p3 in the scenario');
  });

  it('says there is no such scenario (exit 2)', async () => {
    const f = fakeHost(['lbl-c0']);
    expect(await runLive('no-such-lab', { attach: attach('r1:eth0=lbl-c0') }, f.host)).toBe(2);
    expect(f.err.join('')).toContain('no scenario file "no-such-lab"');
  });
});

describe('lblab live, with in-memory devices', () => {
  it('runs in real time with the devices it was given: the plan first, no warning for the attached interface, the summary at the end', async () => {
    const f = fakeHost(['lbl-c0']);
    expect(await runLive('live-one-arm', { attach: attach('r1:eth0=lbl-c0'), until: 50_000_000, quiet: true }, f.host)).toBe(0);
    expect(f.err.join('')).toBe('');
    expect(f.opened).toEqual(['lbl-c0']);
    const out = f.out.join('');
    expect(out).toMatch(/^lblab live: Live lab 1: a real curl against the one-arm return bug \(.*live-one-arm\.yaml, seed 1\), in real time for 0\.050000s\n  lbl-c0 <-> r1:eth0 \(10\.0\.0\.1\/24, MAC 00:00:00:00:00:01\)/);
    expect(out).toContain('  capture filter: not (ether src 00:00:00:00:00:01 or ');
    expect(out).toContain('\nstopped at 0.050000s as asked.\n');
    expect(out).toContain('lbl-c0: 0 frames captured into r1:eth0, 0 injected.\n');
    expect(out).toContain('lag from capture to simulation: median 0 µs, p99 0 µs, max 0 µs over 0 frames.\n');
  });

  it("takes the scenario's live section, and --attach replaces the attachment of the same interface", async () => {
    const f = fakeHost(['lbl-s1', 'lbl-s2', 'lbl-x9']);
    expect(await runLive('live-real-servers', { until: 20_000_000, quiet: true }, f.host)).toBe(0);
    expect(f.opened).toEqual(['lbl-s1', 'lbl-s2']);
    const g = fakeHost(['lbl-s1', 'lbl-s2', 'lbl-x9']);
    expect(await runLive('live-real-servers', { attach: attach('sw2:real2=lbl-x9'), until: 20_000_000, quiet: true }, g.host)).toBe(0);
    expect(g.opened).toEqual(['lbl-s1', 'lbl-x9']);
    expect(g.out.join('')).toContain('lbl-x9 <-> sw2:real2 (a new port)');
  });
});
