import { makeTestApp, type TestApp } from '../helpers/app';
import { sender } from '../helpers/send';

/**
 * FHIRPath Patch (hl7.org/fhir/R4/fhirpatch.html) over HTTP: PATCH with a Parameters resource as
 * application/fhir+json, and as a Bundle entry. Each operation type, choice and anonymous values,
 * primitive extensions kept aligned, and every refusal with its status.
 */
let t: TestApp;
let send: ReturnType<typeof sender>;
beforeAll(async () => {
  t = await makeTestApp();
  send = sender(t.app);
});
afterAll(() => t.close());

type Part = Record<string, unknown> & { name: string };
const op = (type: string, path: string, ...parts: Part[]) => ({
  name: 'operation',
  part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...parts],
});
const patchDoc = (...operations: unknown[]) => ({ resourceType: 'Parameters', parameter: operations });
const FHIR = { 'Content-Type': 'application/fhir+json' };

async function patient(body: Record<string, unknown> = {}): Promise<string> {
  const created = await send('POST', 'Patient', {
    resourceType: 'Patient',
    name: [{ family: 'Alpha', given: ['Ann', 'Beth'], _given: [null, { extension: [{ url: 'http://example.org/nick', valueString: 'B' }] }] }, { use: 'old', family: 'Omega' }],
    birthDate: '1970-01-01',
    ...body,
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const patchPatient = (id: string, ...operations: unknown[]) => send('PATCH', `Patient/${id}`, patchDoc(...operations), FHIR);

describe('FHIRPath Patch', () => {
  it('replace a primitive, add a non-repeating element, add to a list, delete an element', async () => {
    const id = await patient();
    const reply = await patchPatient(
      id,
      op('replace', 'Patient.birthDate', { name: 'value', valueDate: '1971-02-03' }),
      op('add', 'Patient', { name: 'name', valueString: 'gender' }, { name: 'value', valueCode: 'female' }),
      op('add', 'Patient', { name: 'name', valueString: 'identifier' }, { name: 'value', valueIdentifier: { system: 'http://example.org/mrn', value: '42' } }),
      op('delete', "Patient.name.where(use = 'old')"),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.meta.versionId).toBe('2');
    expect(reply.body.birthDate).toBe('1971-02-03');
    expect(reply.body.gender).toBe('female');
    expect(reply.body.identifier).toEqual([{ system: 'http://example.org/mrn', value: '42' }]);
    expect(reply.body.name).toHaveLength(1);
    expect((await send('GET', `Patient/${id}`)).body.gender).toBe('female');
  });

  it('insert and move in a list keep the primitive extensions (_given) aligned; delete of a missing element is a no-op', async () => {
    const id = await patient();
    const reply = await patchPatient(
      id,
      op('insert', 'Patient.name[0].given', { name: 'value', valueString: 'Zoe' }, { name: 'index', valueInteger: 0 }),
      op('move', 'Patient.name[0].given', { name: 'source', valueInteger: 2 }, { name: 'destination', valueInteger: 0 }),
      op('delete', 'Patient.telecom'),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.name[0].given).toEqual(['Beth', 'Zoe', 'Ann']);
    expect(reply.body.name[0]._given[0]).toEqual({ extension: [{ url: 'http://example.org/nick', valueString: 'B' }] });
    expect(reply.body.name[0]._given.slice(1)).toEqual([null, null]);
  });

  it('insert into a list the resource does not have yet, at index 0', async () => {
    const id = await patient();
    const reply = await patchPatient(id, op('insert', 'Patient.telecom', { name: 'value', valueContactPoint: { system: 'phone', value: '555' } }, { name: 'index', valueInteger: 0 }));
    expect(reply.status).toBe(200);
    expect(reply.body.telecom).toEqual([{ system: 'phone', value: '555' }]);
  });

  it('adds an anonymous (backbone) value given as parts, with a choice element inside', async () => {
    const obs = await send('POST', 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'BP' } });
    const reply = await send(
      'PATCH',
      `Observation/${obs.body.id}`,
      patchDoc(
        op('add', 'Observation', { name: 'name', valueString: 'component' }, {
          name: 'value',
          part: [
            { name: 'code', valueCodeableConcept: { text: 'systolic' } },
            { name: 'value', valueQuantity: { value: 120, unit: 'mmHg' } },
          ],
        }),
        op('replace', 'Observation.status', { name: 'value', valueCode: 'amended' }),
      ),
      FHIR,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.component).toEqual([{ code: { text: 'systolic' }, valueQuantity: { value: 120, unit: 'mmHg' } }]);
    expect(reply.body.status).toBe('amended');
  });

  it('replaces a choice value by another type: the JSON property follows (valueQuantity → valueString)', async () => {
    const obs = await send('POST', 'Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1 } });
    const reply = await send('PATCH', `Observation/${obs.body.id}`, patchDoc(op('replace', 'Observation.value', { name: 'value', valueString: 'one' })), FHIR);
    expect(reply.status).toBe(200);
    expect(reply.body.valueString).toBe('one');
    expect(reply.body.valueQuantity).toBeUndefined();
  });

  it('works as a transaction entry (a Parameters resource) and honours If-Match', async () => {
    const id = await patient();
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: patchDoc(op('replace', 'Patient.birthDate', { name: 'value', valueDate: '1980-05-05' })), request: { method: 'PATCH', url: `Patient/${id}`, ifMatch: 'W/"1"' } }],
    };
    const reply = await send('POST', '', bundle);
    expect(reply.status).toBe(200);
    expect(reply.body.entry[0].response.status).toMatch(/^200/);
    expect((await send('GET', `Patient/${id}`)).body.birthDate).toBe('1980-05-05');
    const stale = await send('PATCH', `Patient/${id}`, patchDoc(op('delete', 'Patient.birthDate')), { ...FHIR, 'If-Match': 'W/"1"' });
    expect(stale.status).toBe(412);
  });

  it.each([
    ['replace with no match', op('replace', 'Patient.gender', { name: 'value', valueCode: 'male' }), 422],
    ['replace with several matches', op('replace', 'Patient.name', { name: 'value', valueHumanName: { family: 'X' } }), 422],
    ['delete with several matches', op('delete', 'Patient.name'), 422],
    ['add a non-repeating element already there', op('add', 'Patient', { name: 'name', valueString: 'birthDate' }, { name: 'value', valueDate: '2000-01-01' }), 422],
    ['add an element the type does not have', op('add', 'Patient', { name: 'name', valueString: 'colour' }, { name: 'value', valueString: 'blue' }), 422],
    ['insert past the end', op('insert', 'Patient.name', { name: 'value', valueHumanName: { family: 'X' } }, { name: 'index', valueInteger: 5 }), 422],
    ['move out of range', op('move', 'Patient.name', { name: 'source', valueInteger: 0 }, { name: 'destination', valueInteger: 9 }), 422],
    ['a value of the wrong type (the result is invalid)', op('replace', 'Patient.birthDate', { name: 'value', valueBoolean: true }), 422],
    ['a path that is not FHIRPath', op('delete', 'Patient.name[['), 400],
    ['a path through resolve()', op('delete', 'Patient.generalPractitioner.resolve().name'), 400],
    ['an unknown operation type', op('upsert', 'Patient.name'), 400],
    ['add without a value', op('add', 'Patient', { name: 'name', valueString: 'gender' }), 400],
  ])('%s → %i, nothing changed', async (_label, operation, status) => {
    const id = await patient();
    const reply = await patchPatient(id, operation);
    expect(reply.status).toBe(status);
    expect(reply.body.resourceType).toBe('OperationOutcome');
    expect((await send('GET', `Patient/${id}`)).body.meta.versionId).toBe('1');
  });

  it('a parameter not named operation, or a body that is not Parameters, is 400', async () => {
    const id = await patient();
    expect((await send('PATCH', `Patient/${id}`, { resourceType: 'Parameters', parameter: [{ name: 'op' }] }, FHIR)).status).toBe(400);
    expect((await send('PATCH', `Patient/${id}`, { resourceType: 'Patient' }, FHIR)).status).toBe(400);
  });

  it('more than 1000 operations in one patch → 413 too-costly, nothing changed', async () => {
    const id = await patient();
    const many = Array.from({ length: 1001 }, () => op('delete', 'Patient.telecom'));
    const reply = await patchPatient(id, ...many);
    expect(reply.status).toBe(413);
    expect(reply.body.issue[0].code).toBe('too-costly');
    expect((await send('GET', `Patient/${id}`)).body.meta.versionId).toBe('1');
    expect((await patchPatient(id, ...many.slice(0, 1000))).status).toBe(200);
  });

  it('the CapabilityStatement lists both patch formats', async () => {
    const metadata = await send('GET', 'metadata');
    expect(metadata.body.patchFormat).toEqual(expect.arrayContaining(['application/json-patch+json', 'application/fhir+json']));
  });
});
