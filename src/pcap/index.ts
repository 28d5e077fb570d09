/**
 * Capture files: streaming pcapng and classic pcap export of a simulation's
 * trace, a reader for real captures, and the replay of captured client
 * flows through a simulated network. See docs/pcap.md.
 */
export { TraceCapture, type CaptureOptions, type CaptureOutput, type CapturedPacket, type CaptureStats } from './capture.js';
export { PcapngWriter, PcapPerPointWriter, type PcapngWriterOptions, type SinkFactory } from './writers.js';
export { MemorySink, ChunkWriter, CHUNK_BYTES, type ByteSink } from './sink.js';
export { readCapture, MAX_RECORD, type CaptureFile, type CaptureFileError, type FileInterface, type FilePacket, type ReadResult } from './read.js';
export * from './replay.js';
