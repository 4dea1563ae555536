import { lineJson, readLines } from './lines';
import { applyRecord, isRecord, type ReplayTarget } from './records';
import { rowOfText } from './rows';
import { rowLinePrefix } from './snapshot';

export class CorruptDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptDataError';
  }
}

const ROW_LINE = '["r",';

/**
 * Applies a row line (`["r",collection,idxAt,{document}]`): the document is parsed for its index
 * keys, and its text is kept as it is in the file (no second encoding).
 */
function applyRowLine(json: string, target: ReplayTarget): boolean {
  const value = JSON.parse(json) as unknown;
  if (!Array.isArray(value) || value.length !== 4) return false;
  const [, collection, idxAt, doc] = value as [unknown, unknown, unknown, unknown];
  if (typeof collection !== 'string' || typeof idxAt !== 'number' || doc === null || typeof doc !== 'object') return false;
  const prefix = rowLinePrefix(collection, idxAt);
  if (!json.startsWith(prefix)) return false;
  target.put(collection, doc as never, rowOfText(json.slice(prefix.length, -1), idxAt));
  return true;
}

/**
 * Loads a snapshot (version 2, or version 1: `{"o":[...]}` records only). Every line must pass
 * its checksum and the end line must count them: anything else is a CorruptDataError, raised
 * possibly after part of the snapshot was applied (the caller starts over from an older one).
 */
export async function loadSnapshot(file: string, target: ReplayTarget): Promise<void> {
  let version = 0;
  let lines = 0;
  let ended = false;
  for await (const line of readLines(file)) {
    const json = line.terminated ? lineJson(line.bytes) : undefined;
    const damaged = () => new CorruptDataError(`${file}: damaged line at byte ${line.start}`);
    if (json === undefined || ended) throw damaged();
    try {
      if (version === 2 && json.startsWith(ROW_LINE)) {
        if (!applyRowLine(json, target)) throw damaged();
      } else {
        const value = JSON.parse(json) as { snapshot?: unknown; end?: unknown; lines?: unknown };
        if (version === 0) {
          if (value.snapshot !== 1 && value.snapshot !== 2) throw new CorruptDataError(`${file}: not a snapshot`);
          version = value.snapshot;
        } else if (isRecord(value)) {
          applyRecord(value, target);
        } else if (value.end === true && (version === 1 || value.lines === lines)) {
          ended = true;
        } else {
          throw new CorruptDataError(`${file}: unexpected line at byte ${line.start}`);
        }
      }
    } catch (error) {
      throw error instanceof CorruptDataError ? error : new CorruptDataError(`${file}: line at byte ${line.start}: ${(error as Error).message}`);
    }
    lines++;
  }
  if (!ended) throw new CorruptDataError(`${file}: snapshot is incomplete`);
}
