// The CLI, driven as a subprocess (`node pkg/cli.cjs …` (the bin), and `deno run -A pkg/cli.cjs …`;
// pkg/cli.js, its ES module entry, in the no-wasm copy below) against a
// fake Iterable on 127.0.0.1 (tests/cli/fake-iterable.mjs) and the sandbox emulator when the
// build has it. Run: node --test tests/cli/cli.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFake, LISTS, EXPORT_FILES, DEEP_BODY } from './fake-iterable.mjs';
import { CLI, DENO, KEY, PKG_DIR, ROOT, run, catalog, sandboxBuilt } from './helpers.mjs';
import { packAndInstall, waitForPkg } from '../support/install.mjs';

let srv;
let actions;
let tmp;
let env;

before(async () => {
  waitForPkg();
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  srv = await startFake();
  actions = await catalog();
  tmp = mkdtempSync(join(tmpdir(), 'iterable-cli-'));
  env = { ITERABLE_BASE_URL: srv.url };
});

after(async () => {
  await srv?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const lastLine = (s) => s.trim().split('\n').at(-1);

describe('help and listing', () => {
  test('--help on every command, exit 0; no command: usage on stderr, exit 2', async () => {
    for (const args of [['--help'], ['help'], ['actions', '--help'], ['describe', '--help'], ['run', '--help'], ['bulk', '--help'], ['export', '--help'], ['mcp', '--help'], ['sandbox', '--help'], ['help', 'bulk'], ['completion', '--help'], ['help', 'completion']]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: iterable-wasm/, args.join(' '));
    }
    const perAction = await run(['track_event', '--help']);
    assert.equal(perAction.code, 0);
    assert.match(perAction.stdout, /track_event/);
    assert.match(perAction.stdout, /eventName/);
    assert.match(perAction.stdout, /--dry-run/);
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: iterable-wasm/);
    assert.equal(none.stdout, '');
  });

  test('listing, help, describe, completion and "did you mean" read cli/catalog.jsonl, never the wasm', async () => {
    // The data file agrees with the package: line 1 the index, then each whole entry in order.
    const lines = readFileSync(join(PKG_DIR, 'cli', 'catalog.jsonl'), 'utf8').trimEnd().split('\n');
    const index = JSON.parse(lines[0]);
    assert.deepEqual(index.map((a) => a.id), actions.map((a) => a.id));
    assert.deepEqual(lines.slice(1).map((l) => JSON.parse(l)), JSON.parse(JSON.stringify(actions)));
    for (const [i, a] of actions.entries()) {
      for (const k of ['methodName', 'title', 'resource', 'method', 'path', 'response', 'irreversible', 'bulk']) assert.deepEqual(index[i][k], a[k], `${a.id}.${k}`);
      assert.deepEqual(index[i].required, a.inputSchema.required, `${a.id}.required`);
    }
    // A copy of the package without its wasm, its inline copy or its Node entry: those commands
    // still answer in full; a command that calls the API is the one that needs them.
    const copy = join(tmp, 'no-wasm');
    cpSync(PKG_DIR, copy, { recursive: true });
    for (const f of ['iterable_wasm_bg.wasm', 'iterable_wasm_bg.inline.js', 'index.node.js', 'iterable_wasm.js']) rmSync(join(copy, f));
    const bare = (args, o = {}) => run(args, { ...o, command: (a) => [process.execPath, [join(copy, 'cli.js'), ...a]] });
    for (const args of [['--help'], ['actions'], ['actions', 'users'], ['actions', '--json'], ['describe', 'track_event'], ['describe', 'track_event', '--json'], ['users', '--help'], ['users', 'get', '--help'], ['track_event', '--help'], ['completion', 'bash'], ['help', 'lists']]) {
      const r = await bare(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, (await run(args)).stdout, args.join(' '));
    }
    const typo = await bare(['trak_event']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /did you mean track_event\?/);
    const call = await bare(['list_lists'], { env });
    assert.notEqual(call.code, 0, 'a call needs the package entry');
  });

  test('every help text fits 80 columns: --help, each command\'s, each resource\'s and resource command\'s, describe of every action', async () => {
    const wide = [];
    const check = (what, text) => {
      for (const line of text.split('\n')) if ([...line].length > 80) wide.push(`${what}: ${line}`);
    };
    const { HELP } = await import(join(PKG_DIR, 'cli/help.cjs'));
    const topics = Object.keys(HELP).filter((t) => t !== 'main');
    assert.ok(topics.length >= 9, topics.join());
    for (const args of [['--help'], ['help'], ...topics.map((t) => ['help', t]), ...topics.map((t) => [t, '--help']), ['actions'], ['users', '--help'], ['users', 'get', '--help'], ['lists', 'delete', '--help'], ['track_event', '--help']]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      check(args.join(' '), r.stdout);
    }
    // Every action's describe, and every resource's and resource command's help, in process.
    const { describeText } = await import(join(PKG_DIR, 'cli/describe.js'));
    const { catalogActions, catalogEntry } = await import(join(PKG_DIR, 'cli/catalog.cjs'));
    const { resourceTable } = await import(join(PKG_DIR, 'cli/find.js'));
    const { resourceHelpText } = await import(join(PKG_DIR, 'cli/resource.js'));
    for (const a of catalogActions()) check(`describe ${a.id}`, describeText(catalogEntry(a.id)));
    let commands = 0;
    for (const r of resourceTable(catalogActions()).values()) {
      check(`${r.name} --help`, resourceHelpText(r));
      for (const c of r.commands.keys()) {
        check(`${r.name} ${c} --help`, resourceHelpText(r, c));
        commands++;
      }
    }
    assert.ok(commands >= actions.length, `${commands} resource commands`);
    assert.deepEqual(wide, []);
  });

  test('--version prints the package version, and --help lists it', async () => {
    assert.match((await run(['--help'])).stdout, /^  --version, -V +the package version$/m);
    const r = await run(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')).version);
  });

  test('the package declares the bin and the file has a node shebang', () => {
    const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));
    assert.equal(manifest.bin['iterable-wasm'], './cli.cjs');
    assert.ok(manifest.files.includes('cli.cjs') && manifest.files.includes('cli.js') && manifest.files.includes('mcp.js'));
    assert.deepEqual(manifest.exports['./mcp'], { types: './mcp.d.ts', default: './mcp.js' });
    for (const f of ['cli.cjs', 'cli.js']) assert.ok(readFileSync(join(PKG_DIR, f), 'utf8').startsWith('#!/usr/bin/env node\n'), f);
    assert.equal(CLI, join(PKG_DIR, 'cli.cjs'), 'these tests run the bin');
  });

  test('actions: every action, grouped by resource, sorted, within 80 columns, filterable; --json gives the same set', async () => {
    const r = await run(['actions']);
    assert.equal(r.code, 0, r.stderr);
    for (const a of actions) assert.match(r.stdout, new RegExp(`^  ${a.id} +${a.method} `, 'm'));
    assert.match(r.stdout, /^  delete_list +DELETE +!/m);
    assert.match(r.stdout, /^  track_events_in_bulk +POST +.b/m);
    assert.match(r.stdout, /^  list_all_campaigns +GET +..p/m);
    assert.doesNotMatch(r.stdout, /^  list_lists +GET +..p/m, 'only actions --all pages through are marked p');
    for (const line of r.stdout.split('\n')) assert.ok([...line].length <= 80, `wider than 80: ${line}`);
    // Sorted within each group, groups sorted.
    const groups = r.stdout.split('\n\n').slice(1, -1);
    const names = groups.map((g) => g.split(' ')[0]);
    assert.deepEqual(names, [...names].sort());
    for (const g of groups) {
      const ids = g.split('\n').slice(1).map((l) => l.trim().split(' ')[0]);
      assert.deepEqual(ids, [...ids].sort(), g.split('\n')[0]);
    }
    const users = await run(['actions', 'users']);
    const usersIds = actions.filter((a) => a.resource === 'users').map((a) => a.id);
    const shownIds = users.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(' ')[0]);
    for (const id of usersIds) assert.ok(shownIds.includes(id), id);
    assert.ok(shownIds.every((id) => usersIds.includes(id) || id.includes('users')), 'the resource, and ids that name it');
    const user = await run(['actions', 'user']);
    assert.match(user.stdout, /^  get_user_events +GET/m);
    assert.doesNotMatch(user.stdout, /^  list_channels/m);
    const none = await run(['actions', 'zzzz']);
    assert.equal(none.code, 2);
    const j = await run(['actions', '--json']);
    assert.equal(j.code, 0);
    const list = JSON.parse(j.stdout);
    assert.deepEqual(list.map((a) => a.id).sort(), actions.map((a) => a.id).sort());
    const del = list.find((a) => a.id === 'delete_list');
    assert.equal(del.irreversible, true);
    assert.equal(del.method, 'DELETE');
    assert.equal(list.find((a) => a.id === 'list_lists').read, true);
    assert.equal(list.find((a) => a.id === 'track_events_in_bulk').bulk, true);
  });

  test('describe shows description, params with types, required groups, schema and flags', async () => {
    const r = await run(['describe', 'cancel_email']);
    assert.equal(r.code, 0, r.stderr);
    const entry = actions.find((a) => a.id === 'cancel_email');
    assert.match(r.stdout, /POST \/api\/email\/cancel/);
    assert.ok(r.stdout.includes(entry.description.split(' ').slice(0, 6).join(' ')));
    assert.match(r.stdout, /scheduledMessageId +integer \(int64\) +one of group 1, in body/);
    assert.match(r.stdout, /email +string +one of group 2, in body/);
    assert.match(r.stdout, /Required groups[^\n]*\n +scheduledMessageId \| campaignId\n +scheduledMessageId \| email \| userId/);
    assert.match(r.stdout, /Flags: irreversible; idempotent/);
    assert.match(r.stdout, /Example:\n  iterable-wasm cancel_email scheduledMessageId=123 --yes\n/);
    assert.ok(r.stdout.length < 2500, `short: ${r.stdout.length} characters`);
    assert.doesNotMatch(r.stdout, /"\$schema"/, 'no JSON Schema dump without --json');
    // values' rules, nested shapes and the rules between params
    const x = await run(['describe', 'export_data_to_csv']);
    assert.match(x.stdout, /Rules between params:\n +exactly one of range, startDateTime\n +startDateTime and endDateTime together or not at all/);
    const p = await run(['describe', 'upsert_push_template']);
    assert.match(p.stdout, /buttons +array of object +optional, in body\n.*\n +rules: at most 3 items\n +identifier +string +required/);
    assert.match(p.stdout, /buttonType +string +optional\n +values: default, destructive, textInput/);
    const t = await run(['describe', 'track_event']);
    assert.match(t.stdout, /rules: at most 512 bytes \(UTF-8\)/);
    assert.match(t.stdout, /preferably one of email, userId/);
    const d = await run(['describe', 'delete_list']);
    assert.match(d.stdout, /listId +integer \(int64\) +required, in path/);
    assert.match(d.stdout, /iterable-wasm delete_list 123 --yes/);
    // Every enum value; a one-param "one of" group is simply required.
    const csv = await run(['describe', 'export_data_to_csv']);
    for (const v of actions.find((a) => a.id === 'export_data_to_csv').inputSchema.properties.dataTypeName.enum) assert.match(csv.stdout, new RegExp(`\\b${v}\\b`));
    const byEmail = await run(['describe', 'get_user_by_email']);
    assert.match(byEmail.stdout, /email +string +required, in query/);
    assert.doesNotMatch(byEmail.stdout, /Required groups/);
    assert.match(byEmail.stdout, /iterable-wasm get_user_by_email ada@example\.com\n/);
    const j = await run(['describe', 'track_event', '--json']);
    assert.deepEqual(JSON.parse(j.stdout), JSON.parse(JSON.stringify(actions.find((a) => a.id === 'track_event'))));
    const unknown = await run(['describe', 'no_such_action']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown action "no_such_action"/);
  });
});

describe('running actions against a local server', () => {
  test('a read prints JSON: compact when piped, pretty with --pretty; the key goes in Api-Key', async () => {
    srv.reset();
    const r = await run(['list_lists'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, JSON.stringify({ lists: LISTS }) + '\n');
    assert.equal(r.stderr, '');
    const [req] = srv.apiRequests();
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/api/lists');
    assert.equal(req.headers['api-key'], KEY);
    const p = await run(['list_lists', '--pretty'], { env });
    // Pretty is for people: epoch-millisecond dates shown as dates (json keeps them raw).
    const readable = { lists: LISTS.map((l) => ({ ...l, createdAt: new Date(l.createdAt).toISOString().replace('T', ' ').replace('.000Z', 'Z') })) };
    assert.equal(p.stdout, JSON.stringify(readable, null, 2) + '\n');
  });

  test('--output json|pretty|table|jsonl and --columns, in a pipe', async () => {
    const out = async (...args) => {
      const r = await run(['list_lists', ...args], { env });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(await out('--output', 'json'), JSON.stringify({ lists: LISTS }) + '\n');
    assert.equal(await out('-o', 'jsonl'), LISTS.map((l) => JSON.stringify(l) + '\n').join(''));
    assert.equal(await out('-o', 'jsonl', '--columns', 'id,name'), LISTS.map((l) => JSON.stringify({ id: l.id, name: l.name }) + '\n').join(''));
    assert.equal(await out('-o', 'table'), [
      'id  name        createdAt             listType',
      '10  Newsletter  2023-11-14 22:13:20Z  Standard',
      '11  VIP         2023-11-14 22:13:21Z  Standard',
      '',
    ].join('\n'));
    assert.equal(await out('-o', 'table', '--columns', 'name,id'), 'name        id\nNewsletter  10\nVIP         11\n');
    assert.doesNotMatch(await out('-o', 'pretty'), /\x1b\[/, 'no colour in a pipe');
    const bad = await run(['list_lists', '-o', 'yaml'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--output must be one of json, pretty, table, jsonl/);
    const cols = await run(['list_lists', '--columns', 'id'], { env });
    assert.match(cols.stderr, /--columns goes with --output table or --output jsonl/);
    const acts = await run(['actions', 'lists', '-o', 'jsonl', '--columns', 'id,method']);
    assert.ok(acts.stdout.trim().split('\n').every((l) => Object.keys(JSON.parse(l)).join() === 'id,method'));
  });

  test('colour and pretty output on a terminal only; NO_COLOR honoured', async () => {
    const tty = (args) => ['script', ['-qec', [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' '), '/dev/null']];
    const colour = await run(['list_lists'], { env: { ...env, NO_COLOR: undefined }, command: tty });
    assert.equal(colour.code, 0, colour.stdout);
    assert.match(colour.stdout, /\x1b\[36m"lists"\x1b\[0m/);
    const plain = await run(['list_lists'], { env: { ...env, NO_COLOR: '1' }, command: tty });
    assert.doesNotMatch(plain.stdout, /\x1b\[3/);
    assert.match(plain.stdout, /"createdAt": "2023-11-14 22:13:20Z"/);
  });

  test('a text result: one JSON string in a pipe (| jq . reads it), one a line in jsonl, as sent with --raw or pretty', async () => {
    const r = await run(['get_list_size', 'listId=10'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '"2"\n');
    assert.equal(JSON.parse(r.stdout), '2');
    for (const [args, want] of [[['-o', 'json'], '"2"\n'], [['-o', 'jsonl'], '"2"\n'], [['--raw'], '2\n'], [['-o', 'pretty'], '2\n'], [['-o', 'table'], '2\n']]) {
      const x = await run(['get_list_size', 'listId=10', ...args], { env });
      assert.equal(x.code, 0, x.stderr);
      assert.equal(x.stdout, want, args.join(' '));
    }
  });

  test('a write: key=value coerced by the schema, key:=json, --input JSON and @file merged', async () => {
    srv.reset();
    const r = await run(['track_event', 'email=ada@example.com', 'eventName=signedUp', 'createdAt=1700000000', 'dataFields:={"plan":"pro","seats":3}'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { msg: 'Event with id: 1 tracked.', code: 'Success', params: null });
    let [req] = srv.apiRequests();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/events/track');
    assert.deepEqual(req.body, { email: 'ada@example.com', eventName: 'signedUp', createdAt: 1700000000, dataFields: { plan: 'pro', seats: 3 } });

    srv.reset();
    const file = join(tmp, 'user.json');
    writeFileSync(file, JSON.stringify({ email: 'grace@example.com', dataFields: { a: 1 } }));
    const f = await run(['update_user', '--input', `@${file}`, 'mergeNestedObjects=true'], { env });
    assert.equal(f.code, 0, f.stderr);
    [req] = srv.apiRequests();
    assert.deepEqual(req.body, { email: 'grace@example.com', dataFields: { a: 1 }, mergeNestedObjects: true });

    srv.reset();
    const piped = await run(['update_user', '--input', '-'], { env, stdin: '{"email":"stdin@example.com"}' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.deepEqual(srv.apiRequests()[0].body, { email: 'stdin@example.com' });

    srv.reset();
    const inline = await run(['update_user', '--input', '{"userId":"42"}', 'preferUserId=false'], { env });
    assert.equal(inline.code, 0, inline.stderr);
    [req] = srv.apiRequests();
    assert.deepEqual(req.body, { userId: '42', preferUserId: false });
  });

  test('--dry-run prints method, URL, headers and body with the key redacted, and sends nothing', async () => {
    srv.reset();
    const r = await run(['archive_campaigns', 'campaignIds=1,2,3', '--dry-run'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^POST ${srv.url}/api/campaigns/archive$`, 'm'));
    assert.match(r.stdout, /^api-key: \[REDACTED\]$/m);
    assert.match(r.stdout, /^content-type: application\/json$/m);
    assert.ok(!r.stdout.includes(KEY));
    const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('\n\n') + 2));
    assert.deepEqual(body, { campaignIds: [1, 2, 3] });
    assert.equal(srv.requests.length, 0, 'nothing reached the server');

    const j = await run(['get_user_events', 'userId=u 1', 'limit=5', '--dry-run', '--json', '--region', 'eu'], { env: { ITERABLE_BASE_URL: undefined } });
    assert.equal(j.code, 0, j.stderr);
    const captured = JSON.parse(j.stdout);
    assert.equal(captured.method, 'GET');
    assert.equal(captured.url, 'https://api.eu.iterable.com/api/events/byUserId/u%201?limit=5');
    assert.equal(captured.headers['api-key'], '[REDACTED]');
    assert.equal(captured.body, undefined);

    // A JWT-style Authorization header would be redacted the same way; and no key at all is fine.
    const nokey = await run(['track_event', 'userId=1', 'eventName=x', '--dry-run'], { env: { ITERABLE_API_KEY: undefined } });
    assert.equal(nokey.code, 0, nokey.stderr);
    assert.match(nokey.stdout, /api-key: \[REDACTED\]/);
  });

  test('irreversible actions: refused without --yes when there is no terminal, run with --yes', async () => {
    srv.reset();
    const refused = await run(['delete_list', 'listId=10'], { env });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^iterable-wasm: ConfirmationRequired: delete_list is irreversible: pass --yes/);
    assert.equal(srv.requests.length, 0);
    const ok = await run(['delete_list', 'listId=10', '--yes'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { msg: 'List 10 deleted', code: 'Success', params: null });
    assert.deepEqual(srv.apiRequests().map((r) => `${r.method} ${r.path}`), ['DELETE /api/lists/10']);
  });

  test('irreversible actions ask on a terminal: "n" sends nothing, "y" runs', async () => {
    let hasScript = true;
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
    } catch {
      hasScript = false;
    }
    assert.ok(hasScript, 'util-linux script(1) is needed to give the CLI a terminal');
    const shell = (answer) => (args) => ['script', ['-qec', [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' '), '/dev/null']];
    srv.reset();
    const no = await run(['delete_list', 'listId=11'], { env, stdin: 'n\n', command: shell('n') });
    // The prompt names exactly what will be deleted.
    assert.match(no.stdout, /Delete a list: DELETE \/api\/lists\/11\r?\n +with listId=11\r?\nThis is irreversible \(delete_list\)\. Run it\? \[y\/N\]/);
    assert.match(no.stdout, /Cancelled: not confirmed; nothing was sent/);
    assert.equal(no.code, 1);
    assert.equal(srv.requests.length, 0);
    const yes = await run(['delete_list', 'listId=11'], { env, stdin: 'y\n', command: shell('y') });
    assert.equal(yes.code, 0, yes.stdout);
    assert.match(yes.stdout, /\{\r?\n  "msg": "List 11 deleted",\r?\n/, 'pretty JSON on a terminal');
    assert.deepEqual(srv.apiRequests().map((r) => `${r.method} ${r.path}`), ['DELETE /api/lists/11']);
  });
});

describe('sends: asked for on a terminal, --yes without one', () => {
  const onTerminal = (args) => ['script', ['-qec', [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' '), '/dev/null']];

  test('piped: a send needs --yes (nothing sent without it); an input that does not send runs as is', async () => {
    srv.reset();
    const refused = await run(['send_email_to_target', 'campaignId=5', 'recipientEmail=ada@example.com'], { env });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^iterable-wasm: ConfirmationRequired: send_email_to_target is irreversible and sends messages to people: pass --yes to run it without a terminal to confirm on/);
    const activate = await run(['activate_triggered_campaign', 'campaignId=4'], { env });
    assert.equal(activate.code, 2);
    assert.match(activate.stderr, /^iterable-wasm: ConfirmationRequired: activate_triggered_campaign sends messages to people: pass --yes/);
    const blast = await run(['create_new_campaign', 'name=blast', 'templateId=2', 'listIds=1,2'], { env });
    assert.match(blast.stderr, /create_new_campaign sends messages to people: pass --yes/);
    assert.equal(srv.requests.length, 0, 'nothing was sent');
    const ok = await run(['send_email_to_target', 'campaignId=5', 'recipientEmail=ada@example.com', '--yes'], { env });
    assert.doesNotMatch(ok.stderr, /ConfirmationRequired/);
    // A triggered campaign (no listIds) and a blast created unscheduled send nothing: no question.
    const triggered = await run(['create_new_campaign', 'name=t', 'templateId=2'], { env });
    const draft = await run(['create_new_campaign', 'name=d', 'templateId=2', 'listIds=1', 'scheduleSend=false'], { env });
    for (const r of [triggered, draft]) assert.doesNotMatch(r.stderr, /ConfirmationRequired/);
    assert.deepEqual(srv.apiRequests().map((r) => `${r.method} ${r.path}`), ['POST /api/email/target', 'POST /api/campaigns/create', 'POST /api/campaigns/create']);
    assert.deepEqual(srv.apiRequests()[0].body, { campaignId: 5, recipientEmail: 'ada@example.com' });
  });

  test('on a terminal the prompt shows what goes out and to whom; "n" sends nothing, "y" sends', async () => {
    srv.reset();
    const args = ['send_sms_to_target', 'campaignId=77', 'recipientUserId=u-1', 'dataFields={"code":"A1"}'];
    const no = await run(args, { env, stdin: 'n\n', command: onTerminal });
    assert.match(no.stdout, /Send SMS to Target: POST \/api\/sms\/target\r?\n  sends:  campaignId=77\r?\n  to:     recipientUserId=u-1\r?\n  with:   dataFields=\{"code":"A1"\}\r?\nThis is irreversible and sends messages to people \(send_sms_to_target\)\. Run it\? \[y\/N\]/);
    assert.match(no.stdout, /Cancelled: not confirmed; nothing was sent/);
    assert.equal(no.code, 1);
    assert.equal(srv.requests.length, 0);
    // The campaign's own audience when the input names nobody; the id as the command resolved it.
    const act = await run(['campaigns', 'activate-triggered', '31'], { env, stdin: 'n\n', command: onTerminal });
    assert.match(act.stdout, /POST \/api\/campaigns\/activateTriggered\r?\n  sends:  campaignId=31\r?\n  to:     the audience set in Iterable \(the input names no recipient\)\r?\nThis sends messages to people \(activate_triggered_campaign\)\. Run it\? \[y\/N\]/);
    assert.equal(srv.requests.length, 0);
    const yes = await run(args, { env, stdin: 'y\n', command: onTerminal });
    assert.doesNotMatch(yes.stdout, /Cancelled/);
    assert.deepEqual(srv.apiRequests().map((r) => `${r.method} ${r.path}`), ['POST /api/sms/target']);
  });
});

describe('finding commands', () => {
  test('ids, method names, hyphens and any case resolve; typos get "did you mean"', async () => {
    for (const name of ['trackEvent', 'track-event', 'TRACK_EVENT', 'Track-Event']) {
      const r = await run(['describe', name]);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout, /^track_event — /, name);
    }
    for (const [typo, want] of [['trak_event', 'track_event'], ['get_user_by_emial', 'get_user_by_email'], ['trackEvnet', 'track_event'], ['list_list', 'list_lists']]) {
      const r = await run([typo]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`did you mean [^?]*\\b${want}\\b`), `${typo}: ${r.stderr}`);
    }
    const res = await run(['usr', 'get', 'x']);
    assert.match(res.stderr, /did you mean users\?/);
    const helpRes = await run(['help', 'users']);
    assert.equal(helpRes.code, 0);
    assert.match(helpRes.stdout, /^Usage: iterable-wasm users <command>/);
    const sub = await run(['users', 'gte']);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /users has no command "gte" \(did you mean get\b/);
  });

  test('a bare value fills the one required id; resource commands with a smart "get"', async () => {
    srv.reset();
    const dry = (args) => run([...args, '--dry-run', '--json']).then((r) => (assert.equal(r.code, 0, r.stderr), JSON.parse(r.stdout)));
    assert.equal((await dry(['get_user_by_email', 'ada@example.com'])).url, 'https://api.iterable.com/api/users/getByEmail?email=ada%40example.com');
    assert.equal((await dry(['users', 'get', 'ada@example.com'])).url, 'https://api.iterable.com/api/users/getByEmail?email=ada%40example.com');
    assert.equal((await dry(['users', 'get', 'u-42'])).url, 'https://api.iterable.com/api/users/byUserId?userId=u-42');
    assert.equal((await dry(['users', 'get', 'email=x@example.com'])).url, 'https://api.iterable.com/api/users/getByEmail?email=x%40example.com');
    assert.equal((await dry(['lists', 'delete', '12'])).url, 'https://api.iterable.com/api/lists/12');
    assert.equal((await dry(['user', 'get-by-id', 'u-1'])).url, 'https://api.iterable.com/api/users/byUserId?userId=u-1');
    const two = await run(['get_user_by_email', 'a@example.com', 'b@example.com', '--dry-run']);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /expected key=value, got "b@example.com" \(email is already given\)/);
    const help = await run(['users', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^  get +by the argument: get_user_by_id or\s+get_user_by_email$/m);
    assert.match(help.stdout, /^  delete-by-email +! Delete User By Email/m);
    const getHelp = await run(['users', 'get', '--help']);
    assert.match(getHelp.stdout, /^  iterable-wasm users get ada@example\.com$/m);
    assert.match(getHelp.stdout, /an email address \(or email=…\) runs get_user_by_email/);
    const cmdHelp = await run(['lists', 'delete', '--help']);
    assert.match(cmdHelp.stdout, /^  iterable-wasm lists delete 123 --yes$/m);
    assert.equal(srv.requests.length, 0);
  });

  test('users get works against the sandbox', async (t) => {
    if (!(await sandboxBuilt())) return t.skip('no sandbox in this build');
    const state = join(tmp, 'users-get.json');
    const sb = (args) => run([...args, '--sandbox', '--state', state]);
    const w = await sb(['update_user', 'email=ada@example.com', 'dataFields:={"plan":"pro"}']);
    assert.equal(w.code, 0, w.stderr);
    const g = await sb(['users', 'get', 'ada@example.com']);
    assert.equal(g.code, 0, g.stderr);
    assert.equal(JSON.parse(g.stdout).user.dataFields.plan, 'pro');
    // A plain-text result (one email a line): in a pipe one JSON string (`| jq -r .` gives the
    // text), as JSON lines with -o jsonl, as sent with --raw.
    const list = JSON.parse((await sb(['create_new_list', 'name=Members'])).stdout).listId;
    const sub = await sb(['subscribe_to_list', `listId=${list}`, 'subscribers:=[{"email":"ada@example.com"},{"email":"bo@example.com"}]']);
    assert.equal(sub.code, 0, sub.stderr);
    const piped = await sb(['list_list_users', String(list)]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.deepEqual(JSON.parse(piped.stdout).trim().split('\n').sort(), ['ada@example.com', 'bo@example.com']);
    const raw = await sb(['list_list_users', String(list), '--raw']);
    assert.deepEqual(raw.stdout.trim().split('\n').sort(), ['ada@example.com', 'bo@example.com']);
    const lines = await sb(['list_list_users', String(list), '-o', 'jsonl', '--quiet']);
    assert.equal(lines.code, 0, lines.stderr);
    assert.deepEqual(lines.stdout.trim().split('\n').map((l) => JSON.parse(l)).sort(), ['ada@example.com', 'bo@example.com']);
  });
});

describe('input that behaves', () => {
  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  /** Runs the CLI on a pseudo-terminal (util-linux script); stdin is typed into it. */
  const onTerminal = (args) => ['script', ['-qec', [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' '), '/dev/null']];

  test('help never prints an Object.prototype member; version, -V', async () => {
    for (const topic of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await run(['help', topic]);
      assert.equal(r.code, 2, topic);
      assert.match(r.stderr, new RegExp(`unknown action "${topic.replace(/_/g, '_')}"`));
      assert.doesNotMatch(r.stdout + r.stderr, /native code|\[object/);
    }
    const version = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')).version;
    for (const args of [['-V'], ['--version'], ['version']]) {
      const r = await run(args);
      assert.equal(r.stdout.trim(), version, args.join(' '));
    }
    const c = await run(['list_lists', '--compact']);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /unknown option --compact/);
  });

  test('an option of another command is an error naming the commands it belongs to; nothing is sent', async () => {
    srv.reset();
    const f = await run(['create_new_list', '--file', join(tmp, 'missing.json')], { env });
    assert.equal(f.code, 2);
    assert.match(f.stderr, /--file does not apply to running an action; it belongs to: bulk/);
    const c = await run(['list_lists', '--concurrency', '3'], { env });
    assert.equal(c.code, 2);
    assert.match(c.stderr, /--concurrency does not apply .* it belongs to: bulk/);
    const p = await run(['actions', '--port', '1'], { env });
    assert.match(p.stderr, /--port does not apply to actions; it belongs to: sandbox, mcp/);
    const y = await run(['describe', 'track_event', '--yes']);
    assert.match(y.stderr, /--yes does not apply to describe; it belongs to: <action>, bulk/);
    assert.equal(srv.requests.length, 0);
  });

  test('--input - reads a pipe, and a terminal (hint, ended by Ctrl-D)', { skip: !hasScript && 'script(1) missing' }, async () => {
    srv.reset();
    const piped = await run(['track_event', '--input', '-'], { env, stdin: '{"email":"a@example.com","eventName":"Piped"}' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /terminal/);
    const tty = await run(['track_event', '--input', '-'], { env, stdin: '{"email":"a@example.com","eventName":"Typed"}\n\x04', command: onTerminal });
    assert.equal(tty.code, 0, tty.stdout);
    assert.match(tty.stdout, /reading --input from the terminal; end with Ctrl-D/);
    assert.doesNotMatch(tty.stdout, /EAGAIN/);
    assert.deepEqual(srv.apiRequests().map((q) => q.body?.eventName), ['Piped', 'Typed']);
    const bulk = await run(['bulk', 'track_events_in_bulk', '--file', '-'], { env, stdin: '{"email":"a@example.com","eventName":"e"}\n\x04', command: onTerminal });
    assert.equal(bulk.code, 0, bulk.stdout);
    assert.match(bulk.stdout, /reading --file from the terminal/);
  });

  test('bulk on a terminal asks naming the item count and the file; "n" sends nothing', { skip: !hasScript && 'script(1) missing' }, async () => {
    srv.reset();
    const file = join(tmp, 'items-to-delete.jsonl');
    writeFileSync(file, '"a"\n"b"\n"c"\n');
    const no = await run(['bulk', 'delete_catalog_items', '--file', file, 'catalogName=shoes'], { env, stdin: 'n\n', command: onTerminal });
    assert.equal(no.code, 1, no.stdout);
    assert.match(no.stdout, new RegExp(`3 items from ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} through delete_catalog_items \\([^)]*\\) with catalogName=shoes`));
    assert.match(no.stdout, /Run it\? \[y\/N\]/);
    assert.equal(srv.requests.length, 0);
  });

  test('bulk progress on a terminal: what is under way from the start, then the time so far every second', { skip: !hasScript && 'script(1) missing' }, async () => {
    srv.reset();
    const file = join(tmp, 'slow-events.jsonl');
    writeFileSync(file, '{"email":"a@example.com","eventName":"slow"}\n{"email":"b@example.com","eventName":"e"}\n');
    const r = await run(['bulk', 'track_events_in_bulk', '--file', file, '-o', 'json'], { env, command: onTerminal });
    assert.equal(r.code, 0, r.stdout);
    const lines = r.stdout.split(/\r|\n/).map((l) => l.replace(/\x1b\[2K/g, '').trim()).filter(Boolean);
    const reading = lines.findIndex((l) => l.startsWith(`track_events_in_bulk: reading ${file}`));
    const sending = lines.findIndex((l) => /^track_events_in_bulk: sending 2 items… \d+\.\d s$/.test(l));
    assert.ok(reading >= 0 && sending > reading, lines.join('\n'));
    // The request waits 3 s: the line moved on with the time while it was in flight.
    assert.ok(lines.some((l) => /^track_events_in_bulk: sending 2 items… [1-9]\d*\.\d s$/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^track_events_in_bulk: 2 items in 1 request: 2 succeeded, 0 failed \(\d+\.\d s\)$/.test(l)), lines.join('\n'));
  });

  test('a 200,000-item bulk on a terminal: an update at once, the count while the file is read, the plan before the first request', { skip: !hasScript && 'script(1) missing' }, async () => {
    srv.reset();
    const file = join(tmp, 'events-200k.jsonl');
    const N = 200_000;
    writeFileSync(file, Array.from({ length: N }, (_, i) => `{"email":"u${i}@example.com","eventName":"e"}\n`).join(''));
    const r = await run(['bulk', 'track_events_in_bulk', '--file', file, '-o', 'json', '--concurrency', '8'], { env, command: onTerminal, timeoutMs: 240_000 });
    assert.equal(r.code, 0, r.stdout.slice(-2000));
    const lines = r.stdout.split(/\r|\n/).map((l) => l.replace(/\x1b\[2K/g, '').trim()).filter((l) => l.startsWith('track_events_in_bulk: '));
    const shown = lines.slice(0, 8).join('\n');
    // The first update is printed as the command starts (its time: 0.0 s), before the file is read.
    assert.match(lines[0], /^track_events_in_bulk: reading .*events-200k\.jsonl… 0\.\d s$/, shown);
    // While the file is read (8.5 MB, some 35 pieces): the items so far, from the first piece on.
    const counts = lines.map((l) => /: reading .*: ([\d,]+) items?… \d+\.\d s$/.exec(l)?.[1]).filter(Boolean).map((n) => Number(n.replace(/,/g, '')));
    assert.ok(counts.length >= 2 && counts[0] > 0 && counts[0] < N && counts.at(-1) === N, `counts while reading: ${counts.slice(0, 5).join(', ')} … ${counts.at(-1)}`);
    // Then "sending" (shown before the synchronous plan), before the first request's answer.
    const lastReading = lines.findLastIndex((l) => l.includes(': reading '));
    const sending = lines.findIndex((l) => /^track_events_in_bulk: sending 200,000 items… \d+\.\d s$/.test(l));
    const firstAnswer = lines.findIndex((l) => /^track_events_in_bulk: \d+\/[\d,]+ requests, /.test(l));
    assert.ok(lastReading < sending && sending < firstAnswer, lines.slice(Math.max(0, lastReading - 1), firstAnswer + 1).join('\n'));
    assert.match(lines.at(-1), /^track_events_in_bulk: 200,000 items in [\d,]+ requests: 200,000 succeeded, 0 failed \(\d+\.\d s\)$/);
    const sent = srv.apiRequests().flatMap((q) => q.body.events.map((e) => e.email));
    assert.equal(new Set(sent).size, N, 'every item sent once');
    assert.equal(sent.length, N);
  });

  test('the in-process --sandbox says, on a terminal, that a write is forgotten without --state', { skip: !hasScript && 'script(1) missing' }, async (t) => {
    if (!(await sandboxBuilt())) return t.skip('this build has no sandbox');
    const noKey = { ...env, ITERABLE_API_KEY: undefined };
    const note = /the in-process sandbox forgets this when the command ends; --state file\.json keeps it/;
    const write = await run(['create_new_list', 'name=Forgotten', '--sandbox'], { env: noKey, command: onTerminal });
    assert.equal(write.code, 0, write.stdout);
    assert.match(write.stdout, note);
    const read = await run(['list_lists', '--sandbox'], { env: noKey, command: onTerminal });
    assert.doesNotMatch(read.stdout, note, 'a read changes nothing to forget');
    const kept = await run(['create_new_list', 'name=Kept', '--sandbox', '--state', join(tmp, 'kept-state.json')], { env: noKey, command: onTerminal });
    assert.equal(kept.code, 0, kept.stdout);
    assert.doesNotMatch(kept.stdout, note);
    const piped = await run(['create_new_list', 'name=Piped', '--sandbox'], { env: noKey });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, '', 'no note without a terminal');
  });

  test('a table of one page says how to get the next', async () => {
    const r = await run(['list_all_campaigns', 'pageSize=2', '-o', 'table'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /more items: add page=2 for the next page, or --all for every page/);
  });

  test('before any prompt: the key and the input are checked (no question asked)', { skip: !hasScript && 'script(1) missing' }, async () => {
    srv.reset();
    const noKey = await run(['delete_list', 'listId=3'], { env: { ...env, ITERABLE_API_KEY: undefined }, stdin: 'y\n', command: onTerminal });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stdout, /set ITERABLE_API_KEY/);
    assert.doesNotMatch(noKey.stdout, /Run it\?/);
    const invalid = await run(['delete_list'], { env, stdin: 'y\n', command: onTerminal });
    assert.equal(invalid.code, 2);
    assert.match(invalid.stdout, /listId: required/);
    assert.doesNotMatch(invalid.stdout, /Run it\?/);
    assert.equal(srv.requests.length, 0);
  });
});

describe('diagnostics', () => {
  test('--verbose / ITERABLE_DEBUG log each attempt on stderr, key redacted; bodies only with ITERABLE_DEBUG=body', async () => {
    srv.reset();
    const v = await run(['track_event', 'email=a@example.com', 'eventName=signup', '--verbose'], { env });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stderr, new RegExp(`^\\[iterable-wasm\\] → POST ${srv.url}/api/events/track \\(track_event, attempt 1\\)$`, 'm'));
    assert.match(v.stderr, /^\[iterable-wasm\] ← 200 POST .*\/api\/events\/track in \d+ ms \(track_event, attempt 1\)$/m);
    assert.doesNotMatch(v.stderr, /body/);
    const d = await run(['track_event', 'email=a@example.com', 'eventName=signup'], { env: { ...env, ITERABLE_DEBUG: '1' } });
    assert.match(d.stderr, /← 200 POST/);
    const b = await run(['track_event', 'email=a@example.com', 'eventName=signup'], { env: { ...env, ITERABLE_DEBUG: 'body' } });
    assert.match(b.stderr, /request body: \{"email":"a@example.com","eventName":"signup"\}/);
    assert.match(b.stderr, /response body \(200\): \{"msg":"Event with id: 1 tracked\."/);
    const none = await run(['list_lists'], { env: { ...env, ITERABLE_DEBUG: '0' } });
    assert.equal(none.stderr, '');
    // A retry names its reason; the key (checked by run()) never shows.
    const port = await new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const r = await run(['list_lists', '--verbose', '--max-retries', '1'], { env: { ITERABLE_BASE_URL: `http://127.0.0.1:${port}` } });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /↻ list_lists: attempt 1 failed \(NetworkError: .*\); retrying in \d+ ms/);
    assert.match(r.stderr, /→ GET .* \(list_lists, attempt 2\)/);
  });

  test('completion bash|zsh|fish from the catalog: every resource, command and action id (the shells run them below)', async () => {
    const table = [...new Set(actions.map((a) => a.resource))];
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await run(['completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      const words = new Set(r.stdout.split(/[\s'"()=]+/));
      for (const a of actions) assert.ok(words.has(a.id), `${shell}: ${a.id}`);
      assert.ok(table.length > 10 && words.has('users') && words.has('lists') && words.has('get-by-email'), shell);
    }
    assert.match((await run(['completion', 'zsh'])).stdout, /^#compdef iterable-wasm\n/);
    const bad = await run(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
  });
});

describe('completion in real shells', () => {
  // Each shell installs the generated script the way the script's header says, with
  // `iterable-wasm` on PATH (a shim running the built CLI), then completes as a user would:
  // bash by calling the function `complete -p` names with COMP_WORDS, zsh through its own
  // completion system on a Tab in a pseudo-terminal, fish with `complete -C`.
  const has = (shell) => {
    try {
      execFileSync(shell, ['-c', 'exit 0'], { stdio: 'ignore', timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  };
  const missing = (shell) => !has(shell) && `${shell} is not installed (bash scripts/setup.sh installs it where apt-get is available)`;
  // What every shell must complete, by line typed before the Tab: the exact set, or (some) a subset.
  const CASES = [
    ['iterable-wasm us', { exact: ['users'] }],
    ['iterable-wasm trac', { some: ['track_event', 'track_purchase'] }],
    ['iterable-wasm users g', { some: ['get', 'get-by-email', 'get-by-id'] }],
    ['iterable-wasm lists del', { exact: ['delete'] }],
    ['iterable-wasm describe get_user_by_e', { some: ['get_user_by_email'] }],
    ['iterable-wasm completion z', { exact: ['zsh'] }],
    ['iterable-wasm bulk --con', { exact: ['--concurrency'] }],
    ['iterable-wasm users get --ou', { exact: ['--output'] }],
    ['iterable-wasm list_lists --con', { exact: [] }],
    ['iterable-wasm actions --col', { exact: ['--columns'] }],
    ['iterable-wasm describe --co', { exact: [] }],
  ];
  let home;
  let shellEnv;
  before(() => {
    home = join(tmp, 'shell-home');
    mkdirSync(join(home, 'bin'), { recursive: true });
    const shim = join(home, 'bin', 'iterable-wasm');
    writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
    chmodSync(shim, 0o755);
    shellEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), PATH: `${join(home, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' };
  });
  const sh = (shell, args) => execFileSync(shell, args, { env: shellEnv, encoding: 'utf8', timeout: 60_000 });
  const check = (shell, results) => {
    for (const [line, want] of CASES) {
      const got = results.get(line);
      assert.ok(got, `${shell}: no answer for "${line}"`);
      if (want.exact) assert.deepEqual(got, want.exact, `${shell}: ${line}`);
      for (const w of want.some ?? []) assert.ok(got.includes(w), `${shell}: ${line} → ${got.join(' ')} lacks ${w}`);
    }
  };
  /** "== line" headers, each followed by its candidates, one a line. */
  const sections = (text) => new Map(text.split(/^== /m).slice(1).map((b) => {
    const [line, ...rest] = b.split('\n');
    return [line, rest.map((x) => x.trim()).filter(Boolean).sort()];
  }));

  test('bash: source <(iterable-wasm completion bash), then the function complete -p names', { skip: missing('bash') }, () => {
    const script = `source <(iterable-wasm completion bash)
spec=$(complete -p iterable-wasm) || exit 3
fn=\${spec##*-F }; fn=\${fn%% *}
for line in ${CASES.map(([l]) => `'${l}'`).join(' ')}; do
  COMP_LINE=$line; COMP_POINT=\${#line}
  read -ra COMP_WORDS <<< "$line"; COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
  "$fn" iterable-wasm "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
  echo "== $line"; printf '%s\\n' "\${COMPREPLY[@]}"
done
echo "spec: $spec"`;
    const out = sh('bash', ['--norc', '--noprofile', '-c', script]);
    assert.match(out, /^spec: complete -o default -F _iterable_wasm iterable-wasm$/m);
    check('bash', sections(out.replace(/^spec: .*$/m, '')));
  });

  test('zsh: from $fpath (the file _iterable-wasm) and with source <(...), a Tab in a pty completes', { skip: missing('zsh') }, () => {
    const dir = join(home, 'zfunc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '_iterable-wasm'), sh('iterable-wasm', ['completion', 'zsh']));
    const driver = join(ROOT, 'tests/cli/zsh-complete.zsh');
    // The first Tab of a session counts: an autoloaded script must complete on it, not only register.
    check('zsh (fpath)', sections(sh('zsh', ['-f', driver, 'fpath', dir, ...CASES.map(([l]) => l)])));
    check('zsh (source)', sections(sh('zsh', ['-f', driver, 'source', '-', ...CASES.map(([l]) => l)])));
  });

  test('fish: from ~/.config/fish/completions (autoloaded) and with | source, complete -C', { skip: missing('fish') }, () => {
    const dir = join(home, '.config', 'fish', 'completions');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'iterable-wasm.fish'), sh('iterable-wasm', ['completion', 'fish']));
    const script = CASES.map(([l]) => `echo '== ${l}'; complete -C '${l}'`).join('; ');
    // complete -C prints "candidate<TAB>description".
    check('fish (autoloaded)', sections(sh('fish', ['-c', script]).replace(/\t.*$/gm, '')));
    rmSync(join(dir, 'iterable-wasm.fish'));
    check('fish (| source)', sections(sh('fish', ['-c', `iterable-wasm completion fish | source; ${script}`]).replace(/\t.*$/gm, '')));
  });
});

describe('profiles', () => {
  test('keys add|list|use|remove: a 0600 file, the key never printed; --profile, ITERABLE_PROFILE; ITERABLE_API_KEY wins', async () => {
    const dir = join(tmp, 'config');
    const penv = { ITERABLE_CONFIG_DIR: dir, ITERABLE_API_KEY: undefined };
    const us = 'us-key-0123456789abcdef';
    const eu = 'eu-key-fedcba9876543210';
    const a = await run(['keys', 'add', 'us'], { env: penv, stdin: us + '\n' });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /added profile "us" \(in use\)/);
    assert.equal((await run(['keys', 'add', 'eu', '--region', 'eu'], { env: penv, stdin: eu })).code, 0);
    const file = join(dir, 'profiles.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const list = await run(['keys', 'list'], { env: penv });
    assert.equal(list.stdout, '* us  us\n  eu  eu\n');
    assert.ok(!list.stdout.includes(us) && !list.stdout.includes(eu));
    const url = async (args, e = penv) => {
      const r = await run([...args, '--dry-run', '--json'], { env: e });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes(us) && !r.stdout.includes(eu), 'no key printed');
      return JSON.parse(r.stdout).url;
    };
    assert.equal(await url(['list_lists']), 'https://api.iterable.com/api/lists');
    assert.equal(await url(['list_lists', '--profile', 'eu']), 'https://api.eu.iterable.com/api/lists');
    assert.equal(await url(['list_lists'], { ...penv, ITERABLE_PROFILE: 'eu' }), 'https://api.eu.iterable.com/api/lists');
    // The key travels: the fake server sees the profile's key; the environment's key wins.
    srv.reset();
    assert.equal((await run(['list_lists', '--profile', 'eu', '--base-url', srv.url], { env: penv })).code, 0);
    assert.equal((await run(['list_lists', '--profile', 'eu'], { env: { ...penv, ...env, ITERABLE_API_KEY: KEY } })).code, 0);
    assert.deepEqual(srv.apiRequests().map((r) => r.headers['api-key']), [eu, KEY]);
    assert.equal((await run(['keys', 'use', 'eu'], { env: penv })).code, 0);
    assert.equal(await url(['list_lists']), 'https://api.eu.iterable.com/api/lists');
    const nope = await run(['list_lists', '--profile', 'nope'], { env: penv });
    assert.equal(nope.code, 2);
    assert.match(nope.stderr, /no profile "nope" \(profiles: us, eu/);
    assert.equal((await run(['keys', 'remove', 'us'], { env: penv })).code, 0);
    assert.deepEqual(JSON.parse((await run(['keys', 'list', '--json'], { env: penv })).stdout).map((p) => p.name), ['eu']);
    const bad = await run(['keys', 'add', '../x'], { env: penv, stdin: 'k' });
    assert.equal(bad.code, 2);
  });
});

describe('exit codes and errors', () => {
  test('2: validation (nothing sent), bad key=value, unknown option, missing key', async () => {
    srv.reset();
    const v = await run(['track_event', 'email=a@example.com'], { env });
    assert.equal(v.code, 2);
    assert.match(v.stderr, /^iterable-wasm: track_event → ValidationError: .*eventName/);
    assert.equal(v.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(v.stderr.split('eventName').length, 2, `the problem is stated once: ${v.stderr}`);
    const c = await run(['get_list_size', 'listId=abc'], { env });
    assert.equal(c.code, 2);
    assert.match(c.stderr, /listId: expected an integer, got "abc"/);
    const o = await run(['list_lists', '--bogus'], { env });
    assert.equal(o.code, 2);
    assert.match(o.stderr, /unknown option --bogus/);
    const oj = await run(['list_lists', '--bogus', '--json-errors'], { env });
    assert.deepEqual(JSON.parse(oj.stderr), { error: { code: 'UsageError', message: 'unknown option --bogus (see --help)', exitCode: 2 } });
    const vj = await run(['track_event', 'userId=1', '--json-errors'], { env });
    const ve = JSON.parse(vj.stderr).error;
    assert.deepEqual([ve.code, ve.exitCode, ve.attempts, ve.issues[0].param], ['ValidationError', 2, 0, 'eventName']);
    const j = await run(['track_event', '--input', '{not json'], { env });
    assert.equal(j.code, 2);
    assert.match(j.stderr, /--input is not valid JSON/);
    const u = await run(['no_such_action'], { env });
    assert.equal(u.code, 2);
    const k = await run(['list_lists'], { env: { ...env, ITERABLE_API_KEY: undefined } });
    assert.equal(k.code, 2);
    assert.match(k.stderr, /set ITERABLE_API_KEY/);
    assert.equal(srv.requests.length, 0);
  });

  test('3: an API error, as one line or as JSON with --json-errors', async () => {
    const r = await run(['update_user', 'email=exists@example.com'], { env });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'iterable-wasm: update_user → 400 BadParams: User update failed: email already taken\n');
    const j = await run(['update_user', 'email=exists@example.com', '--json-errors'], { env });
    assert.equal(j.code, 3);
    const { error } = JSON.parse(j.stderr);
    assert.equal(error.code, 'BadParams');
    assert.equal(error.status, 400);
    assert.equal(error.action, 'update_user');
    assert.equal(error.exitCode, 3);
    assert.equal(error.attempts, 1);
    const bad = await run(['list_lists', '--json-errors'], { env: { ...env, ITERABLE_API_KEY: 'bad-key' } });
    assert.equal(bad.code, 3);
    assert.equal(JSON.parse(bad.stderr).error.code, 'BadApiKey');
    const nf = await run(['delete_list', 'listId=404', '--yes'], { env });
    assert.equal(nf.code, 3);
    assert.match(nf.stderr, /delete_list → 404 NotFound: /);
  });

  test('4: network error (nothing listening) and timeout', async () => {
    const port = await new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    const n = await run(['list_lists', '--max-retries', '0'], { env: { ITERABLE_BASE_URL: `http://127.0.0.1:${port}` } });
    assert.equal(n.code, 4);
    // The system error, host and port are named.
    assert.match(n.stderr, new RegExp(`^iterable-wasm: list_lists → NetworkError: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    const t = await run(['list_journeys', '--timeout', '300', '--max-retries', '0', '--json-errors'], { env });
    assert.equal(t.code, 4);
    const { error } = JSON.parse(t.stderr);
    assert.equal(error.code, 'Timeout');
    assert.equal(error.exitCode, 4);
  });
});

describe('bounded results', () => {
  test('a 600 MB response: ResponseTooLarge (exit 3) in seconds, not a crash; --max-response-bytes', async () => {
    const t0 = Date.now();
    const r = await run(['list_webhooks', '--json-errors'], { env });
    assert.equal(r.code, 3, r.stderr.slice(0, 300));
    assert.equal(r.stdout, '');
    const { error } = JSON.parse(r.stderr);
    assert.deepEqual([error.code, error.status, error.action, error.attempts], ['ResponseTooLarge', 200, 'list_webhooks', 1]);
    assert.match(error.message, /maxResponseBytes \(67108864 bytes\)/);
    assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
    const small = await run(['list_lists', '--max-response-bytes', '100'], { env });
    assert.equal(small.code, 3);
    assert.match(small.stderr, /^iterable-wasm: list_lists → 200 ResponseTooLarge: /);
    const ok = await run(['list_lists', '--max-response-bytes', String(JSON.stringify({ lists: LISTS }).length)], { env });
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await run(['list_lists', '--max-response-bytes', '0'], { env });
    assert.equal(bad.code, 2);
  });

  test('a result nested 100,000 deep prints (compact), it does not overflow the stack', async () => {
    const r = await run(['list_message_types'], { env });
    assert.equal(r.code, 0, r.stderr.slice(0, 300));
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, DEEP_BODY + '\n');
    const p = await run(['list_message_types', '--pretty'], { env });
    assert.equal(p.code, 0, p.stderr.slice(0, 300));
    assert.equal(p.stdout, DEEP_BODY + '\n');
  });
});

describe('long work', () => {
  test('bulk <id> --file items.jsonl: split into requests, progress on stderr, report on stdout', async () => {
    // ~5.5 MB of events: more than one request of at most 4 MB.
    const pad = 'x'.repeat(600);
    // two addresses Iterable refuses (no top-level domain), one the client refuses itself (no "@")
    const email = (i) => (i === 17 || i === 8500 ? `broken${i}@invalid` : i === 42 ? 'not-an-email' : `u${i}@example.com`);
    const events = Array.from({ length: 9000 }, (_, i) => ({ email: email(i), eventName: 'imported', dataFields: { i, pad } }));
    const file = join(tmp, 'events.jsonl');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    srv.reset();
    const r = await run(['bulk', 'track_events_in_bulk', '--file', file, '--concurrency', '2'], { env });
    assert.equal(r.code, 3, r.stderr); // items refused
    const report = JSON.parse(r.stdout);
    assert.equal(report.items, 9000);
    assert.ok(report.requests >= 2, `requests: ${report.requests}`);
    assert.equal(report.succeeded, 8997);
    assert.equal(report.failed, 3);
    assert.deepEqual(report.failures.map((f) => [f.index, f.id]), [[17, 'broken17@invalid'], [42, 'not-an-email'], [8500, 'broken8500@invalid']]);
    assert.match(report.failures[1].reason, /^events\[42\]\.email: "not-an-email" is not an email address/);
    const sent = srv.apiRequests().filter((q) => q.path === '/api/events/trackBulk');
    assert.equal(sent.length, report.requests);
    assert.equal(sent.reduce((n, q) => n + q.body.events.length, 0), 8999); // the bad one left out, the rest sent
    // Without a terminal: no progress updates, only the closing line.
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^track_events_in_bulk: 9,000 items in \d+ requests: 8,997 succeeded, 3 failed/);

    const ok = join(tmp, 'ok.json');
    writeFileSync(ok, JSON.stringify(events.slice(0, 10).map((e) => ({ ...e, email: 'ok@example.com' }))));
    const a = await run(['bulk', 'track_events_in_bulk', '--file', ok, '--quiet'], { env });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stderr, '');
    assert.equal(JSON.parse(a.stdout).succeeded, 10);

    const short = await run(['bulk', 'track_events_in_bulk', '-f', ok, '-o', 'json'], { env });
    assert.equal(short.code, 0, short.stderr);
    assert.equal(JSON.parse(short.stdout).succeeded, 10, '-f is --file');

    const notBulk = await run(['bulk', 'track_event', '--file', ok], { env });
    assert.equal(notBulk.code, 2);
    assert.match(notBulk.stderr, /track_event is not a bulk action/);
    writeFileSync(join(tmp, 'bad.jsonl'), '{"email":"a@b.co"}\n{oops\n');
    const badFile = await run(['bulk', 'track_events_in_bulk', '--file', join(tmp, 'bad.jsonl')], { env });
    assert.equal(badFile.code, 2);
    assert.match(badFile.stderr, /line 2 is not valid JSON/);
  });

  test('a JSON-lines export streams to stdout (> out.jsonl) with progress on stderr', async () => {
    const out = join(tmp, 'out.jsonl');
    const r = await run(['export_user_events', 'email=ada@example.com'], { env, stdoutFile: out });
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 2500);
    assert.deepEqual(JSON.parse(lines[0]), { eventName: 'e0', email: 'ada@example.com', n: 0, createdAt: 1700000000000 });
    assert.equal(JSON.parse(lines[2499]).n, 2499);
    assert.match(r.stderr, /^export_user_events: 2,500 records in \d+\.\d s\n$/, 'without a terminal: the closing line alone');
    const { plural } = await import(join(PKG_DIR, 'cli/output.js'));
    assert.deepEqual([plural(0, 'record'), plural(1, 'record'), plural(1, 'page'), plural(1024, 'item')], ['0 records', '1 record', '1 page', '1,024 items']);
  });

  test('a CSV export streams its body as CSV; --jsonl turns rows into JSON lines', async () => {
    const r = await run(['export_data_to_csv', 'dataTypeName=emailSend', 'range=All'], { env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1201);
    assert.equal(lines[0], 'email,campaignId,n');
    assert.equal(lines[1200], 'u1199@example.com,5,1199');
    assert.match(lastLine(r.stderr), /^export_data_to_csv: [\d,]+ bytes, 1,201 lines in /);
    const j = await run(['export_data_to_csv', 'dataTypeName=emailSend', 'range=All', '--jsonl', '--quiet'], { env });
    const recs = j.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(recs.length, 1200);
    assert.deepEqual(recs[5], { email: 'u5@example.com', campaignId: '5', n: '5' });
    assert.equal(j.stderr, '');
  });

  test('--all: every page of a paginated action as JSON lines, progress on stderr', async () => {
    srv.reset();
    const r = await run(['list_all_campaigns', '--all', 'pageSize=2'], { env });
    assert.equal(r.code, 0, r.stderr);
    const items = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(items.map((c) => c.id), [11, 12, 21, 22, 31, 32]);
    assert.deepEqual(srv.apiRequests().map((q) => q.query.page), ['1', '2', '3']);
    assert.match(r.stderr, /^list_all_campaigns: 6 items, 3 pages in \d+\.\d s\n$/, 'without a terminal: the closing line alone');
    const one = await run(['list_all_campaigns', '--all', 'pageSize=2', 'page=3'], { env });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /^list_all_campaigns: 2 items, 1 page in \d+\.\d s\n$/, 'a singular page');
    const no = await run(['list_lists', '--all'], { env });
    assert.equal(no.code, 2);
    assert.match(no.stderr, /--all: list_lists is not paginated/);
  });

  test('export: start_export, poll, stream every file as JSON lines, progress on stderr', async () => {
    srv.reset();
    const r = await run(['export', 'dataTypeName=user', 'outputFormat=application/x-json-stream', '--poll-ms', '20'], { env });
    assert.equal(r.code, 0, r.stderr);
    const recs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    const total = Object.values(EXPORT_FILES).reduce((a, b) => a + b, 0);
    assert.equal(recs.length, total);
    assert.deepEqual(recs.map((x) => x.file), Object.entries(EXPORT_FILES).flatMap(([f, n]) => Array(n).fill(f)));
    assert.equal(r.stderr.trim().split('\n').length, 1, 'no progress updates without a terminal');
    assert.match(lastLine(r.stderr), new RegExp(`^export job 77: completed, 2 files, ${total} records in `));
    assert.deepEqual(srv.apiRequests().map((q) => `${q.method} ${q.path}`).slice(0, 2), ['POST /api/export/start', 'GET /api/export/77/files']);
  });
});

describe('sandbox', () => {
  test('--sandbox [--state file]: runs against the emulator, or fails with a clear message if the build has none', async () => {
    const state = join(tmp, 'state.json');
    const hasSandbox = await sandboxBuilt();
    srv.reset();
    const r = await run(['list_lists', '--sandbox', '--state', state], { env: { ...env, ITERABLE_API_KEY: undefined } });
    if (!hasSandbox) {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^iterable-wasm: SandboxUnavailable: --sandbox: /);
      return;
    }
    const sb = (args, opts = {}) => run([...args, '--sandbox', '--state', state], { env: { ITERABLE_API_KEY: undefined, ITERABLE_BASE_URL: srv.url }, ...opts });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Array.isArray(JSON.parse(r.stdout).lists));
    assert.ok(existsSync(state), 'the state was saved');
    // A write, kept in the state file for the next run.
    const w = await sb(['create_new_list', 'name=From the CLI']);
    assert.equal(w.code, 0, w.stderr);
    const again = await sb(['list_lists']);
    assert.ok(JSON.parse(again.stdout).lists.some((l) => l.name === 'From the CLI'), 'the write persisted through the state file');
    // The exit codes hold against the emulator too: validation 2, an API error 3.
    const v = await sb(['track_event', 'email=a@example.com']);
    assert.equal(v.code, 2, v.stderr);
    const nf = await sb(['delete_list', 'listId=987654321', '--yes']);
    assert.equal(nf.code, 3, nf.stderr);
    // Bulk with progress, then the events streamed back as an export.
    const events = Array.from({ length: 30 }, (_, i) => ({ email: 'sandbox-user@example.com', eventName: 'cliBulk', dataFields: { i } }));
    const file = join(tmp, 'sandbox-events.jsonl');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n'));
    const b = await sb(['bulk', 'track_events_in_bulk', '--file', file]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(JSON.parse(b.stdout).succeeded, 30);
    assert.match(b.stderr, /^track_events_in_bulk: 30 items in 1 request: 30 succeeded, 0 failed/m);
    const x = await sb(['export_user_events', 'email=sandbox-user@example.com']);
    assert.equal(x.code, 0, x.stderr);
    const recs = x.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(recs.filter((e) => e.eventName === 'cliBulk').length, 30, x.stdout.slice(0, 500));
    assert.match(lastLine(x.stderr), /^export_user_events: \d+ records in /);
    // The export workflow against the emulator (which sends job states in Iterable's lower case)
    // streams every user and then ends: it once polled the finished job until killed.
    const ex = await sb(['export', 'dataTypeName=user', 'outputFormat=application/x-json-stream', '--poll-ms', '5'], { timeoutMs: 30_000 });
    assert.equal(ex.code, 0, ex.stderr);
    assert.ok(ex.stdout.trimEnd().split('\n').some((l) => JSON.parse(l).email === 'sandbox-user@example.com'), ex.stdout.slice(0, 300));
    assert.match(lastLine(ex.stderr), /^export job \d+: completed, 1 file, \d+ records? in /);
    assert.equal(srv.requests.length, 0, 'the sandbox sends nothing over the network');
  });
});

/** `iterable-wasm sandbox --port 0 ...args` as a child process: its URL once printed, its stderr, stop(). */
async function startSandbox(args) {
  const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('close', () => reject(new Error(`sandbox exited: ${stderr}`)));
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  return { url, stderr: () => stderr, stop: () => (child.kill('SIGINT'), closed) };
}

describe('sandbox server', () => {
  test('sandbox --port 0 prints its URL, serves the emulator, stops on SIGINT (or says it is missing)', async () => {
    let works = existsSync(join(PKG_DIR, 'sandbox/server.js'));
    if (works) {
      try {
        await import(join(PKG_DIR, 'sandbox/server.js'));
      } catch {
        works = false; // an incomplete build: build.mjs without build-sandbox.mjs
      }
    }
    if (!works) {
      const s = await run(['sandbox', '--port', '0']);
      assert.equal(s.code, 1);
      assert.match(s.stderr, /^iterable-wasm: SandboxUnavailable: the sandbox server is not part of this build/);
      return;
    }
    const state = join(tmp, 'server-state.json');
    const start = () => startSandbox(['--state', state]);
    const first = await start();
    assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const w = await run(['create_new_list', 'name=Kept across restarts', '--base-url', first.url]);
    assert.equal(w.code, 0, w.stderr);
    assert.match(first.stderr(), /POST \/api\/lists -> 200/);
    assert.equal(await first.stop(), 0, first.stderr());
    const second = await start();
    const r = await run(['list_lists', '--base-url', second.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).lists.some((l) => l.name === 'Kept across restarts'), 'the state file carried the list over');
    assert.equal(await second.stop(), 0, second.stderr());
  });

  test('sandbox --api-key K (repeatable) --seed demo: those keys work, any other is 401 BadApiKey; the demo project is served', async (t) => {
    if (!existsSync(join(PKG_DIR, 'sandbox/iterable_sandbox_bg.wasm'))) return t.skip('no sandbox in this build');
    const srv = await startSandbox(['--quiet', '--seed', 'demo', '--api-key', 'cli-key-1', '--api-key', 'cli-key-2']);
    try {
      for (const key of ['cli-key-1', 'cli-key-2']) {
        const lists = await fetch(`${srv.url}/api/lists`, { headers: { 'Api-Key': key } });
        assert.equal(lists.status, 200, key);
        assert.deepEqual((await lists.json()).lists.map((l) => l.name), ['Newsletter', 'VIP customers', 'Trial users']);
      }
      const r = await fetch(`${srv.url}/api/lists`, { headers: { 'Api-Key': 'some-other-key' } });
      assert.equal(r.status, 401);
      assert.deepEqual(await r.json(), { msg: 'Invalid API key', code: 'BadApiKey', params: null });
    } finally {
      await srv.stop();
    }
  });
});

describe('installed with npm', () => {
  let project;
  after(() => project?.cleanup());
  test('npx iterable-wasm runs the bin; iterable-wasm/mcp resolves', async () => {
    project = packAndInstall({ prefix: 'iterable-wasm-cli-' });
    const files = project.info.files.map((f) => f.path);
    for (const f of ['cli.cjs', 'cli.js', 'cli/help.cjs', 'cli/listing.cjs', 'mcp.js', 'mcp.d.ts']) assert.ok(files.includes(f), `tarball has ${f}`);
    const npx = (args) => ['npx', ['--no-install', 'iterable-wasm', ...args]];
    const v = await run(['--version'], { command: npx, cwd: project.dir });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')).version);
    const r = await run(['list_lists'], { command: npx, cwd: project.dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { lists: LISTS });
    writeFileSync(join(project.dir, 'mcp.mjs'), 'const m = await import("iterable-wasm/mcp"); console.log(import.meta.resolve("iterable-wasm/mcp"), typeof m.createMcpServer);\n');
    const m = await run([], { command: () => [process.execPath, ['mcp.mjs']], cwd: project.dir });
    assert.match(m.stdout, /\/node_modules\/iterable-wasm\/mcp\.js function$/m);
  });

  test('mcp.d.ts type-checks against the package types', async () => {
    const r = await run([], { command: () => [join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tests/cli/tsconfig.json')]] });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('Deno', () => {
  test('deno run -A pkg/cli.js: describe, a read, a write, an API error', { skip: !DENO && 'deno not installed' }, async () => {
    const d = await run(['describe', 'list_lists', '--json'], { runtime: 'deno' });
    assert.equal(d.code, 0, d.stderr);
    assert.equal(JSON.parse(d.stdout).id, 'list_lists');
    const r = await run(['list_lists'], { runtime: 'deno', env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { lists: LISTS });
    const w = await run(['track_event', 'userId=7', 'eventName=deno'], { runtime: 'deno', env });
    assert.equal(w.code, 0, w.stderr);
    const e = await run(['update_user', 'email=exists@example.com'], { runtime: 'deno', env });
    assert.equal(e.code, 3);
    assert.match(e.stderr, /BadParams/);
    const x = await run(['export_user_events', 'email=deno@example.com'], { runtime: 'deno', env });
    assert.equal(x.code, 0, x.stderr);
    assert.equal(x.stdout.trimEnd().split('\n').length, 2500);
    assert.match(lastLine(x.stderr), /^export_user_events: 2,500 records in /);
    const dry = await run(['track_event', 'userId=7', 'eventName=deno', '--dry-run'], { runtime: 'deno', env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^api-key: \[REDACTED\]$/m);
    // The newer paths under Deno: resource commands, stdin input, table output, typo hints.
    const users = await run(['users', 'get', 'ada@example.com', '--dry-run', '--json'], { runtime: 'deno', env });
    assert.equal(JSON.parse(users.stdout).url, `${srv.url}/api/users/getByEmail?email=ada%40example.com`);
    const stdin = await run(['track_event', '--input', '-'], { runtime: 'deno', env, stdin: '{"userId":"7","eventName":"stdin"}' });
    assert.equal(stdin.code, 0, stdin.stderr);
    const table = await run(['list_lists', '-o', 'table', '--columns', 'id,name'], { runtime: 'deno', env });
    assert.equal(table.stdout, 'id  name\n10  Newsletter\n11  VIP\n');
    const typo = await run(['trak_event'], { runtime: 'deno', env });
    assert.match(typo.stderr, /did you mean track_event\?/);
  });

  test('deno: --sandbox --state keeps a write for the next run', { skip: !DENO && 'deno not installed' }, async () => {
    const state = join(tmp, 'deno-state.json');
    const w = await run(['create_new_list', 'name=From Deno', '--sandbox', '--state', state], { runtime: 'deno', env: { ITERABLE_API_KEY: undefined } });
    if (w.code === 1 && /SandboxUnavailable/.test(w.stderr)) {
      assert.match(w.stderr, /^iterable-wasm: SandboxUnavailable: --sandbox: /);
      return;
    }
    assert.equal(w.code, 0, w.stderr);
    const r = await run(['list_lists', '--sandbox', '--state', state], { runtime: 'deno', env: { ITERABLE_API_KEY: undefined } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).lists.some((l) => l.name === 'From Deno'));
  });
});
