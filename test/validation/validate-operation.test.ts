import type { OperationOutcome, Patient } from 'fhir/r4';
import { openClient, type TestClient } from '../bundles/client';
import { validateOperation } from '../../src/fhir/operations/validate';
import { warmUpSchemaValidator } from '../../src/fhir/validation';
import { warmUpProfileValidator } from '../../src/fhir/validation/profile';
import { hl7Fixture, TELEFHIR } from './helpers';

/** $validate over the same path as the HTTP layer (over HTTP once the shared test app exists). */
let client: TestClient;
beforeAll(async () => {
  client = await openClient({ operations: [validateOperation] });
  // compiled here as the server does at start, not inside the first test's time budget
  warmUpSchemaValidator();
  warmUpProfileValidator();
}, 5 * 60_000);
afterAll(() => client.close());

const errors = (body: OperationOutcome) => body.issue.filter((i) => i.severity === 'error');
const patient: Patient = { resourceType: 'Patient', name: [{ family: 'Chalmers' }], gender: 'male' };
const parameters = (...parameter: Array<Record<string, unknown>>) => ({ resourceType: 'Parameters', parameter });

describe('POST [type]/$validate', () => {
  it('answers 200 with an informational outcome for a valid resource, and stores nothing', async () => {
    const res = await client.send('POST', 'Patient/$validate', hl7Fixture('Patient-example.json'));
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(errors(res.body)).toEqual([]);
    expect(res.body.issue.some((i: { severity: string }) => i.severity === 'information')).toBe(true);
    const search = await client.send('GET', 'Patient');
    expect(search.status === 200 ? search.body.total ?? search.body.entry?.length ?? 0 : 0).toBe(0);
  });

  it('lists schema errors with 200 (a write would be 422)', async () => {
    const res = await client.send('POST', 'Patient/$validate', { ...patient, gender: 42 });
    expect(res.status).toBe(200);
    expect(errors(res.body).length).toBeGreaterThan(0);
  });

  it('lists profile errors with FHIRPath locations', async () => {
    const encounter = { resourceType: 'Encounter', meta: { profile: [`${TELEFHIR}TelehealthEncounter`] }, status: 'planned', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } };
    const res = await client.send('POST', 'Encounter/$validate', encounter);
    expect(res.status).toBe(200);
    const where = errors(res.body).map((i) => i.expression?.[0]).sort();
    expect(where).toEqual(['Encounter.appointment', 'Encounter.class', 'Encounter.participant', 'Encounter.period']);
  });

  it('accepts Parameters with resource and profile', async () => {
    const body = parameters({ name: 'resource', resource: { ...patient } }, { name: 'profile', valueUri: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient' });
    const res = await client.send('POST', 'Patient/$validate', body);
    expect(res.status).toBe(200);
    expect(errors(res.body).map((i) => i.expression?.[0])).toContain('Patient.identifier');
  });

  it('warns about an unknown profile', async () => {
    const body = parameters({ name: 'resource', resource: patient }, { name: 'profile', valueUri: 'http://example.org/StructureDefinition/nope' });
    const res = await client.send('POST', 'Patient/$validate', body);
    expect(res.body.issue).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'warning', code: 'not-supported' })]));
  });

  it('reports best-practice warnings (dom-6, no narrative) that writes do not', async () => {
    const res = await client.send('POST', 'Patient/$validate', patient);
    expect(res.body.issue).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'warning', code: 'invariant', expression: ['Patient'] })]));
    expect(errors(res.body)).toEqual([]);
  });

  it('mode=update requires the id, matching the URL', async () => {
    const stored = await client.send('POST', 'Patient', patient);
    expect(stored.status).toBe(201);
    const id = stored.body.id as string;
    const update = (resource: Patient, target = `Patient/${id}/$validate`) =>
      client.send('POST', target, parameters({ name: 'resource', resource }, { name: 'mode', valueCode: 'update' }));
    const missing = await update(patient, 'Patient/$validate');
    expect(errors(missing.body)).toEqual([expect.objectContaining({ code: 'required', expression: ['Patient.id'] })]);
    const mismatch = await update({ ...patient, id: 'someone-else' });
    expect(errors(mismatch.body)).toEqual([expect.objectContaining({ code: 'invalid', expression: ['Patient.id'] })]);
    const fine = await update({ ...patient, id });
    expect(fine.status).toBe(200);
    expect(errors(fine.body)).toEqual([]);
  });

  it('mode=delete checks that the resource exists', async () => {
    const createdRes = await client.send('POST', 'Patient', patient);
    expect(createdRes.status).toBe(201);
    const id = createdRes.body.id as string;
    const ok = await client.send('POST', `Patient/${id}/$validate`, parameters({ name: 'mode', valueCode: 'delete' }));
    expect(ok.status).toBe(200);
    expect(errors(ok.body)).toEqual([]);
    const missing = await client.send('POST', 'Patient/does-not-exist/$validate', parameters({ name: 'mode', valueCode: 'delete' }));
    expect(missing.status).toBe(404);
    expect(missing.body.issue[0].code).toBe('not-found');
    expect((await client.send('DELETE', `Patient/${id}`)).status).toBeLessThan(300);
    const deleted = await client.send('POST', `Patient/${id}/$validate`, parameters({ name: 'mode', valueCode: 'delete' }));
    expect(deleted.status).toBe(410); // instance operations on a deleted resource: 410 before the handler runs
    const typeLevel = await client.send('POST', 'Patient/$validate', parameters({ name: 'mode', valueCode: 'delete' }));
    expect(typeLevel.status).toBe(400);
  });

  it('refuses bad requests with 400', async () => {
    expect((await client.send('POST', 'Patient/$validate', parameters({ name: 'mode', valueCode: 'create' }))).status).toBe(400);
    expect((await client.send('POST', 'Patient/$validate', parameters({ name: 'resource', resource: patient }, { name: 'mode', valueCode: 'purge' }))).status).toBe(400);
    expect((await client.send('POST', 'Observation/$validate', patient)).status).toBe(400);
    const twice = parameters({ name: 'resource', resource: patient }, { name: 'resource', resource: patient });
    expect((await client.send('POST', 'Patient/$validate', twice)).status).toBe(400);
  });
});
