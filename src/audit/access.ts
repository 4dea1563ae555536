import type { AccessContext } from '../fhir/access/context';
import { AUDIT_TYPE } from './writer';

/**
 * Who may read the audit trail. The FHIR layer already keeps `*` scopes away from AuditEvent
 * (src/fhir/access/enforce.ts); here grants that name it are narrowed:
 * - admins (telefhir/admin) and backend services granted `system/AuditEvent.*` see everything;
 * - a patient-scoped app (`patient/AuditEvent.rs`) or a patient user sees its own patient's
 *   records only when AUDIT_PATIENT_ACCESS is on (the compartment filter does the narrowing);
 * - a practitioner's `user/AuditEvent.*` grant is dropped: it would reach every patient.
 */
export function auditAccessPolicy(patientAccess: boolean): (access: AccessContext) => AccessContext {
  return (access) => {
    if (access.unrestricted || access.admin || !access.grants.some((g) => g.resourceType === AUDIT_TYPE)) return access;
    const ownPatient = (context: string) =>
      patientAccess && (context === 'patient' || (context === 'user' && access.fhirUser?.startsWith('Patient/') === true));
    const grants = access.grants.filter((g) => g.resourceType !== AUDIT_TYPE || g.context === 'system' || ownPatient(g.context));
    return { ...access, grants };
  };
}
