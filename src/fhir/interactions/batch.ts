import { processBundle } from '../bundle/run';
import { dispatch } from '../dispatch';
import type { InteractionHandler } from '../request';

/**
 * POST [base]: a batch or transaction Bundle. Every entry runs through `dispatch`, so it passes the
 * very same validation and access checks as a direct HTTP call (docs/adr/0003).
 */
export const batchOrTransaction: InteractionHandler = (req, ctx) => processBundle(req, ctx, dispatch);
