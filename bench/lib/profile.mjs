// Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and per category
// (wasm core, wasm-bindgen glue, api.js, fetch/undici, Node internals, GC, V8 builtins, ...).
//   node bench/lib/profile.mjs FILE.cpuprofile [--top N] [--glue PKG/iterable_wasm.js]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function categorize(cf, viaUndici = false) {
  const { functionName: fn, url } = cf;
  if ((url.startsWith('wasm://') || /^wasm-function|^wasm-to-js|^js-to-wasm/.test(fn)) && viaUndici) return 'undici llhttp (wasm)';
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8/native (unattributed)';
  if (fn === '(root)') return 'root';
  if (url.startsWith('wasm://') || /^\$?func\d+|^wasm-function/.test(fn) || url.endsWith('.wasm')) return 'wasm core (iterable_wasm_bg.wasm)';
  if (/iterable_wasm\.js/.test(url)) return 'wasm-bindgen JS glue (iterable_wasm.js)';
  if (/\/api\.js/.test(url)) return 'api.js (JS surface)';
  if (/snippets\/.*errors\.js/.test(url)) return 'errors.js snippet';
  if (/undici/.test(url)) return 'undici (Node fetch)';
  if (/node_modules\/(axios|zod|@iterable\/api|follow-redirects|form-data|proxy-from-env)/.test(url)) return 'official client (axios/zod)';
  if (/^node:internal\/(http|_http|net|stream|streams|webstreams|url|timers|process|async_hooks|events|buffer|util)/.test(url) || /^node:/.test(url)) return 'Node internals (http/net/streams/url/timers)';
  if (/\/bench\//.test(url)) return 'bench harness';
  if (/^op_inspector|inspector_network_bridge|joinHeaderValuesForCdp/.test(fn) || /inspector_network_bridge/.test(url)) return 'Deno inspector (profiling overhead)';
  if (/^ext:deno_fetch|^ext:deno_net|^ext:deno_http/.test(url) || /^op_fetch/.test(fn)) return 'Deno fetch';
  if (/^ext:deno_web\b|^ext:deno_webidl|^ext:deno_url/.test(url)) return 'Deno web (streams, timers, encoding, webidl)';
  if (/^ext:|^node:/.test(url) || /^op_/.test(fn)) return 'Deno runtime (other ext: / ops)';
  if (url === '') return `V8 builtin: ${fn || '(anonymous)'}`;
  return 'other JS';
}

/**
 * From the glue source: for each wasm-bindgen import shim (`__wbg_<name>_<hash>`), its position
 * (line:column of its `function`, as V8 reports it for a minified, one-line glue) and, for the
 * `new_*` ones, which constructor it calls.
 */
function shimInfo(glueFile) {
  const byPos = new Map();
  const ctorOf = new Map();
  if (!glueFile) return { byPos, ctorOf };
  let text = '';
  try { text = readFileSync(glueFile, 'utf8'); } catch { return { byPos, ctorOf }; }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const posOf = (off) => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (lineStarts[mid] <= off) lo = mid; else hi = mid - 1; }
    return `${lo}:${off - lineStarts[lo]}`;
  };
  for (const m of text.matchAll(/(__wbg_\w+?_[0-9a-f]{16}|__wbindgen_\w+)\s*:\s*(?:r\()?function/g)) {
    const fnOff = m.index + m[0].lastIndexOf('function');
    byPos.set(posOf(fnOff + 'function'.length), m[1]); // V8 reports the column of the '('
    const rest = text.slice(m.index + m[0].length, m.index + 400);
    const end = rest.search(/__wbg_|__wbindgen_/);
    const ctor = /new (\w+)/.exec(end >= 0 ? rest.slice(0, end) : rest);
    if (/^__wbg_new/.test(m[1]) && ctor) ctorOf.set(m[1], `new ${ctor[1]}`);
  }
  return { byPos, ctorOf };
}

export function summarizeProfile(file, { top = 20, glue = null } = {}) {
  const shims = shimInfo(glue);
  // The shim a frame is (by name in an unminified glue, by position in a minified one).
  const shimOf = (cf) => {
    if (!/iterable_wasm\.js/.test(cf.url)) return null;
    if (/^__wbg_|^__wbindgen_/.test(cf.functionName)) return cf.functionName;
    return shims.byPos.get(`${cf.lineNumber}:${cf.columnNumber}`) ?? null;
  };
  const shimLabel = (name) => {
    const short = name.replace(/^__wbg_/, '').replace(/_[0-9a-f]{16}$/, '');
    const known = shims.ctorOf.get(name);
    return known ? `${short} (${known})` : short;
  };
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // A wasm frame belongs to undici's llhttp when the nearest JS caller above it is undici.
  const viaUndici = (id) => {
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame;
      if (cf.url.startsWith('wasm://') || /^wasm-|^js-to-wasm|^wasm-to-js/.test(cf.functionName) || cf.url === '') continue;
      return /undici/.test(cf.url);
    }
    return false;
  };
  const self = new Map();
  const { samples, timeDeltas } = p;
  for (let i = 0; i < samples.length; i++) {
    const dt = (timeDeltas[i + 1] ?? 0) / 1000; // ms spent in sample i
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  // JS imports called from the wasm (wasm-bindgen's __wbg_* shims), inclusive of what they call.
  const imports = new Map();
  const importOf = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame;
      const shim = shimOf(cf);
      if (shim) return shimLabel(shim);
    }
    return null;
  };
  const fnTotals = new Map();
  const catTotals = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const cat = categorize(cf, viaUndici(id));
    if (cat === 'idle') { idle += ms; continue; }
    total += ms;
    const imp = importOf(id);
    if (imp) imports.set(imp, (imports.get(imp) ?? 0) + ms);
    const short = cf.url ? cf.url.replace(/^file:\/\/.*\/(node_modules\/)?/, '').replace(/^node:internal\//, 'node:') : '';
    const shim = shimOf(cf);
    const name = shim && !cf.functionName.startsWith('__wbg') ? `${cf.functionName || '(anonymous)'} = ${shimLabel(shim)}` : cf.functionName || '(anonymous)';
    const key = `${name}\t${short}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    const f = fnTotals.get(key) ?? { ms: 0, cat };
    f.ms += ms;
    fnTotals.set(key, f);
    const catKey = cat.startsWith('V8 builtin') ? 'V8 builtins (JSON, strings, Promise, ...)' : cat;
    catTotals.set(catKey, (catTotals.get(catKey) ?? 0) + ms);
  }
  const fns = [...fnTotals].sort((a, b) => b[1].ms - a[1].ms).slice(0, top).map(([k, v]) => {
    const [name, where] = k.split('\t');
    return { name, where, ms: v.ms, pct: (100 * v.ms) / total, cat: v.cat };
  });
  const cats = [...catTotals].sort((a, b) => b[1] - a[1]).map(([cat, ms]) => ({ cat, ms, pct: (100 * ms) / total }));
  const imps = [...imports].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, ms]) => ({ name, ms, pct: (100 * ms) / total }));
  return { totalMs: total, idleMs: idle, fns, cats, imports: imps };
}

export function profileMarkdown(title, s) {
  const lines = [`#### ${title}`, '', `Busy ${s.totalMs.toFixed(0)} ms (idle ${s.idleMs.toFixed(0)} ms excluded).`, '', '| category | self ms | share |', '|---|---:|---:|'];
  for (const c of s.cats) lines.push(`| ${c.cat} | ${c.ms.toFixed(1)} | ${c.pct.toFixed(1)} % |`);
  lines.push('', '| top self-time function | where | category | self ms | share |', '|---|---|---|---:|---:|');
  for (const f of s.fns) lines.push(`| \`${f.name.replace(/\|/g, '\\|')}\` | ${f.where.replace(/\|/g, '\\|')} | ${f.cat} | ${f.ms.toFixed(1)} | ${f.pct.toFixed(1)} % |`);
  if (s.imports?.length) {
    lines.push('', '| JS import called from the wasm (inclusive) | ms | share |', '|---|---:|---:|');
    for (const f of s.imports) lines.push(`| \`${f.name}\` | ${f.ms.toFixed(1)} | ${f.pct.toFixed(1)} % |`);
  }
  return lines.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--top');
  const g = process.argv.indexOf('--glue');
  const s = summarizeProfile(process.argv[2], { top: i > 0 ? Number(process.argv[i + 1]) : 25, glue: g > 0 ? process.argv[g + 1] : null });
  console.log(profileMarkdown(process.argv[2], s));
}
