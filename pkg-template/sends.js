// What a call sends to people, in words and as lines under a confirmation: shared by the MCP
// server (refusals, elicitation) and the CLI (describe, the prompt before a send). Small and
// import-free, so the CLI's describe can use it without loading the MCP server.

/** When an action makes Iterable send messages to people, in words (from its catalog flags
 * `sends` and `sendsWhen`); null when it never does. */
export const sendsText = (a) =>
  !a.sends ? null : a.sendsWhen ? `Sends messages to people when ${a.sendsWhen.given} is given${a.sendsWhen.unlessFalse ? ` and ${a.sendsWhen.unlessFalse} is not false` : ''}` : 'Sends messages to people';

/** Whether this call (the action and its input) makes Iterable send messages to people. */
export const callSends = (a, input) =>
  !!a.sends && (!a.sendsWhen || (input?.[a.sendsWhen.given] != null && !(a.sendsWhen.unlessFalse && input?.[a.sendsWhen.unlessFalse] === false)));

/** Params naming who receives a send, and the ones that exclude people from it. */
const RECIPIENTS = /^(recipientEmail|recipientUserId|email|userId|listIds?|phoneNumber)$/;
const EXCLUDED = /^suppressionListIds$/;

/** A short "key=value, key=value" of an input (values as JSON unless strings), cut at `max`. */
export function summarizeInput(input, max = 160) {
  const text = Object.entries(input ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** The lines under a confirmation that say what a call will do: for a send, what goes out (the
 * campaign, template, journey ids) and to whom (the recipients the input names, or the audience
 * set in Iterable); otherwise its input. `show` writes part of the input as text. */
export function callLines(input, sends, show = summarizeInput) {
  const given = Object.entries(input ?? {});
  if (!sends) return given.length ? [`  with ${show(input)}`] : [];
  const kind = (k) => (RECIPIENTS.test(k) ? 'to' : EXCLUDED.test(k) ? 'except' : /Ids?$/.test(k) ? 'sends' : 'with');
  const part = (name) => Object.fromEntries(given.filter(([k]) => kind(k) === name));
  const line = (name, fallback) => {
    const p = part(name);
    return Object.keys(p).length ? `  ${(name + ':').padEnd(7)} ${show(p)}` : fallback;
  };
  return [line('sends'), line('to', '  to:     the audience set in Iterable (the input names no recipient)'), line('except'), line('with')].filter(Boolean);
}
