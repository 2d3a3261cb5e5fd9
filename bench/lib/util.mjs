// Small helpers shared by the bench parts (Node and Deno).

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sorted copy (numbers ascending). */
export const sorted = (xs) => Float64Array.from(xs).sort();

/** Quantile q ∈ [0,1] of an ascending array, linear interpolation. */
export function quantile(s, q) {
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const median = (xs) => quantile(sorted(xs), 0.5);
export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** {n, median, p99, p90, mean, min, max} of samples. */
export function summary(xs) {
  const s = sorted(xs);
  return { n: s.length, median: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), mean: mean(s), min: s[0], max: s[s.length - 1] };
}

/** The order of `items` for round r: rotated by r, reversed on odd cycles (ABC, BCA, CAB, CBA, ...). */
export function roundOrder(items, r) {
  const k = r % items.length;
  const rot = items.slice(k).concat(items.slice(0, k));
  return Math.floor(r / items.length) % 2 ? rot.reverse() : rot;
}

/** The 1 KB track_event input (JSON.stringify of it is exactly `bytes` bytes). */
export function trackInput(bytes = 1024) {
  const base = {
    email: 'ada.lovelace@example.com',
    eventName: 'purchaseCompleted',
    createdAt: 1700000000,
    dataFields: {
      orderId: 'ord-000123456',
      total: 129.95,
      currency: 'USD',
      items: [
        { sku: 'sku-1', name: 'Analytical Engine manual', qty: 1, price: 99.95 },
        { sku: 'sku-2', name: 'Punched cards (box of 500)', qty: 2, price: 15 },
      ],
      coupon: null,
      firstPurchase: true,
      note: '',
    },
  };
  const len = new TextEncoder().encode(JSON.stringify(base)).length;
  base.dataFields.note = 'n'.repeat(Math.max(0, bytes - len));
  return base;
}

export const fmt = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
