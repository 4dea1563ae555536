import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * The line format shared by the journal and snapshots: `crc32hex json\n`. The checksum tells a
 * torn or corrupted line from a good one, even when the damaged text still parses as JSON.
 */
export function encodeLine(json: string): string {
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
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

export interface RawLine {
  text: string;
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
      yield { text: bytes.toString('utf8'), start: lineStart, terminated: true };
      lineStart = offset + nl + 1;
      from = nl + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    offset += chunk.length;
  }
  if (pending.length > 0) yield { text: Buffer.concat(pending).toString('utf8'), start: lineStart, terminated: false };
}
