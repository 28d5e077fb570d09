/**
 * Files a scenario names, read as a grader running a student's file would
 * (issue 17 items 1, 2, 6): a replayed capture must lie in the scenario's
 * folder tree and be a regular file of bounded size, and no error quotes a
 * byte of a file it refused; output files are created exclusively under a
 * random name, never through a planted link.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOrReport, loadFromDisk } from '../../src/cli/scenarios.js';
import { AtomicFile, MAX_CAPTURE_BYTES, writeFileAtomic } from '../../src/cli/files.js';
import { FileSink } from '../../src/cli/pcap.js';

/** A scenario in its own folder replaying `file`; returns what building it printed. */
function replayError(file: string, prepare: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'lblab-files-'));
  prepare(dir);
  const f = join(dir, 's.yaml');
  writeFileSync(f, `lblab: 1\ntitle: t\nnodes:\n  c: { kind: host, interfaces: { eth0: 10.0.0.1/24 } }\n  sw: { kind: switch }\nlinks: [[c:eth0, sw]]\nreplay:\n  - { file: ${JSON.stringify(file)}, clients: { 10.0.0.9: c } }\n`);
  const r = loadFromDisk(f);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  let err = '';
  const built = buildOrReport(r.scenario, (t) => (err += t));
  expect(built).toBeNull();
  expect(err).toMatch(/s\.yaml:8:5: error: cannot read the capture /);
  return err;
}

describe('replay: file: stays in the scenario folder tree (issue 17 item 1)', () => {
  it('refuses an absolute path and never shows its first bytes', () => {
    const err = replayError('/etc/passwd');
    expect(err).toContain('it is outside the folder of');
    expect(err).not.toMatch(/0x726f6f74|magic|root:/);
  });

  it('refuses ../ and a link inside the tree that leads out', () => {
    expect(replayError('../../../../../../etc/passwd')).toContain('outside the folder');
    expect(replayError('cap.pcap', (d) => symlinkSync('/proc/self/environ', join(d, 'cap.pcap')))).toContain('outside the folder');
  });

  it('does not say whether an outside file exists', () => {
    const shape = (e: string, f: string) => e.split(f).join('X').replace(/lblab-files-\w+/g, 'D');
    expect(shape(replayError('/etc/no-such-file-here'), '/etc/no-such-file-here')).toBe(shape(replayError('/etc/passwd'), '/etc/passwd'));
  });
});

describe('replay: file: is a regular file of bounded size (issue 17 item 2)', () => {
  it('refuses /dev/zero and /dev/stdin at once (outside the tree) and a FIFO inside it without waiting for a writer', () => {
    expect(replayError('/dev/zero')).toContain('outside the folder');
    expect(replayError('/dev/stdin')).not.toContain('magic');
    const fifo = replayError('cap.pcap', (d) => execFileSync('mkfifo', [join(d, 'cap.pcap')]));
    expect(fifo).toContain('it is not a regular file');
    expect(replayError('sub', (d) => mkdirSync(join(d, 'sub')))).toContain('not a regular file');
  });

  it('refuses a capture larger than the limit before reading it', () => {
    const err = replayError('big.pcap', (d) => {
      writeFileSync(join(d, 'big.pcap'), '');
      truncateSync(join(d, 'big.pcap'), MAX_CAPTURE_BYTES + 1); // sparse: no disk used
    });
    expect(err).toContain(`larger than the ${MAX_CAPTURE_BYTES / 1024 / 1024} MiB`);
  });

  it('refuses a FIFO as the base of extends', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lblab-files-'));
    execFileSync('mkfifo', [join(dir, 'base.yaml')]);
    writeFileSync(join(dir, 's.yaml'), 'lblab: 1\nextends: base.yaml\ntitle: t\n');
    const r = loadFromDisk(join(dir, 's.yaml'));
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.errors[0]!.message).toContain('not a regular file');
  });
});

describe('output files (issue 17 item 6)', () => {
  it('write under a random name created exclusively, so a planted link is never followed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lblab-files-'));
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const out = join(dir, 'out.pcapng');
    // The name main used (.out.pcapng.<pid>.partial) and the destination itself, both planted as links to the victim.
    symlinkSync(victim, join(dir, `.out.pcapng.${process.pid}.partial`));
    symlinkSync(victim, out);
    const s = new FileSink(out);
    expect(s.tmp).toMatch(/\/\.out\.pcapng\.[0-9a-f]{16}\.partial$/);
    s.write(new Uint8Array([1, 2, 3]));
    s.close();
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(lstatSync(out).isSymbolicLink()).toBe(false);
    expect([...readFileSync(out)]).toEqual([1, 2, 3]);
  });

  it('are removed when the process is stopped by SIGTERM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lblab-files-'));
    const script = `import { AtomicFile } from ${JSON.stringify(new URL('../../dist/cli/files.js', import.meta.url).href)};
const f = new AtomicFile(${JSON.stringify(join(dir, 'o.bin'))}); f.write(new Uint8Array(10)); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
    if (!existsSync(new URL('../../dist/cli/files.js', import.meta.url))) return; // npm test builds dist/ first
    const r = execFileSync('sh', ['-c', `node --input-type=module -e "$0" & p=$!; while [ -z "$(ls -A ${dir})" ]; do sleep 0.05; done; kill -TERM $p; wait $p; echo $?`, script], { encoding: 'utf8' });
    expect(r.trim().split('\n').pop()).toBe('143'); // died of SIGTERM, as without the handler
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writeFileAtomic replaces the file whole (bench --out/--raw)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lblab-files-'));
    const f = join(dir, 'report.md');
    symlinkSync(join(dir, 'elsewhere'), f);
    writeFileAtomic(f, 'hello\n');
    expect(readFileSync(f, 'utf8')).toBe('hello\n');
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['report.md']);
    const a = new AtomicFile(join(dir, 'x'));
    a.abort();
    expect(readdirSync(dir).sort()).toEqual(['report.md']);
  });
});
