import path from 'node:path';

/**
 * Layout of `dataDir`:
 *   LOCK                    the pid of the process that owns the directory
 *   db/snapshot-<gen>.jsonl the full state when generation <gen> started (absent for gen 0)
 *   db/journal-<gen>.jsonl  writes committed on top of that state, in order
 *   blobs/                  binary content (one data file and one metadata file per blob)
 * Replay loads the newest snapshot S, then every journal whose generation is >= S in order.
 */
export const dbDir = (dataDir: string) => path.join(dataDir, 'db');
export const blobDir = (dataDir: string) => path.join(dataDir, 'blobs');
export const lockFile = (dataDir: string) => path.join(dataDir, 'LOCK');
export const snapshotFile = (dir: string, gen: number) => path.join(dir, `snapshot-${gen}.jsonl`);
export const journalFile = (dir: string, gen: number) => path.join(dir, `journal-${gen}.jsonl`);

const PATTERN = /^(snapshot|journal)-(\d+)\.jsonl$/;

export function parseName(name: string): { kind: 'snapshot' | 'journal'; gen: number } | undefined {
  const m = PATTERN.exec(name);
  return m ? { kind: m[1] as 'snapshot' | 'journal', gen: Number(m[2]) } : undefined;
}
