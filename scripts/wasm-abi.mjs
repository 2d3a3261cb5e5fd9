// What wasm-bindgen is given, for both wasms (scripts/build.mjs, scripts/build-sandbox.mjs), and
// the check of what comes out.
//
// Rust (1.82 and later) marks wasm32 output as using the multivalue feature, and wasm-bindgen then
// rewrites every export that returns more than one value (a string's pointer and length, a
// Result's error) to return them as wasm multi-values instead of through a slot in the wasm's
// stack. Node 20's V8 (11.3) has no generic JS-to-wasm wrapper for multi-value results:
// `new WebAssembly.Module` compiles one such wrapper per distinct signature, eagerly, 0.15–0.3 ms
// each. The client's wasm had 14 of them (the sandbox's 7): its compile took 2.6–3.0 ms in Node 20
// instead of 0.9 ms, a fifth of the start-up budget (bench/diag/PROFILE.md, "Multi-value
// exports"). Engines with the generic wrapper (Node 22, Deno, workerd, browsers) compile it alike
// either way. So the feature is taken out of the module's target_features section before
// wasm-bindgen runs, and wasm-bindgen keeps the stack-slot return it uses for wasm without
// multi-value: the same Rust code, the same results. The builds then check that no export of what
// they ship returns more than one value (multiValueExports).
import { readFileSync, writeFileSync } from 'node:fs';

/** LEB128 (unsigned) of `n`. */
const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};

/** A reader over `b` from `p`: unsigned LEB128 numbers, bytes and names. */
const reader = (b, p) => {
  const r = {
    p,
    u() {
      let n = 0;
      let s = 0;
      let x;
      do {
        if (r.p >= b.length) throw new Error('the wasm ends inside a number');
        x = b[r.p++];
        n += (x & 0x7f) * 2 ** s;
        s += 7;
      } while (x & 0x80);
      return n;
    },
    byte: () => b[r.p++],
    name() {
      const l = r.u();
      const s = b.toString('utf8', r.p, r.p + l);
      r.p += l;
      return s;
    },
  };
  return r;
};

/** The module's sections: { id, start (of the id byte), body (of the contents), end }. */
function sections(b, what) {
  if (b.length < 8 || b.readUInt32LE(0) !== 0x6d736100) throw new Error(`${what} is not a WebAssembly module`);
  const out = [];
  const r = reader(b, 8);
  while (r.p < b.length) {
    const start = r.p;
    const id = r.byte();
    const len = r.u();
    const body = r.p;
    r.p += len;
    if (r.p > b.length) throw new Error(`${what}: section ${id} runs past the end`);
    out.push({ id, start, body, end: r.p });
  }
  return out;
}

/**
 * Writes `inFile` to `outFile` with `feature` left out of its target_features custom section
 * (every other byte as it was). Returns whether the feature was listed.
 */
export function withoutTargetFeature(inFile, outFile, feature) {
  const b = readFileSync(inFile);
  const out = [b.subarray(0, 8)];
  let found = false;
  for (const s of sections(b, inFile)) {
    const r = reader(b, s.body);
    if (s.id !== 0 || r.name() !== 'target_features') {
      out.push(b.subarray(s.start, s.end));
      continue;
    }
    const kept = [];
    for (let n = r.u(); n > 0; n--) {
      const prefix = r.byte();
      const f = r.name();
      if (f === feature) found = true;
      else kept.push(Buffer.from([prefix]), leb(Buffer.byteLength(f)), Buffer.from(f));
    }
    const name = Buffer.from('target_features');
    const payload = Buffer.concat([leb(name.length), name, leb(kept.length / 3), ...kept]);
    out.push(Buffer.from([0]), leb(payload.length), payload);
  }
  writeFileSync(outFile, Buffer.concat(out));
  return found;
}

// i32, i64, f32, f64, v128, funcref, externref: one byte each (what wasm-bindgen emits).
const SIMPLE_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

/** The names of the module's exported functions that return more than one value. */
export function multiValueExports(bytes, what = 'the wasm') {
  const b = Buffer.from(bytes);
  const results = []; // per type index: how many values it returns
  const funcTypes = []; // per function index (imports first): its type index
  const out = [];
  for (const s of sections(b, what)) {
    const r = reader(b, s.body);
    if (s.id === 1) {
      for (let n = r.u(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error(`${what}: a type that is not a function type`);
        const valueTypes = () => {
          const count = r.u();
          for (let i = 0; i < count; i++) {
            const t = r.byte();
            if (!SIMPLE_TYPES.has(t)) throw new Error(`${what}: a value type this check does not read (0x${t.toString(16)})`);
          }
          return count;
        };
        valueTypes(); // parameters
        results.push(valueTypes());
      }
    } else if (s.id === 2) {
      for (let n = r.u(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) funcTypes.push(r.u());
        else if (kind === 1) (r.byte(), r.byte() & 1 ? (r.u(), r.u()) : r.u()); // table: type, limits
        else if (kind === 2) (r.byte() & 1 ? (r.u(), r.u()) : r.u()); // memory: limits
        else if (kind === 3) r.p += 2; // global: type, mutability
        else if (kind === 4) (r.byte(), r.u()); // tag
        else throw new Error(`${what}: an import of unknown kind ${kind}`);
      }
    } else if (s.id === 3) {
      for (let n = r.u(); n > 0; n--) funcTypes.push(r.u());
    } else if (s.id === 7) {
      for (let n = r.u(); n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u();
        if (kind === 0 && results[funcTypes[index]] > 1) out.push(name);
      }
    }
  }
  return out;
}
