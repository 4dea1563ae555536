import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';
import { validateOperation } from '../../src/fhir/operations/validate';
import { makeTestApp, type TestApp } from '../helpers/app';
import { sender } from '../helpers/send';

/**
 * A body with tens of thousands of errors (one per two bytes) gets a bounded outcome: the first
 * VALIDATION_MAX_ISSUES issues, with the usual messages and FHIRPath locations, then a
 * `too-costly` notice saying validation stopped there.
 */
let server: TestApp;
let small: TestApp;
beforeAll(async () => {
  server = await makeTestApp({ operations: [validateOperation] });
  small = await makeTestApp({ operations: [validateOperation], settings: { validationMaxIssues: 5 } });
});
afterAll(async () => {
  await server.close();
  await small.close();
});

const stopped = (issues: OperationOutcomeIssue[]) => issues.filter((i) => i.code === 'too-costly');
const errors = (issues: OperationOutcomeIssue[]) => issues.filter((i) => i.severity === 'error');
const wrongTypes = (n: number) => ({ resourceType: 'Patient', name: [{ given: Array.from({ length: n }, () => 1) }] });

describe('bounded validation', () => {
  it('reports the first 100 schema errors of 30 000, then says validation stopped', async () => {
    const res = await sender(server.app)('POST', 'Patient', wrongTypes(30000));
    expect(res.status).toBe(422);
    const { issue } = res.body as OperationOutcome;
    expect(errors(issue)).toHaveLength(100);
    expect(issue[0]).toMatchObject({ code: 'value', expression: ['Patient.name[0].given[0]'], diagnostics: 'Wrong type at Patient.name[0].given[0]: expected string' });
    expect(issue[99]?.expression).toEqual(['Patient.name[0].given[99]']);
    expect(stopped(issue)).toEqual([expect.objectContaining({ severity: 'warning', diagnostics: expect.stringMatching(/^Validation stopped after 100 issues/) })]);
    expect(issue[issue.length - 1]?.code).toBe('too-costly');
  });

  it('bounds $validate the same way, for unknown elements as for wrong types', async () => {
    const body: Record<string, unknown> = { resourceType: 'Patient' };
    for (let i = 0; i < 20000; i++) body[`x${i}`] = i;
    const res = await sender(server.app)('POST', 'Patient/$validate', body);
    expect(res.status).toBe(200);
    const { issue } = res.body as OperationOutcome;
    expect(errors(issue)).toHaveLength(100);
    expect(issue[0]).toMatchObject({ code: 'structure', expression: ['Patient.x0'] });
    expect(stopped(issue)).toHaveLength(1);
  });

  it('bounds profile (invariant) errors of a structurally valid body', async () => {
    const body = { resourceType: 'Patient', name: Array.from({ length: 20000 }, () => ({})) };
    const res = await sender(server.app)('POST', 'Patient', body);
    expect(res.status).toBe(422);
    const { issue } = res.body as OperationOutcome;
    expect(errors(issue)).toHaveLength(100);
    expect(issue[0]).toMatchObject({ code: 'invariant', expression: ['Patient.name[0]'], diagnostics: expect.stringContaining('ele-1') });
    expect(stopped(issue)).toHaveLength(1);
  });

  it('follows VALIDATION_MAX_ISSUES (validationMaxIssues)', async () => {
    const write = await sender(small.app)('POST', 'Patient', wrongTypes(50));
    expect(write.status).toBe(422);
    expect(errors(write.body.issue)).toHaveLength(5);
    expect(stopped(write.body.issue)[0]?.diagnostics).toMatch(/^Validation stopped after 5 issues/);
    const check = await sender(small.app)('POST', 'Patient/$validate', { resourceType: 'Patient', name: Array.from({ length: 50 }, () => ({})) });
    expect(errors(check.body.issue)).toHaveLength(5);
    expect(stopped(check.body.issue)).toHaveLength(1);
  });

  it('adds no notice when every issue fits', async () => {
    const res = await sender(small.app)('POST', 'Patient', wrongTypes(3));
    expect(res.status).toBe(422);
    expect(errors(res.body.issue).map((i) => i.expression?.[0])).toEqual(['Patient.name[0].given[0]', 'Patient.name[0].given[1]', 'Patient.name[0].given[2]']);
    expect(stopped(res.body.issue)).toEqual([]);
  });
});
