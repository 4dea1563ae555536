import { readdir, stat, truncate, unlink } from 'node:fs/promises';
import path from 'node:path';
import { journalFile, parseName, snapshotFile } from './files';
import { decodeLine, readLines } from './lines';
import { applyRecord, isRecord, type ReplayTarget } from './records';

export interface Recovered {
  /** Generation of the snapshot loaded (0: none). */
  snapshotGen: number;
  /** Generations of the journals replayed, ascending. */
  journalGens: number[];
  /** True when at least one journal held a record (a compaction would shrink the state). */
  replayedRecords: number;
  /** Warnings worth logging (e.g. a torn last line that was dropped). */
  notes: string[];
}

export class CorruptDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptDataError';
  }
}

async function loadSnapshot(file: string, target: ReplayTarget): Promise<void> {
  let header = false;
  let ended = false;
  for await (const line of readLines(file)) {
    const value = decodeLine(line.text);
    if (value === undefined || !line.terminated || ended) throw new CorruptDataError(`${file}: damaged line at byte ${line.start}`);
    if (!header) {
      if ((value as { snapshot?: unknown }).snapshot !== 1) throw new CorruptDataError(`${file}: not a snapshot`);
      header = true;
    } else if (isRecord(value)) {
      applyRecord(value, target);
    } else if ((value as { end?: unknown }).end === true) {
      ended = true;
    } else {
      throw new CorruptDataError(`${file}: unexpected line at byte ${line.start}`);
    }
  }
  if (!ended) throw new CorruptDataError(`${file}: snapshot is incomplete`);
}

/**
 * Replays one journal. A damaged LAST line is a write that was cut short (never acknowledged,
 * since acknowledgement follows the fsync of the whole line): it is dropped and the file
 * truncated, when `mayTruncate` (no later journal holds data). Damage anywhere else is fatal.
 */
async function replayJournal(file: string, target: ReplayTarget, mayTruncate: boolean, notes: string[]): Promise<number> {
  let records = 0;
  let damagedAt: number | undefined;
  for await (const line of readLines(file)) {
    if (damagedAt !== undefined) throw new CorruptDataError(`${file}: damaged record at byte ${damagedAt} is followed by more records`);
    const value = line.terminated ? decodeLine(line.text) : undefined;
    if (value === undefined || !isRecord(value)) {
      damagedAt = line.start;
      continue;
    }
    applyRecord(value, target);
    records++;
  }
  if (damagedAt !== undefined) {
    if (!mayTruncate) throw new CorruptDataError(`${file}: damaged last record at byte ${damagedAt}, and later journals hold data`);
    await truncate(file, damagedAt);
    notes.push(`${path.basename(file)}: dropped a torn last record at byte ${damagedAt} (a write that was never acknowledged)`);
  }
  return records;
}

/** Loads the newest snapshot and replays the journals on top of it; removes stale files. */
export async function recover(dir: string, target: ReplayTarget): Promise<Recovered> {
  const names = await readdir(dir);
  const snapshots: number[] = [];
  const journals: number[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) {
      await unlink(path.join(dir, name));
      continue;
    }
    const parsed = parseName(name);
    if (parsed?.kind === 'snapshot') snapshots.push(parsed.gen);
    else if (parsed?.kind === 'journal') journals.push(parsed.gen);
  }
  const snapshotGen = snapshots.length > 0 ? Math.max(...snapshots) : 0;
  const notes: string[] = [];
  if (snapshotGen > 0) await loadSnapshot(snapshotFile(dir, snapshotGen), target);
  const live = journals.filter((g) => g >= snapshotGen).sort((a, b) => a - b);
  const sizes = await Promise.all(live.map(async (g) => (await stat(journalFile(dir, g))).size));
  let replayedRecords = 0;
  for (let i = 0; i < live.length; i++) {
    const laterHoldData = sizes.slice(i + 1).some((s) => s > 0);
    replayedRecords += await replayJournal(journalFile(dir, live[i] as number), target, !laterHoldData, notes);
  }
  // files older than the snapshot were superseded by it (a compaction stopped before cleanup)
  for (const g of snapshots) if (g < snapshotGen) await unlink(snapshotFile(dir, g));
  for (const g of journals) if (g < snapshotGen) await unlink(journalFile(dir, g));
  return { snapshotGen, journalGens: live, replayedRecords, notes };
}
