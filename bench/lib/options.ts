/** A positive numeric command-line option (`--name 5` or `--name=5`), at most `max`; else `fallback`. */
export function numberOption(name: string, fallback: number, max: number): number {
  const args = process.argv.slice(2);
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  const i = args.indexOf(`--${name}`);
  const raw = eq ? eq.split('=')[1] : i >= 0 ? args[i + 1] : undefined;
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`--${name} must be a number in (0, ${max}]`);
  return value;
}
