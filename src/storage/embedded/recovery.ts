import { readdir, rename, stat, truncate, unlink } from 'node:fs/promises';
import path from 'node:path';
import { journalFile, parseName, snapshotFile } from './files';
import { decodeLineBytes, readLines } from './lines';
import { applyRecord, isRecord, type ReplayTarget } from './records';
import { CorruptDataError, loadSnapshot, type SnapshotTarget } from './snapshot-load';

export { CorruptDataError };

export interface Recovered {
  /** Generation of the snapshot loaded (0: none). */
  snapshotGen: number;
  /** Generations of the journals replayed, ascending. */
  journalGens: number[];
  /** Records replayed from the journals (the tail written after the snapshot). */
  replayedRecords: number;
  /** Size of the newest journal (writes go on appending to it). */
  lastJournalBytes: number;
  /** Warnings worth logging (e.g. a torn last line that was dropped). */
  notes: string[];
}

/** Where recovery writes: the tables, plus a way to forget a snapshot that turned out damaged. */
export interface RecoveryTarget extends SnapshotTarget {
  reset(): void;
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
    const value = line.terminated ? decodeLineBytes(line.bytes) : undefined;
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

/**
 * The newest snapshot that loads, newest first. A damaged one (it cannot be torn by a crash, being
 * renamed into place only once complete and fsynced, but a disk can damage it) is set aside as
 * `.damaged` and the previous one is used with the journals since: compaction keeps the previous
 * generation for this reason.
 */
async function loadNewestSnapshot(dir: string, snapshots: number[], journals: Set<number>, target: RecoveryTarget, notes: string[]): Promise<number> {
  const newestFirst = [...snapshots].sort((a, b) => b - a);
  for (const gen of newestFirst) {
    try {
      await loadSnapshot(snapshotFile(dir, gen), target);
      return gen;
    } catch (error) {
      if (!(error instanceof CorruptDataError)) throw error;
      target.reset();
      const older = newestFirst.find((g) => g < gen) ?? 0;
      if (!journals.has(older)) throw error; // nothing to rebuild the lost generation from
      await rename(snapshotFile(dir, gen), `${snapshotFile(dir, gen)}.damaged`);
      notes.push(`${path.basename(snapshotFile(dir, gen))}: ${error.message}; recovered from generation ${older} and the journals since (file kept as .damaged)`);
    }
  }
  return 0;
}

/** Loads the newest good snapshot and replays the journals on top of it; removes superseded files. */
export async function recover(dir: string, target: RecoveryTarget): Promise<Recovered> {
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
  const notes: string[] = [];
  const snapshotGen = await loadNewestSnapshot(dir, snapshots, new Set(journals), target, notes);
  const live = journals.filter((g) => g >= snapshotGen).sort((a, b) => a - b);
  const sizes = await Promise.all(live.map(async (g) => (await stat(journalFile(dir, g))).size));
  let replayedRecords = 0;
  for (let i = 0; i < live.length; i++) {
    const laterHoldData = sizes.slice(i + 1).some((s) => s > 0);
    replayedRecords += await replayJournal(journalFile(dir, live[i] as number), target, !laterHoldData, notes);
  }
  // the generation before the loaded snapshot is kept as a fallback; older files are superseded
  const keepFrom = Math.max(0, ...snapshots.filter((g) => g < snapshotGen));
  for (const g of snapshots) if (g < keepFrom) await unlink(snapshotFile(dir, g));
  for (const g of journals) if (g < keepFrom) await unlink(journalFile(dir, g));
  const lastJournal = live[live.length - 1];
  const lastJournalBytes = lastJournal === undefined ? 0 : (await stat(journalFile(dir, lastJournal))).size;
  return { snapshotGen, journalGens: live, replayedRecords, lastJournalBytes, notes };
}
