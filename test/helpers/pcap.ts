/**
 * A nanosecond-resolution classic pcap file of raw Ethernet frames, written
 * independently of src/pcap so that the tshark tests check the frames, not
 * lblab's own writer.
 */
export function pcapOf(frames: readonly { t: number; bytes: Uint8Array }[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b23c4d, 0); // nanosecond-resolution pcap
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const parts = [head];
  for (const f of frames) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(f.t / 1e9), 0);
    rec.writeUInt32LE(f.t % 1e9, 4);
    rec.writeUInt32LE(f.bytes.length, 8);
    rec.writeUInt32LE(f.bytes.length, 12);
    parts.push(rec, Buffer.from(f.bytes));
  }
  return Buffer.concat(parts);
}
