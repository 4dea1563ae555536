import { randomBytes } from 'node:crypto';
import type { FhirSettings } from '../fhir/request';
import type { DocumentStore, StoreLogger } from '../storage/port';
import type { BulkConfig } from './config';
import { blobId, ensureJobIndexes, jobsCollection, UNFINISHED, type ExportJob } from './job';
import { JobLostError, runJob, saveJob, writeIssues } from './runner';

/** A job claimed this many times without finishing (a crash each time) is given up. */
const MAX_ATTEMPTS = 3;
const SWEEP_BATCH = 20;

class WorkerStopped extends Error {}

/**
 * Runs export jobs of one store, one at a time per instance. A job is claimed with a lease
 * (`leaseUntil`, written conditionally on the job's revision), renewed while it runs; a job whose
 * lease ran out (its instance crashed or stopped) is claimed again and resumes after its last
 * committed file. Finished jobs past their expiry are removed with their files.
 */
export class ExportWorker {
  readonly owner = randomBytes(8).toString('hex');
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: DocumentStore,
    private readonly settings: FhirSettings,
    private readonly config: BulkConfig,
    private readonly logger: StoreLogger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.stopped || this.timer) return;
    this.schedule(0);
  }

  /** A job was queued: look for work now rather than at the next poll. */
  nudge(): void {
    if (!this.stopped && !this.busy) this.schedule(0);
  }

  /** Stops polling; a running job gives its lease back at its next chunk, to be resumed later. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.busy?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.busy ??= this.tick().finally(() => {
        this.busy = undefined;
        if (!this.stopped) this.schedule(this.config.pollMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await ensureJobIndexes(this.store);
      await this.sweep();
      // run jobs back to back while there are some
      while (!this.stopped && (await this.runOne()));
    } catch (error) {
      if (!this.stopped) this.logger.warn(`bulk export worker: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }

  private async runOne(): Promise<boolean> {
    const now = this.now();
    const [candidate] = await jobsCollection(this.store).find({ status: { $in: UNFINISHED }, leaseUntil: { $lt: now } }, { sort: { leaseUntil: 1 }, limit: 1 });
    if (!candidate) return false;
    const claimed = await saveJob(this.store, {
      ...candidate,
      status: 'running',
      leaseOwner: this.owner,
      leaseUntil: now + this.config.leaseSeconds * 1000,
      attempts: candidate.attempts + 1,
    });
    if (!claimed) return true; // another instance took it: look again
    if (claimed.attempts > MAX_ATTEMPTS) {
      await this.fail(claimed, `The export was interrupted ${MAX_ATTEMPTS} times and has been given up; the files listed are incomplete`);
      return true;
    }
    const deps = {
      store: this.store,
      settings: this.settings,
      config: { ...this.config },
      owner: this.owner,
      now: () => {
        if (this.stopped) throw new WorkerStopped();
        return this.now();
      },
    };
    try {
      await runJob(claimed, deps);
    } catch (error) {
      if (error instanceof JobLostError) return true;
      if (error instanceof WorkerStopped || this.stopped) {
        await this.release(claimed._id);
        return false;
      }
      this.logger.error(`bulk export ${claimed._id} failed: ${(error as Error).name}`);
      await this.fail(claimed, 'The export failed on the server; the files listed are incomplete');
    }
    return true;
  }

  /** Gives the lease back (graceful stop): the next instance resumes the job at once. */
  private async release(id: string): Promise<void> {
    const job = await jobsCollection(this.store).findOne({ _id: id });
    if (job && job.leaseOwner === this.owner && job.status === 'running') await saveJob(this.store, { ...job, leaseUntil: 0 }).catch(() => undefined);
  }

  /** Ends a job with an error in its manifest (never a 5xx on the status URL). */
  private async fail(claimed: ExportJob, diagnostics: string): Promise<void> {
    const job = await jobsCollection(this.store).findOne({ _id: claimed._id });
    if (!job || job.leaseOwner !== this.owner) return;
    const failing: ExportJob = { ...job, issues: [...job.issues, { severity: 'error', code: 'exception', diagnostics }] };
    // a store that cannot take files at all still records the failure (the status URL answers 500)
    const error = await writeIssues(failing, this.store).catch(() => []);
    const now = this.now();
    await saveJob(this.store, { ...failing, status: 'failed', error, finishedAtMs: now, expiresAt: now + this.config.expirySeconds * 1000 });
  }

  /** Removes expired jobs and their files. */
  private async sweep(): Promise<void> {
    const expired = await jobsCollection(this.store).find({ expiresAt: { $lt: this.now() } }, { limit: SWEEP_BATCH });
    for (const job of expired) await removeJob(this.store, job);
  }
}

/** Deletes a job and every file it may have written (cancel, expiry). */
export async function removeJob(store: DocumentStore, job: ExportJob): Promise<void> {
  await jobsCollection(store).deleteOne({ _id: job._id });
  const last = Math.max(job.progress.nextSeq, ...job.error.map((f) => f.seq)) + 1;
  for (let seq = 0; seq <= last; seq++) await store.blobs.delete(blobId(job._id, seq)).catch(() => undefined);
}
