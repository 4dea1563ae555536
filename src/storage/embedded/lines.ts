import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * The line format shared by the journal and snapshots: `crc32hex json\n`. The checksum tells a
 * torn or corrupted line from a good one, even when the damaged text still parses as JSON.
 */
export function encodeLine(json: string): string {
  return encodeLineBytes(json).toString('utf8');
}

/**
 * The line as UTF-8 bytes, ready to write: the JSON is encoded once, and the checksum is taken
 * over those bytes. (`crc32` of a string converts it on the slow path: ~40x slower than over a
 * Buffer, which made one write of a multi-megabyte document cost seconds of CPU.)
 */
export function encodeLineBytes(json: string): Buffer {
  const size = Buffer.byteLength(json, 'utf8');
  const line = Buffer.allocUnsafe(size + 10);
  line.write(json, 9, size, 'utf8');
  line[8] = 0x20;
  line[size + 9] = 0x0a;
  line.write(crc32(line.subarray(9, size + 9)).toString(16).padStart(8, '0'), 0, 8, 'latin1');
  return line;
}

/** A line whose JSON is `head` followed by the bytes `body` (a row's text), without decoding `body`. */
export function encodeLineOf(head: string, body: Buffer): Buffer {
  const headSize = Buffer.byteLength(head, 'utf8');
  const size = headSize + body.length;
  const line = Buffer.allocUnsafe(size + 10);
  line.write(head, 9, headSize, 'utf8');
  body.copy(line, 9 + headSize);
  line[8] = 0x20;
  line[size + 9] = 0x0a;
  line.write(crc32(line.subarray(9, size + 9)).toString(16).padStart(8, '0'), 0, 8, 'latin1');
  return line;
}

/** The payload bytes of a line (a view, not a copy) when its checksum holds, else undefined. */
export function checkedPayload(bytes: Buffer): Buffer | undefined {
  if (bytes.length < 10 || bytes[8] !== 0x20) return undefined;
  const payload = bytes.subarray(9);
  return Number.parseInt(bytes.toString('latin1', 0, 8), 16) === crc32(payload) ? payload : undefined;
}

/** The parsed JSON of a line, or undefined when it is damaged. */
export function decodeLine(text: string): unknown {
  if (text.length < 10 || text[8] !== ' ') return undefined;
  const json = text.slice(9);
  if (Number.parseInt(text.slice(0, 8), 16) !== crc32(json)) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The JSON text of a line held as bytes, or undefined when it is damaged. The checksum is taken
 * over the bytes (fast) before they are decoded; the caller parses.
 */
export function lineJson(bytes: Buffer): string | undefined {
  return checkedPayload(bytes)?.toString('utf8');
}

/** The parsed JSON of a line held as bytes, or undefined when it is damaged. */
export function decodeLineBytes(bytes: Buffer): unknown {
  const json = lineJson(bytes);
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

export interface RawLine {
  /** The line without its newline: a view into the buffer the file was read with (never reused), or a concatenation. */
  bytes: Buffer;
  /** Byte offset of the line's first byte. */
  start: number;
  /** False for a last line without its newline (a write cut short). */
  terminated: boolean;
}

/** Streams the lines of a file (never the whole file in memory), with their byte offsets. */
export async function* readLines(file: string): AsyncGenerator<RawLine> {
  let pending: Buffer[] = [];
  let lineStart = 0;
  let offset = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) break;
      const piece = chunk.subarray(from, nl);
      const bytes = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      yield { bytes, start: lineStart, terminated: true };
      lineStart = offset + nl + 1;
      from = nl + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    offset += chunk.length;
  }
  if (pending.length > 0) yield { bytes: Buffer.concat(pending), start: lineStart, terminated: false };
}
