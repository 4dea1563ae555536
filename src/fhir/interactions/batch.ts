import { processBundle, type EntryRunner } from '../bundle/run';
import type { InteractionHandler } from '../request';

/**
 * POST [base]: a batch or transaction Bundle. Every entry runs through `dispatch`, so it passes the
 * very same validation and access checks as a direct HTTP call (docs/adr/0003).
 *
 * dispatch.ts hands itself over with `useEntryDispatcher`: importing it from here would close the
 * import cycle dispatch → router → batch → dispatch.
 */
let entryDispatcher: EntryRunner | undefined;

export function useEntryDispatcher(dispatch: EntryRunner): void {
  entryDispatcher = dispatch;
}

export const batchOrTransaction: InteractionHandler = (req, ctx) => {
  if (!entryDispatcher) throw new Error('batch/transaction: dispatch.ts did not register the entry dispatcher');
  return processBundle(req, ctx, entryDispatcher);
};
