// bench/latency.svg: per-call latency CDFs, one panel per method (GET, POST), one line per contender,
// log-scaled x axis (ms), y = share of calls at or below. Hand-written SVG, no chart library.
import { sorted, quantile } from './util.mjs';

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

/**
 * series: [{label, GET: number[], POST: number[], dash?: boolean}]
 * Returns the SVG text.
 */
export function latencySvg(series, { title = 'Per-call latency (CDF)', subtitle = '' } = {}) {
  const W = 1000, PH = 330, top = 85, gap = 70, left = 70, right = 230, bottom = 45;
  const H = top + 2 * PH + gap + bottom;
  const pw = W - left - right;
  const methods = ['GET', 'POST'];
  const labels = { GET: 'GET /api/channels (list_channels)', POST: 'POST /api/events/track, 1 KB JSON (track_event)' };
  // One x range for both panels: from the smallest p0.5 to the largest p99.5 (outliers clipped).
  let lo = Infinity, hi = 0;
  const sortedData = series.map((s) => Object.fromEntries(methods.map((m) => [m, sorted(s[m] ?? [])])));
  for (const d of sortedData) for (const m of methods) {
    if (!d[m].length) continue;
    lo = Math.min(lo, quantile(d[m], 0.005));
    hi = Math.max(hi, quantile(d[m], 0.999));
  }
  if (!Number.isFinite(lo) || hi <= 0) { lo = 0.1; hi = 10; }
  const lx0 = Math.log10(Math.max(lo * 0.9, 1e-3));
  const lx1 = Math.log10(hi * 1.1);
  const X = (ms) => left + ((Math.log10(Math.min(Math.max(ms, 10 ** lx0), 10 ** lx1)) - lx0) / (lx1 - lx0)) * pw;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="26" font-size="17" font-weight="bold">${esc(title)}</text>`);
  if (subtitle) out.push(`<text x="${left}" y="46" fill="#555">${esc(subtitle)}</text>`);
  // Ticks: 1-2-5 per decade.
  const ticks = [];
  for (let e = Math.floor(lx0); e <= Math.ceil(lx1); e++) for (const k of [1, 2, 5]) {
    const v = k * 10 ** e;
    if (Math.log10(v) >= lx0 && Math.log10(v) <= lx1) ticks.push(v);
  }
  methods.forEach((m, pi) => {
    const y0 = top + pi * (PH + gap);
    // y: linear up to 90 %, then a log tail (90 → 99 → 99.9 %) so p99 is readable.
    const Q = (q) => (q <= 0.9 ? (0.6 * q) / 0.9 : 0.6 + (0.4 * Math.log10(0.1 / Math.max(1 - q, 0.001))) / 2);
    const Y = (q) => y0 + PH - Q(q) * PH;
    out.push(`<text x="${left}" y="${y0 - 8}" font-size="14" font-weight="bold">${esc(labels[m])}</text>`);
    out.push(`<rect x="${left}" y="${y0}" width="${pw}" height="${PH}" fill="#fafafa" stroke="#999"/>`);
    for (const q of [0.25, 0.5, 0.75, 0.9, 0.99, 0.999]) {
      out.push(`<line x1="${left}" x2="${left + pw}" y1="${Y(q).toFixed(1)}" y2="${Y(q).toFixed(1)}" stroke="#ddd"${q === 0.5 ? ' stroke-width="1.5"' : ''}/>`);
      out.push(`<text x="${left - 6}" y="${(Y(q) + 4).toFixed(1)}" text-anchor="end" fill="#555">${q === 0.999 ? 'p99.9' : q === 0.99 ? 'p99' : q === 0.9 ? 'p90' : `${Math.round(q * 100)}%`}</text>`);
    }
    for (const v of ticks) {
      const x = X(v).toFixed(1);
      out.push(`<line x1="${x}" x2="${x}" y1="${y0}" y2="${y0 + PH}" stroke="#e6e6e6"/>`);
      out.push(`<text x="${x}" y="${y0 + PH + 15}" text-anchor="middle" fill="#555">${v >= 1 ? v : v.toPrecision(1)}</text>`);
    }
    out.push(`<text x="${left + pw / 2}" y="${y0 + PH + 32}" text-anchor="middle" fill="#333">latency per call, ms (log scale, clipped to p0.5–p99.9 of all); y: share of calls ≤ x, linear to 90 %, log tail above</text>`);
    sortedData.forEach((d, si) => {
      const s = d[m];
      if (!s.length) return;
      const pts = [];
      const qs = [];
      for (let k = 0; k <= 360; k++) qs.push((k / 360) * 0.9);
      for (let k = 1; k <= 200; k++) qs.push(1 - 0.1 * 10 ** (-(2 * k) / 200));
      for (const q of qs) {
        pts.push(`${X(quantile(s, q)).toFixed(1)},${Y(q).toFixed(1)}`);
      }
      const color = COLORS[si % COLORS.length];
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${series[si].dash ? ' stroke-dasharray="6 4"' : ''} points="${pts.join(' ')}"/>`);
      const med = quantile(s, 0.5);
      out.push(`<circle cx="${X(med).toFixed(1)}" cy="${Y(0.5).toFixed(1)}" r="3.5" fill="${color}"/>`);
      // Legend with median and p99.
      const ly = y0 + 14 + si * 38;
      const lx = left + pw + 16;
      out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="3"${series[si].dash ? ' stroke-dasharray="6 4"' : ''}/>`);
      out.push(`<text x="${lx + 30}" y="${ly}">${esc(series[si].label)}</text>`);
      out.push(`<text x="${lx + 30}" y="${ly + 15}" fill="#555">median ${med.toFixed(3)} · p99 ${quantile(s, 0.99).toFixed(3)} ms</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
