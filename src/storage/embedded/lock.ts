import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

/** Held in this process (two stores on one directory in one process are refused too). */
const heldHere = new Set<string>();

export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process owns a data directory. The lock file holds the owner's pid; a lock left by a
 * process that no longer runs (a crash) is taken over.
 */
export function acquireLock(file: string): () => void {
  if (heldHere.has(file)) throw new DataDirLockedError(`the data directory is already open in this process (${file})`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(file);
      return () => {
        heldHere.delete(file);
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = Number.NaN;
      try {
        owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      } catch {
        // unreadable: treat as stale
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new DataDirLockedError(`the data directory is in use by another process (pid ${owner}); stop it or use another DATA_DIR (lock: ${file})`);
      }
      try {
        unlinkSync(file); // stale lock of a process that is gone
      } catch {
        // raced with another taker: retry
      }
    }
  }
  throw new DataDirLockedError(`could not take the data directory lock ${file}`);
}
