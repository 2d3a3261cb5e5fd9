// Compressed bodies, for the runtimes' own attempts (core/undici.js in Node, core/deno-http.js in
// Deno), which receive the bytes as sent: fetch decoded them itself. Bundled into those entries
// only.

let zlib;

/** The decoded bytes of a body sent with `encoding` (last coding applied first), or null when
 * they would pass `max`; an unknown coding is passed through as is (as fetch does). */
export async function decode(body, encoding, max) {
  zlib ??= globalThis.process?.getBuiltinModule?.('node:zlib') ?? (await import('node:zlib'));
  let bytes = body;
  for (const coding of encoding.split(',').map((c) => c.trim()).reverse()) {
    const options = { maxOutputLength: max };
    try {
      if (coding === 'gzip' || coding === 'x-gzip') bytes = zlib.gunzipSync(bytes, options);
      else if (coding === 'deflate') bytes = bytes[0] === 0x78 ? zlib.inflateSync(bytes, options) : zlib.inflateRawSync(bytes, options);
      else if (coding === 'br') bytes = zlib.brotliDecompressSync(bytes, options);
    } catch (e) {
      if (e?.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) return null;
      throw e;
    }
  }
  return bytes.length > max ? null : bytes;
}
