import type { Response } from 'express';

/**
 * What an /auth endpoint tells the audit trail about the request it answers (src/audit reads it
 * from `res.locals.auditNote` when the answer is sent): identities only — never a token, a
 * secret, a password or the id of a pending authorization.
 */
export interface AuditNote {
  clientId?: string;
  userId?: string;
  fhirUser?: string;
  patient?: string;
}

export function noteForAudit(res: Response, note: AuditNote): void {
  const locals = res.locals as { auditNote?: AuditNote };
  locals.auditNote = { ...locals.auditNote, ...note };
}
