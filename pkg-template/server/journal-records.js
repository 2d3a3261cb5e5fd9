// The framing of a state file's journal records (see state-file.js): `<length> <8 hex of the
// JSON's SHA-256> <json>\n`, so a record cut short by a kill, or torn, is detected and dropped.
import { createHash } from 'node:crypto';

const NL = 0x0a;
const SP = 0x20;
const check = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 8);

/** One record's bytes. */
export function frameRecord(record) {
  const json = Buffer.from(JSON.stringify(record));
  return Buffer.concat([Buffer.from(`${json.length} ${check(json)} `), json, Buffer.of(NL)]);
}

/** The whole records of a journal's bytes: { records: [{ record, text, end }], good (the byte
 * offset after the last whole record), torn (why the rest was dropped, or null) }. */
export function parseJournal(buf) {
  const records = [];
  let pos = 0;
  const stop = (why) => ({ records, good: pos, torn: `${why} at byte ${pos} of ${buf.length}` });
  while (pos < buf.length) {
    const sp = buf.indexOf(SP, pos);
    if (sp < 0 || sp === pos || sp - pos > 12) return stop('a record without its length');
    const lenText = buf.toString('latin1', pos, sp);
    if (!/^\d+$/.test(lenText)) return stop('a record with a bad length');
    const len = Number(lenText);
    const start = sp + 10;
    const end = start + len;
    if (end >= buf.length || buf[sp + 9] !== SP || buf[end] !== NL) return stop('a record cut short');
    const json = buf.subarray(start, end);
    if (check(json) !== buf.toString('latin1', sp + 1, sp + 9)) return stop('a record whose checksum does not match');
    const text = json.toString('utf8');
    let record;
    try {
      record = JSON.parse(text);
    } catch {
      return stop('a record that is not JSON');
    }
    if (record === null || typeof record !== 'object' || typeof record.k !== 'string') return stop('a record of no kind');
    pos = end + 1;
    records.push({ record, text, end: pos });
  }
  return { records, good: pos, torn: null };
}
