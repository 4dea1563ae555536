import fhirpath from 'fhirpath';

/**
 * R4 invariants test the type of FHIR primitive elements with System type names, e.g. que-7
 * `operator = 'exists' implies (answer is Boolean)` on `answerBoolean: true`. HL7's reference
 * validator matches an unqualified type name against the element's FHIR type ignoring case, so
 * `answer is Boolean` holds for a FHIR `boolean`; fhirpath.js is strict there (FHIR.boolean is not
 * System.Boolean; only `ofType()` applies the FHIR → System conversion), which refused HL7's own
 * Questionnaire examples. When the tested value is an element (the operand ends in an element name,
 * so it carries a FHIR type), the System name is rewritten to the FHIR primitive (`is boolean`):
 * exactly the reference validator's result. Tests of computed System values are left alone.
 */
const SYSTEM_TO_FHIR: Readonly<Record<string, string>> = {
  Boolean: 'boolean',
  String: 'string',
  Integer: 'integer',
  Decimal: 'decimal',
  Date: 'date',
  DateTime: 'dateTime',
  Time: 'time',
};

interface AstNode {
  type: string;
  text?: string;
  start?: { line: number; column: number };
  length?: number;
  children?: AstNode[];
}

interface Replacement {
  offset: number;
  length: number;
  text: string;
}

/** The expression with System type names in element type tests replaced by FHIR primitive names. */
export function withFhirPrimitiveTypeTests(expression: string): string {
  if (!/\b(is|as)\b/.test(expression)) return expression;
  let ast: AstNode;
  try {
    ast = fhirpath.parse(expression) as AstNode;
  } catch {
    return expression; // the compiler reports it
  }
  const replacements: Replacement[] = [];
  const lineStarts = [0];
  for (let i = 0; i < expression.length; i++) if (expression[i] === '\n') lineStarts.push(i + 1);
  const visit = (node: AstNode): void => {
    const typeName = typeTestOfElement(node);
    if (typeName?.start && typeName.text && typeName.text in SYSTEM_TO_FHIR) {
      const offset = (lineStarts[typeName.start.line - 1] ?? 0) + typeName.start.column - 1;
      if (expression.slice(offset, offset + typeName.text.length) === typeName.text) {
        replacements.push({ offset, length: typeName.text.length, text: SYSTEM_TO_FHIR[typeName.text] as string });
      }
    }
    node.children?.forEach(visit);
  };
  visit(ast);
  let result = expression;
  for (const r of replacements.sort((a, b) => b.offset - a.offset)) result = result.slice(0, r.offset) + r.text + result.slice(r.offset + r.length);
  return result;
}

/** For `element is T`, `element as T`, `element.is(T)`, `element.as(T)`: the identifier node of T. */
function typeTestOfElement(node: AstNode): AstNode | undefined {
  const [operand, last] = node.children ?? [];
  if (!operand || !last) return undefined;
  if (node.type === 'TypeExpression' && (node.text === 'is' || node.text === 'as') && endsInElement(operand)) {
    return singleIdentifier(last);
  }
  if (node.type === 'InvocationExpression' && last.type === 'FunctionInvocation' && (last.text === 'is' || last.text === 'as') && endsInElement(operand)) {
    const param = last.children?.[0]?.children?.find((c) => c.type === 'ParamList')?.children?.[0];
    return param ? singleIdentifier(param) : undefined;
  }
  return undefined;
}

/** True when the expression's value is an element reached by name (`answer`, `a.b`), not a computed one. */
function endsInElement(node: AstNode): boolean {
  if (node.type === 'MemberInvocation') return true;
  if (node.type === 'InvocationExpression') return node.children?.[1]?.type === 'MemberInvocation';
  if (node.type === 'TermExpression' || node.type === 'InvocationTerm') return !!node.children?.[0] && endsInElement(node.children[0]);
  return false;
}

/** The one unqualified identifier of a type specifier (`Boolean`), none for `System.Boolean`. */
function singleIdentifier(node: AstNode): AstNode | undefined {
  const identifiers: AstNode[] = [];
  const collect = (n: AstNode): void => {
    if (n.type === 'Identifier') identifiers.push(n);
    n.children?.forEach(collect);
  };
  collect(node);
  return identifiers.length === 1 ? identifiers[0] : undefined;
}
