/**
 * What the live bridge needs from a real network device: inject a frame,
 * and be handed every frame captured on it. The cap (libpcap) binding is
 * one implementation (cap-device.ts); tests use an in-memory one, so the
 * bridge can be checked without root or libpcap.
 */

/** A real (or stand-in) network device the bridge injects into and captures from. */
export interface LiveDevice {
  /** The device name ("lbl-c0"). */
  readonly name: string;
  /** Injects one Ethernet frame (no FCS). */
  send(bytes: Uint8Array): void;
  /** Sets the function that receives every captured frame (its bytes are only valid during the call). */
  onFrame(fn: (bytes: Uint8Array) => void): void;
  /** Stops capturing and releases the device. */
  close(): void;
}
