// A client session with the real fhir-kit-client (an ES module, so it runs in its own node
// process): every step's outcome is printed as one JSON document for the jest test to judge.
import { Client } from 'fhir-kit-client';

const [baseUrl] = process.argv.slice(2);
const client = new Client({ baseUrl });
const out = {};
const statusOf = async (promise) => {
  try {
    await promise;
    return 200;
  } catch (error) {
    return error?.response?.status ?? `no status: ${error?.message}`;
  }
};

const capability = await client.capabilityStatement();
out.capability = { resourceType: capability.resourceType, fhirVersion: capability.fhirVersion, types: capability.rest[0].resource.length };

const created = await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Kit', given: ['Fhir'] }], gender: 'female' } });
out.created = { id: created.id, versionId: created.meta?.versionId };
const read = await client.read({ resourceType: 'Patient', id: created.id });
out.read = { family: read.name[0].family, versionId: read.meta.versionId };
const updated = await client.update({ resourceType: 'Patient', id: created.id, body: { ...read, gender: 'other' } });
out.updated = { gender: updated.gender, versionId: updated.meta.versionId };
const vread = await client.vread({ resourceType: 'Patient', id: created.id, version: '1' });
out.vread = { gender: vread.gender, versionId: vread.meta.versionId };
const history = await client.history({ resourceType: 'Patient', id: created.id });
out.history = { type: history.type, versions: history.entry.map((e) => e.resource.meta.versionId) };
const typeHistory = await client.typeHistory({ resourceType: 'Patient' });
out.typeHistory = { type: typeHistory.type, total: typeHistory.entry.length };
const search = await client.search({ resourceType: 'Patient', searchParams: { family: 'kit' } });
out.search = { type: search.type, ids: (search.entry ?? []).map((e) => e.resource.id) };
await client.delete({ resourceType: 'Patient', id: created.id });
out.afterDelete = await statusOf(client.read({ resourceType: 'Patient', id: created.id }));
out.unknown = await statusOf(client.read({ resourceType: 'Patient', id: 'no-such-patient' }));
out.invalid = await statusOf(client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', gender: 'sometimes' } }));
process.stdout.write(JSON.stringify(out));
