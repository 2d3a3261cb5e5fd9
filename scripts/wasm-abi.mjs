// What wasm-bindgen is given, for both wasms (scripts/build.mjs, scripts/build-sandbox.mjs).
//
// Rust (1.82 and later) marks wasm32 output as using the multivalue feature, and wasm-bindgen then
// rewrites every export that returns more than one value (a string's pointer and length, a
// Result's error) to return them as wasm multi-values instead of through a slot in the wasm's
// stack. V8 before 12 (Node 18, Node 20) has no generic JS-to-wasm wrapper for multi-value
// results: `new WebAssembly.Module` compiles one such wrapper per distinct signature, eagerly,
// 0.15–0.3 ms each. The client's wasm had 14 of them (the sandbox's 7): its compile took 2.6–3.0 ms
// in Node 20 instead of 0.9 ms, a fifth of the start-up budget (bench/diag/PROFILE.md, "Multi-value
// exports"). Engines with the generic wrapper (Deno, workerd, browsers) compile it alike either way. So the feature is
// taken out of the module's target_features section before wasm-bindgen runs, and wasm-bindgen
// keeps the stack-slot return it uses for wasm without multi-value: same Rust code, same results.
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

/**
 * Writes `inFile` to `outFile` with `feature` left out of its target_features custom section
 * (every other byte as it was). Returns whether the feature was listed. Throws on a file that is
 * not a wasm module.
 */
export function withoutTargetFeature(inFile, outFile, feature) {
  const b = readFileSync(inFile);
  if (b.readUInt32LE(0) !== 0x6d736100) throw new Error(`${inFile} is not a WebAssembly module`);
  let p = 8;
  const u = () => {
    let r = 0;
    let s = 0;
    let x;
    do {
      x = b[p++];
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    return r;
  };
  const out = [b.subarray(0, 8)];
  let found = false;
  while (p < b.length) {
    const start = p;
    const id = b[p++];
    const len = u();
    const end = p + len;
    if (id === 0) {
      const nameLen = u();
      const name = b.toString('utf8', p, p + nameLen);
      p += nameLen;
      if (name === 'target_features') {
        const kept = [];
        for (let n = u(); n > 0; n--) {
          const prefix = b[p++];
          const l = u();
          const f = b.toString('utf8', p, p + l);
          p += l;
          if (f === feature) found = true;
          else kept.push(Buffer.concat([Buffer.from([prefix]), leb(l), Buffer.from(f)]));
        }
        const payload = Buffer.concat([leb(nameLen), Buffer.from(name), leb(kept.length), ...kept]);
        out.push(Buffer.from([0]), leb(payload.length), payload);
        p = end;
        continue;
      }
    }
    out.push(b.subarray(start, end));
    p = end;
  }
  writeFileSync(outFile, Buffer.concat(out));
  return found;
}
