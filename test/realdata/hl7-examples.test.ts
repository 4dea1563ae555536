import { hasSharedData, hl7Examples, type Hl7Example } from '../../bench/lib/shared-data';
import type { Reply } from '../helpers/send';
import { composedTestServer, inBatches } from './server';

/**
 * Every official HL7 R4 example, written over HTTP to the whole server (telehealth module wired,
 * validation mode reject): PUT [type]/[id], or POST when it has no id. The valid ones must be
 * accepted; the few that really break R4 must be refused with the reason.
 */

interface ExpectedRefusal {
  /** every error issue says this (the one rule the example breaks) */
  diagnostics: RegExp;
  /** and this location is among them */
  expression: string;
}

/**
 * The examples HL7 published although they break R4 (checked against the R4 StructureDefinitions):
 * each names a reference target, or omits an element, that its definition does not allow.
 */
const INVALID: Record<string, ExpectedRefusal> = {
  // DeviceMetric.parent is Reference(Device); the example points at DeviceDefinition/dc102
  'DeviceMetric-example.json': { diagnostics: /^DeviceMetric\.parent: a reference to DeviceDefinition is not allowed here \(allowed: Device\)$/, expression: 'DeviceMetric.parent' },
  // DeviceUseStatement.reasonReference is Reference(Condition|Observation|DiagnosticReport|DocumentReference|Media)
  'DeviceUseStatement-example.json': { diagnostics: /^DeviceUseStatement\.reasonReference: a reference to Procedure is not allowed here/, expression: 'DeviceUseStatement.reasonReference[0]' },
  // MedicationRequest.dispenseRequest.performer is Reference(Organization); the example names Practitioner/f001
  'MedicationRequest-medrx0301.json': {
    diagnostics: /^MedicationRequest\.dispenseRequest\.performer: a reference to Practitioner is not allowed here \(allowed: Organization\)$/,
    expression: 'MedicationRequest.dispenseRequest.performer',
  },
  // Observation.performer does not allow Encounter
  'Observation-clinical-gender.json': { diagnostics: /^Observation\.performer: a reference to Encounter is not allowed here/, expression: 'Observation.performer[0]' },
  // Questionnaire.item.linkId is 1..1; the nested items of qs1 have none
  'Questionnaire-qs1.json': { diagnostics: /^Questionnaire\.item\.linkId: minimum required = 1, but only found 0$/, expression: 'Questionnaire.item[0].item[0].linkId' },
  // OrganizationAffiliation.network is Reference(Organization); the example's absolute URL names a `Network`
  'OrganizationAffiliation-orgrole1.json': { diagnostics: /^OrganizationAffiliation\.network: a reference to Network is not allowed here \(allowed: Organization\)$/, expression: 'OrganizationAffiliation.network[0]' },
};

interface Outcome {
  file: string;
  reply: Reply;
}

const present = hasSharedData();
if (!present) console.log('SKIPPED: HL7 R4 examples test: ../shared/data/hl7/r4-examples.json.gz is absent (set SHARED_DATA_DIR)');
const maybe = present ? describe : describe.skip;

maybe('HL7 R4 examples over HTTP (validation mode reject)', () => {
  const outcomes = new Map<string, Outcome>();
  let examples: Hl7Example[] = [];

  beforeAll(async () => {
    examples = hl7Examples();
    const server = await composedTestServer();
    try {
      const started = Date.now();
      // two in flight: enough to overlap the store's fsync with validation, gentle on a shared machine
      const results = await inBatches(examples, 2, async ({ file, resource }) => {
        const reply = resource.id ? await server.send('PUT', `${resource.resourceType}/${resource.id}`, resource) : await server.send('POST', resource.resourceType, resource);
        return { file, reply };
      });
      for (const result of results) outcomes.set(result.file, result);
      console.log(`HL7 examples: ${examples.length} written in ${Date.now() - started} ms`);
    } finally {
      await server.close();
    }
  }, 15 * 60_000);

  it('covers the whole example package', () => {
    expect(examples.length).toBeGreaterThan(700);
    for (const file of Object.keys(INVALID)) expect(outcomes.has(file)).toBe(true);
  });

  it('accepts every valid example (2xx)', () => {
    const refused = [...outcomes.values()]
      .filter(({ file, reply }) => !(file in INVALID) && (reply.status < 200 || reply.status > 299))
      .map(({ file, reply }) => `${file} → ${reply.status}: ${JSON.stringify(reply.body?.issue?.slice(0, 3))}`);
    expect(refused).toEqual([]);
  });

  it('refuses exactly the invalid ones', () => {
    const refused = [...outcomes.values()].filter(({ reply }) => reply.status >= 300).map(({ file }) => file);
    expect(refused.sort()).toEqual(Object.keys(INVALID).sort());
  });

  it.each(Object.entries(INVALID))('%s → 422 with the reason', (file, expected) => {
    const { reply } = outcomes.get(file) as Outcome;
    expect(reply.status).toBe(422);
    expect(reply.body.resourceType).toBe('OperationOutcome');
    const errors = (reply.body.issue as Array<{ severity: string; diagnostics?: string; expression?: string[] }>).filter((i) => i.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const issue of errors) expect(issue.diagnostics).toMatch(expected.diagnostics);
    expect(errors.flatMap((i) => i.expression ?? [])).toContain(expected.expression);
  });
});
