import type { Questionnaire } from 'fhir/r4';
import { withFhirPrimitiveTypeTests } from '../../src/fhir/validation/profile/r4-type-tests';
import { errorsOf, expectIssue } from './helpers';

/** que-7 (`operator = 'exists' implies (answer is Boolean)`) as HL7's reference validator reads it. */
function questionnaire(enableWhen: Record<string, unknown>): Questionnaire {
  return {
    resourceType: 'Questionnaire',
    status: 'active',
    item: [
      { linkId: 'smoker', text: 'Do you smoke?', type: 'boolean' },
      // nested as in HL7's Questionnaire-bb, where the rule was first refused
      { linkId: 'g', type: 'group', item: [{ linkId: 'packs', text: 'Packs a day', type: 'integer', enableWhen: [{ question: 'smoker', ...enableWhen }] as never }] },
    ],
  };
}

describe('type tests of FHIR primitives in R4 invariants (que-7)', () => {
  it('operator exists with answerBoolean passes, at any depth', () => {
    expect(errorsOf(questionnaire({ operator: 'exists', answerBoolean: true }))).toEqual([]);
  });
  it('operator exists with a non-boolean answer still fails que-7', () => {
    expectIssue(errorsOf(questionnaire({ operator: 'exists', answerString: 'yes' })), {
      code: 'invariant',
      expression: 'Questionnaire.item[1].item[0].enableWhen[0]',
      text: 'que-7',
    });
  });
  it('another operator with any answer type is fine', () => {
    expect(errorsOf(questionnaire({ operator: '=', answerString: 'yes' }))).toEqual([]);
  });

  it('rewrites System names only where an element is tested', () => {
    expect(withFhirPrimitiveTypeTests("operator = 'exists' implies (answer is Boolean)")).toBe("operator = 'exists' implies (answer is boolean)");
    expect(withFhirPrimitiveTypeTests('a.b.is(String) and (c as Integer).exists()')).toBe('a.b.is(string) and (c as integer).exists()');
    // computed values are System-typed, qualified names say what they mean, FHIR types stay
    for (const unchanged of ['(1 + 2) is Integer', 'answer is System.Boolean', 'value is Quantity', 'x.first() is String', 'text.ofType(String)']) {
      expect(withFhirPrimitiveTypeTests(unchanged)).toBe(unchanged);
    }
  });
});
