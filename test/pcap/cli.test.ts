/**
 * `lblab pcap` through a small commander program (main.ts wires it the same
 * way) and through its action function: the file it writes, byte-identical
 * output for the same seed, the classic pcap files per capture point, the
 * errors, and that no temporary file is left behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { FileSink, perPointPath, registerPcap, runPcap, type PcapIo } from '../../src/cli/pcap.js';
import { readCapture } from '../../src/pcap/read.js';
import { walkBlocks, walkOptions } from './helpers.js';
import { BLOCK, OPTION } from '../../src/pcap/pcapng.js';

const dir = mkdtempSync(join(tmpdir(), 'lblab-pcap-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasTshark = spawnSync('tshark', ['--version']).status === 0;

function io(): PcapIo & { o: string; e: string } {
  const x = { o: '', e: '', out: (s: string) => void (x.o += s), err: (s: string) => void (x.e += s) };
  return x;
}

describe('lblab pcap', () => {
  it('writes a pcapng through the commander command, with the application named in the section header', async () => {
    const program = new Command().exitOverride();
    program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    registerPcap(program);
    const out = join(dir, 'vip.pcapng');
    const saved = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await program.parseAsync(['pcap', 'same-subnet-vip', '-o', out, '--until', '3s'], { from: 'user' });
    } finally {
      process.stdout.write = saved;
    }
    expect(process.exitCode).toBe(0);
    process.exitCode = undefined;
    const bytes = new Uint8Array(readFileSync(out));
    const shb = walkBlocks(bytes)[0]!;
    expect(shb.type).toBe(BLOCK.SHB);
    const userappl = walkOptions(shb.body, 16).find((o) => o.code === OPTION.SHB_USERAPPL)!;
    expect(new TextDecoder().decode(userappl.value)).toMatch(/^lblab \d+\.\d+\.\d+$/);
    const r = readCapture(bytes, out);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.interfaces.map((i) => i.name)).toContain('lb1:eth0');
    expect(r.value.packets.some((p) => p.comments.some((c) => c.startsWith('lb1: DNAT 10.0.1.100:80 -> 10.0.1.11:80')))).toBe(true);
    expect(Number(r.value.packets[r.value.packets.length - 1]!.t)).toBeLessThanOrEqual(3e9);
  });

  it('gives byte-identical files for the same seed, and leaves no temporary file', () => {
    const a = join(dir, 'a.pcapng');
    const b = join(dir, 'b.pcapng');
    const x = io();
    expect(runPcap('one-arm-bug', { output: a, seed: 7 }, x)).toBe(0);
    expect(runPcap('one-arm-bug', { output: b, seed: 7 }, io())).toBe(0);
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
    expect(x.o).toMatch(/wrote .*a\.pcapng \(.*\): \d+ packets on \d+ capture points, \d+ comments\./);
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('names the valid capture points when asked for one that does not exist', () => {
    const x = io();
    expect(runPcap('same-subnet-vip', { output: join(dir, 'none.pcapng'), capture: ['lb1:eth9'] }, x)).toBe(2);
    expect(x.e).toContain('"lb1:eth9" is not a capture point');
    expect(x.e).toContain('  lb1:eth0\n');
    expect(x.e).toContain('  web2:eth0\n');
    expect(existsSync(join(dir, 'none.pcapng'))).toBe(false);
  });

  it('says so for an unknown scenario', () => {
    const x = io();
    expect(runPcap('no-such-thing', { output: join(dir, 'n.pcapng') }, x)).toBe(2);
    expect(x.e).toMatch(/no scenario file "no-such-thing".*Built-in: .*same-subnet-vip/);
  });

  it('writes classic nanosecond pcap, one file per chosen capture point, named after it', () => {
    const out = join(dir, 'nat.pcap');
    const x = io();
    expect(runPcap('nat-gateway', { output: out, format: 'pcap', capture: ['gw:wan0', 'laptop:eth0'] }, x)).toBe(0);
    const files = ['gw:wan0', 'laptop:eth0'].map((p) => perPointPath(out, p));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['nat-gw-wan0.pcap', 'nat-laptop-eth0.pcap']);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(f));
      expect(new DataView(bytes.buffer).getUint32(0, true)).toBe(0xa1b23c4d);
      const r = readCapture(bytes, f);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.packets.length).toBeGreaterThan(0);
      if (hasTshark) {
        const t = spawnSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.malformed'], { encoding: 'utf8' });
        expect(t.status).toBe(0);
        expect(t.stdout.trim().split('\n')).toHaveLength(r.value.packets.length);
        expect(t.stdout).not.toMatch(/\t\S/); // no malformed packet
      }
    }
    expect(x.o).toMatch(/classic pcap has no comments/);
  });

  it('the file sink renames only on close, and abort leaves nothing', () => {
    const p = join(dir, 'sink.bin');
    const s = new FileSink(p);
    s.write(new Uint8Array([1, 2, 3]));
    expect(existsSync(p)).toBe(false);
    expect(existsSync(s.tmp)).toBe(true);
    s.close();
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    const q = new FileSink(join(dir, 'aborted.bin'));
    q.write(new Uint8Array([1]));
    q.abort();
    expect(existsSync(q.tmp)).toBe(false);
    expect(existsSync(join(dir, 'aborted.bin'))).toBe(false);
  });

  it('has help with examples', () => {
    const program = new Command();
    registerPcap(program);
    const help = program.commands.find((c) => c.name() === 'pcap')!;
    let text = '';
    help.configureOutput({ writeOut: (s) => void (text += s) });
    help.outputHelp();
    expect(text).toContain('--capture <node:iface>');
    expect(text).toContain('--format <format>');
    expect(text).toContain('lblab pcap same-subnet-vip -o vip.pcapng');
  });
});
