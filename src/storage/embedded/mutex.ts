/**
 * A FIFO async mutex. `tryLock` lets the common case (nobody holds it) stay synchronous, so a
 * plain write applies to memory and reaches the journal in the same tick as it was issued.
 */
export class Mutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  get isLocked(): boolean {
    return this.locked;
  }

  tryLock(): boolean {
    if (this.locked) return false;
    this.locked = true;
    return true;
  }

  lock(): Promise<void> {
    if (this.tryLock()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the lock to the next waiter (it stays locked) or frees it. */
  unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}
