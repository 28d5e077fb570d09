/**
 * docs/fidelity.md, written from the suite's results when the suite runs
 * with UPDATE_FIDELITY=1: the table of cases with their verdicts on the
 * kernel it ran on, the first difference of each case that is not exact,
 * and the fixed text on how the harness works and how to add a case.
 */
import type { KernelCase, Verdict } from './case.js';

/** One case's outcome, as the page shows it. */
export interface Row {
  readonly kc: KernelCase;
  /** null when the case did not run (skipped, or the harness cannot build it). */
  readonly verdict: Verdict | null;
  /** The first difference per capture point (or why it did not run). */
  readonly detail: string;
  readonly frames?: { readonly lblab: number; readonly kernel: number } | undefined;
}

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = { exact: 'exact', interleaving: 'equal up to interleaving', differs: 'differs' };

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ').trim();
}

/** The whole page. */
export function fidelityDoc(rows: readonly Row[], kernel: string): string {
  const count = (v: Verdict | null): number => rows.filter((r) => r.verdict === v).length;
  const out: string[] = [
    '# Kernel fidelity',
    '',
    '<!-- Written by the kernel differential suite: UPDATE_FIDELITY=1 npm run test:kernel. Edit test/kernel/harness/doc.ts, not this file. -->',
    '',
    'lblab claims Linux-faithful hosts. This page is the evidence: every case below is one',
    'scenario run twice, once in lblab and once in real Linux network namespaces built from the',
    'same file, and the two captures are compared frame by frame on every interface.',
    '',
    `Last run on kernel \`${kernel}\`: ${rows.length} cases, ${count('exact')} exact, ${count('interleaving')} equal up to interleaving, ${count('differs')} differ, ${count(null)} not run.`,
    '',
    '| case | what | verdict | why |',
    '|---|---|---|---|',
  ];
  for (const r of rows) {
    const verdict = r.verdict === null ? 'not run' : VERDICT_TEXT[r.verdict];
    const why = r.verdict === 'differs' ? (r.kc.kernel.why ?? 'see below') : r.verdict === 'interleaving' ? interleavingWhy(r.detail) : r.verdict === null ? r.detail : '';
    out.push(`| [${r.kc.name}](../test/kernel/cases/${r.kc.name}.yaml) | ${cell(r.kc.scenario.title)} | ${verdict} | ${cell(why)} |`);
  }
  out.push('', '## The first difference of each case', '');
  for (const r of rows) {
    if (r.verdict === 'exact' || r.verdict === null) continue;
    const lines = r.detail.split('\n').filter((l) => l.trim());
    out.push(`### ${r.kc.name}`, '', '```', ...lines.slice(0, r.verdict === 'differs' ? 12 : 3).map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l)), '```', '');
  }
  out.push(...HOW);
  return out.join('\n') + '\n';
}

/** For an interleaving verdict: the gap of the first crossing (the detail says "... N µs before ..."). */
function interleavingWhy(detail: string): string {
  const m = /(\d+(?:\.\d)?) µs before/.exec(detail);
  return `app timing: the first crossing is ${m ? `${m[1]} µs` : 'a few µs'} apart on Linux (the client's ACK of the response leaves before the server's FIN arrives, because a real server's close() comes some time after its write; lblab's apps act in zero time, so its FIN leaves with the response; needs per-app delays, issue 14 item 2)`;
}

const HOW = `## How the harness works

\`npm run test:kernel\` runs test/kernel/fidelity.test.ts. It also runs inside \`npm test\`
when the process is root and \`ip\`, \`nft\`, \`tcpdump\` and \`python3\` work; otherwise it is
skipped with the reason. CI runs it as root with iproute2, nftables and tcpdump installed.
\`UPDATE_FIDELITY=1 npm run test:kernel\` rewrites this page; \`KERNEL_CASE=a,b\` runs only
those cases; \`KERNEL_KEEP=1\` keeps the work folder (each case's script, captures and both
sides' frame listings) and prints where it is.

For each case file in test/kernel/cases/:

1. **lblab side** (harness/lblab-side.ts): the scenario is built with \`buildScenario\` and run
   for the case's \`settle\` time while the pcapng writer streams every capture point into
   memory, exactly as \`lblab pcap\` does; the pcapng is read back with \`readCapture\`.
2. **Linux side** (harness/netns.ts) writes a bash script and runs it: one network namespace
   per node, named \`lbk<pid>c<case>-<node>\` (nothing is created in the root namespace);
   a veth pair per link; a Linux bridge (\`stp_state 0\`, \`mcast_snooping 0\`) per switch,
   ports enslaved in lblab's port order; every interface gets lblab's MAC and lblab's
   addresses (so the VIP and SNAT addresses the LB added are there too); IPv6 off;
   \`tcp_rmem\` set to the 6 MiB maximum lblab's hosts model (window scale 7; a machine with
   more memory defaults to more); forwarding on routers and LBs; the scenario's sysctls,
   gateways, routes and loopback addresses. The LB's services become:
   - \`nat\`: nftables DNAT in prerouting (round-robin with \`numgen inc\`); \`snat\` adds SNAT
     to the LB's address toward the servers; \`transparent\` is the same on a Linux bridge
     with \`bridge-nf-call-iptables=1\` (br_netfilter keeps the source MAC and the TTL);
   - \`dsr\` with \`forwarder: ipvs\` (the default, what lblab models): packets to the VIP
     are marked in prerouting and policy-routed to the real server ahead of the local table,
     so the kernel ARPs for the server and decrements the TTL (IPVS itself is not in this
     kernel); each client port goes to the server lblab's scheduler chose for it;
   - \`dsr\` with \`forwarder: netdev\`: an nftables netdev-ingress rule rewrites the MACs
     from configuration and \`fwd\`s the frame out again (TTL kept, no ARP), as Katran does;
   - \`tunnel\`: not built (this kernel has no ipip devices).
   One tcpdump per captured interface and direction (\`-Q in\`, \`-Q out\`,
   \`--immediate-mode\`), the same capture points lblab has. Then test/kernel/programs/peer.py
   plays the apps with the bytes lblab's apps send: the HTTP server answers with lblab's
   response (Server, Content-Type, Content-Length, Connection: close, body \`<node>\\n\`);
   the client binds the source ports lblab's client used (read from lblab's SYNs, so the
   4-tuples match), sends lblab's request (Host as curl sends it), reads
   to EOF and closes; \`tcp-connect\` closes as soon as connect() returns. A trap deletes
   the namespaces on any exit, and afterAll deletes any left with this process's prefix.
3. **Comparison** (harness/frames.ts, harness/compare.ts): both captures are cut to the
   case's \`window\` from their first frame, and each frame becomes one line in which MACs are
   written as the interface that owns them, sequence and acknowledgement numbers as
   \`isnK+offset\` (K numbers the ISNs in order of first appearance), TCP timestamps as the
   clock they come from (\`clkK\`, without the milliseconds), IP ids and times dropped;
   everything else is compared exactly: IPs, ports, flags, TTL, TOS, DF, window, TCP options
   in order, ARP fields, ICMP type/code and the quoted packet, payload length. Per capture
   point, the frames of each stream (direction plus IP/port pair, or ARP) must be the same
   lines in the same order, else the case **differs**. When every stream matches but the
   order across streams does not, the case is **equal up to interleaving**, and the page
   gives the pair that crossed and the gap on the Linux side. Otherwise it is **exact**.

Each case file records the verdict it gives (\`kernel.expect\`); the test fails when the
verdict changes, so a change to lblab that brings it closer to Linux (or further) shows up
here, and the case file and this page are updated together.

## How to add a case

Write test/kernel/cases/<name>.yaml: an ordinary lblab scenario (one request is enough;
use rr or a single server), then a \`---\` line and a second YAML document:

\`\`\`yaml
--- # kernel side
kernel:
  expect: exact          # exact | interleaving | differs
  why: |                 # for differs: what lblab lacks, and the knob that would fix it
    ...
  window: 1s             # compare this long from the first frame (default 1s)
  settle: 1300ms         # how long the runs last (default window + 300ms)
  forwarder: ipvs        # dsr services: ipvs (routed) or netdev (nft fwd)
  nft:                   # extra nftables rules per node, as nft -f text
    lb1: |
      add table ip loss
      ...
  sysctls:               # kernel-only sysctls per node
    r1: { net.ipv4.conf.all.send_redirects: 0 }
  skip: "reason"         # the kernel side cannot be built here
\`\`\`

Run \`KERNEL_CASE=<name> KERNEL_KEEP=1 npm run test:kernel\`, read the two listings in the
kept folder, set \`expect\` (and \`why\`), then regenerate this page with
\`UPDATE_FIDELITY=1 npm run test:kernel\`. Apps the harness plays: http-server,
http-client (sequential GETs with the default headers) and tcp-connect; other node kinds,
apps and modes make the case "not run" with the reason.
`.split('\n');
