// The actions that make Iterable send messages to people (email, SMS, push, in-app, web push,
// WhatsApp), as one declarative list. An entry is an action id, or [id, param]: that action sends
// only when the param is given (create_new_campaign with sendAt schedules a send).
// This list moves into defs/actions.json as a catalog flag ("sends") once the catalog format has
// one; until then the MCP server (./mcp.js) reads it from here, and nowhere else.
export const SENDS = [
  'send_campaign',
  'schedule_campaign',
  'trigger_campaign',
  'activate_triggered_campaign',
  ['create_new_campaign', 'sendAt'],
  'trigger_journey',
  'send_email_to_target',
  'send_sms_to_target',
  'send_push_to_target',
  'send_web_push_to_target',
  'send_inapp_notification_to_target',
  'send_whatsapp_to_target',
  'send_email_template_proof',
  'send_sms_template_proof',
  'send_push_template_proof',
  'send_inapp_template_proof',
  'trigger_double_opt_in',
  'begin_sms_verification',
];

const byId = new Map(SENDS.map((e) => (Array.isArray(e) ? [e[0], e[1]] : [e, null])));

/** Whether an action can send messages to people: true, false, or the name of the param that
 * makes it send. */
export const sendsOf = (a) => (byId.has(a.id) ? byId.get(a.id) ?? true : false);

/** Whether this call sends messages to people. */
export const callSends = (a, args) => {
  const s = sendsOf(a);
  return s === true || (typeof s === 'string' && args?.[s] !== undefined && args?.[s] !== null);
};
