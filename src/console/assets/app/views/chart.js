// Line charts of remote readings as inline SVG, built with DOM calls (no chart library, no CDN).
const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 560;
const HEIGHT = 170;
const PAD = { left: 44, right: 12, top: 12, bottom: 26 };

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

const short = (ms) => new Date(ms).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
const round = (n) => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 10) / 10);

/**
 * series: [{ label, points: [{t: epoch ms, v: number}] }] sharing one unit.
 * Returns an <svg role="img"> with axes, one polyline per series and a legend.
 */
export function lineChart(title, unit, series) {
  const points = series.flatMap((s) => s.points);
  const times = points.map((p) => p.t);
  const values = points.map((p) => p.v);
  let [tMin, tMax] = [Math.min(...times), Math.max(...times)];
  let [vMin, vMax] = [Math.min(...values), Math.max(...values)];
  if (tMin === tMax) [tMin, tMax] = [tMin - 86_400_000, tMax + 86_400_000];
  const margin = (vMax - vMin) * 0.1 || 1;
  [vMin, vMax] = [vMin - margin, vMax + margin];
  const x = (t) => PAD.left + ((t - tMin) / (tMax - tMin)) * (WIDTH - PAD.left - PAD.right);
  const y = (v) => HEIGHT - PAD.bottom - ((v - vMin) / (vMax - vMin)) * (HEIGHT - PAD.top - PAD.bottom);

  const last = series.map((s) => `${s.label} ${round(s.points[s.points.length - 1]?.v ?? NaN)}`).join(', ');
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'chart', 'aria-label': `${title}: ${points.length} readings, latest ${last} ${unit}` });
  chart.append(svg('title', {}, `${title} (${unit})`));
  const axis = svg('g', { class: 'axis' });
  axis.append(
    svg('line', { x1: PAD.left, y1: HEIGHT - PAD.bottom, x2: WIDTH - PAD.right, y2: HEIGHT - PAD.bottom }),
    svg('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: HEIGHT - PAD.bottom }),
    svg('text', { x: PAD.left - 6, y: y(vMax - margin) + 4, 'text-anchor': 'end' }, String(round(vMax - margin))),
    svg('text', { x: PAD.left - 6, y: y(vMin + margin) + 4, 'text-anchor': 'end' }, String(round(vMin + margin))),
    svg('text', { x: PAD.left, y: HEIGHT - 8, 'text-anchor': 'start' }, short(tMin)),
    svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 8, 'text-anchor': 'end' }, short(tMax)),
    svg('text', { x: WIDTH / 2, y: HEIGHT - 8, 'text-anchor': 'middle' }, unit),
  );
  chart.append(axis);
  series.forEach((s, i) => {
    const sorted = [...s.points].sort((a, b) => a.t - b.t);
    const group = svg('g', { class: `series series-${i}` });
    group.append(svg('polyline', { points: sorted.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '), fill: 'none' }));
    for (const p of sorted) {
      const dot = svg('circle', { cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5 });
      dot.append(svg('title', {}, `${s.label}: ${round(p.v)} ${unit} on ${short(p.t)}`));
      group.append(dot);
    }
    group.append(svg('text', { x: WIDTH - PAD.right, y: PAD.top + 10 + i * 14, 'text-anchor': 'end', class: 'legend' }, s.label));
    chart.append(group);
  });
  return chart;
}

/** Observations → one chart per code (a panel's components become several lines of one chart). */
export function chartsOf(observations) {
  const byCode = new Map();
  const add = (key, title, label, unit, t, v) => {
    if (!Number.isFinite(t) || typeof v !== 'number') return;
    if (!byCode.has(key)) byCode.set(key, { title, unit, series: new Map() });
    const chart = byCode.get(key);
    if (!chart.series.has(label)) chart.series.set(label, []);
    chart.series.get(label).push({ t, v });
  };
  for (const o of observations) {
    const t = Date.parse(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued ?? '');
    const coding = o.code?.coding?.[0] ?? {};
    const key = coding.code ?? o.code?.text ?? '?';
    const title = o.code?.text ?? coding.display ?? key;
    if (o.valueQuantity) add(key, title, title, o.valueQuantity.unit ?? o.valueQuantity.code ?? '', t, o.valueQuantity.value);
    for (const c of o.component ?? []) {
      const label = c.code?.coding?.[0]?.display ?? c.code?.text ?? '?';
      if (c.valueQuantity) add(key, title, label, c.valueQuantity.unit ?? c.valueQuantity.code ?? '', t, c.valueQuantity.value);
    }
  }
  return [...byCode.values()].map((c) => lineChart(c.title, c.unit, [...c.series].map(([label, points]) => ({ label, points }))));
}
