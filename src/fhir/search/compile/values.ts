/** Splits on an unescaped separator (`,` between OR values, `$` between composite parts) and unescapes. */
export function splitEscaped(value: string, separator: ',' | '$' | '|'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\' && i + 1 < value.length && ',$|\\'.includes(value[i + 1] as string)) {
      // Keep the escape for the separators of inner levels; drop it for our own.
      current += value[i + 1] === separator ? separator : ch + (value[i + 1] as string);
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}
