#!/usr/bin/env node
// The docs, tested: every fenced code block of README.md and examples/**/README.md, against the
// package as a user installs it (npm pack of pkg/ into a fresh project).
//
//   ts, js    type-check under `tsc --strict` with lib ["es2022", "dom"], no @types/node and
//             skipLibCheck false (so the package's declarations must not need esnext either);
//             blocks that use only the in-process sandbox also run in Node.
//   sh        every `npx iterable-wasm ...` line runs against the installed bin: with --dry-run
//             (validated, nothing sent) unless it is offline anyway (--sandbox, actions, describe);
//             long-running servers (mcp, sandbox) are left to tests/cli.
//   json      parses.
// And the README as packed: every relative link points at a file the tarball ships.
//
//   node tests/docs/run.mjs [--verbose]
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packAndInstall, ROOT } from '../support/install.mjs';

const VERBOSE = process.argv.includes('--verbose');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const results = [];
const record = (name, pass, detail = '') => {
  results.push({ name, pass });
  console.log(`${pass ? 'PASS' : 'FAIL'} ${name}${detail && (!pass || VERBOSE) ? `\n  ${detail.split('\n').join('\n  ')}` : ''}`);
};
const run = (cmd, args, opts = {}) => new Promise((resolve) => {
  execFile(cmd, args, { timeout: 120_000, maxBuffer: 1 << 24, ...opts, env: { ...process.env, NO_COLOR: '1', ...opts.env } },
    (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
});

// ------------------------------------------------------------------------------ the blocks

const docs = ['README.md', ...walkReadmes(join(ROOT, 'examples'))];
function walkReadmes(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' ? [] : walkReadmes(p);
    return f === 'README.md' ? [relative(ROOT, p)] : [];
  });
}
const blocks = [];
for (const doc of docs) {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    while (++i < lines.length && !/^```\s*$/.test(lines[i]));
    blocks.push({ doc, line: start, lang: open[1], code: lines.slice(start, i).join('\n') });
  }
}
const where = (b) => `${b.doc}:${b.line} (${b.lang})`;

const project = packAndInstall({ prefix: 'iterable-wasm-docs-' });
try {
  const dir = project.dir;

  // ---------------------------------------------------------------------------- ts and js: tsc
  // What the snippets leave to the reader (a client made earlier, the app's own functions and
  // data, the runtime's globals), declared only where a block does not make its own.
  const CONTEXT = [
    ['client', 'declare const client: IterableClient;'],
    ['handle', 'declare function handle(record: unknown): void;'],
    ['users', 'declare const users: Array<Record<string, unknown>>;'],
    ['events', 'declare const events: Array<Record<string, unknown>>;'],
    ['earlierReport', 'declare const earlierReport: import("iterable-wasm").BulkReport;'],
    ['apiKey', 'declare const apiKey: string;'],
    ['token', 'declare const token: string;'],
    ['process', 'declare const process: { env: Record<string, string | undefined> };'],
    ['Deno', 'declare const Deno: { serve(handler: (req: Request) => Response | Promise<Response>): unknown };'],
  ];
  const EXPORTS = ['IterableClient', 'IterableError', 'actions', 'ready'];
  const code = blocks.filter((b) => b.lang === 'ts' || b.lang === 'js');
  mkdirSync(join(dir, 'blocks'), { recursive: true });
  const files = code.map((b, n) => {
    const imported = new Set([...b.code.matchAll(/import\s*\{([^}]*)\}\s*from\s*["']iterable-wasm(?:\/inline)?["']/g)].flatMap((m) => m[1].split(',').map((s) => s.trim().split(/\s+as\s+/).pop())));
    const missing = EXPORTS.filter((e) => !imported.has(e) && new RegExp(`\\b${e}\\b`).test(b.code));
    const declares = (name) => new RegExp(`\\b(const|let|var|function|class)\\s+${name}\\b|import\\s[^;]*\\b${name}\\b`).test(b.code);
    const head = [
      missing.length ? `import { ${missing.join(', ')} } from "iterable-wasm";` : '',
      ...CONTEXT.filter(([name, decl]) => new RegExp(`\\b${name}\\b`).test(b.code) && !declares(name)).map(([, decl]) => decl.replace('IterableClient;', missing.includes('IterableClient') || imported.has('IterableClient') ? 'IterableClient;' : 'import("iterable-wasm").IterableClient;')),
    ].filter(Boolean);
    const file = `blocks/block-${String(n).padStart(2, '0')}.ts`;
    b.head = head.length;
    writeFileSync(join(dir, file), `${head.join('\n')}\n${b.code}\nexport {};\n`);
    b.file = file;
    return file;
  });
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler',
      lib: ['es2022', 'dom'], types: [], skipLibCheck: false, isolatedModules: true,
    },
    files,
  }, null, 2));
  const tsc = await run(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], { cwd: dir });
  const diags = tsc.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  for (const b of code) {
    const mine = diags.filter((d) => d.startsWith(b.file));
    const detail = mine.map((d) => {
      const m = /\((\d+),(\d+)\)/.exec(d);
      return m ? `${b.doc}:${b.line + Number(m[1]) - 1 - b.head}: ${d.slice(d.indexOf('error'))}` : d;
    }).join('\n');
    record(`${where(b)} type-checks (tsc --strict, lib es2022 + dom)`, tsc.code !== null && mine.length === 0, detail);
  }
  const elsewhere = diags.filter((d) => !d.startsWith('blocks/'));
  record('the package\'s declarations compile without esnext (skipLibCheck false, no @types/node)', elsewhere.length === 0, elsewhere.join('\n'));

  // ---------------------------------------------------------------------------- sandbox blocks: run
  for (const b of code.filter((x) => /sandbox:/.test(x.code) && /new IterableClient/.test(x.code))) {
    const file = join(dir, `${b.file.replace(/\.ts$/, '')}.mjs`);
    const imports = /from\s+["']iterable-wasm["']/.test(b.code) ? '' : 'import { IterableClient, IterableError, actions } from "iterable-wasm";\n';
    writeFileSync(file, `${imports}${b.code}\n`);
    const r = await run(process.execPath, [file], { cwd: dir, timeout: 60_000 });
    record(`${where(b)} runs in Node (the in-process sandbox)`, r.code === 0, (r.stderr || r.stdout).trim().slice(-1500));
  }

  // ---------------------------------------------------------------------------- sh: the CLI lines
  const bin = join(dir, 'node_modules/.bin/iterable-wasm');
  writeFileSync(join(dir, 'user.json'), JSON.stringify({ email: 'ada@example.com', dataFields: { plan: 'pro' } }));
  writeFileSync(join(dir, 'events.jsonl'), '{"email":"ada@example.com","eventName":"signedUp"}\n{"userId":"42","eventName":"signedUp"}\n');
  const OFFLINE = /^(actions|describe)\b|--sandbox\b|--dry-run\b/;
  const SERVERS = /^(mcp|sandbox)\b/;
  for (const b of blocks.filter((x) => x.lang === 'sh')) {
    b.code.split('\n').forEach((line, k) => {
      const m = /^npx iterable-wasm\s+(.*?)\s*(#.*)?$/.exec(line);
      if (!m) return;
      const args = m[1];
      if (SERVERS.test(args)) return; // servers: tests/cli starts and drives them
      // A pipe's right side (`| jq .`) is the reader's tool: the command alone runs.
      const [cmd, redirect = ''] = args.split(/\s+\|\s+/)[0].split(/\s+(?=>\s)/);
      const dry = OFFLINE.test(cmd) ? '' : ' --dry-run';
      b.lines ??= [];
      b.lines.push({ line: b.line + k, text: line, script: `${cmd}${dry} ${redirect}`, dry: Boolean(dry) });
    });
    for (const l of b.lines ?? []) {
      const r = await run('bash', ['-c', `iterable_wasm() { "${bin}" "$@"; }; iterable_wasm ${l.script}`], {
        cwd: dir, env: { ITERABLE_API_KEY: 'docs-test-key-1' }, timeout: 60_000,
      });
      const leaked = `${r.stdout}${r.stderr}`.includes('docs-test-key-1');
      record(`${b.doc}:${l.line} \`${l.text.replace(/\s+#.*$/, '').slice(0, 90)}\` runs${l.dry ? ' (--dry-run)' : ''}`, r.code === 0 && !leaked,
        `${leaked ? 'the API key was printed\n' : ''}exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(-800)}`);
    }
  }

  // ---------------------------------------------------------------------------- json
  for (const b of blocks.filter((x) => x.lang === 'json')) {
    let problem = '';
    try {
      JSON.parse(b.code);
    } catch (e) {
      problem = e.message;
    }
    record(`${where(b)} parses`, !problem, problem);
  }

  // ---------------------------------------------------------------------------- the packed README's links
  const shipped = new Set(project.info.files.map((f) => f.path));
  const packed = readFileSync(join(dir, 'node_modules/iterable-wasm/README.md'), 'utf8');
  const broken = [...packed.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1])
    .filter((href) => !/^(https?:|#|mailto:)/.test(href))
    .filter((href) => !shipped.has(href.replace(/#.*$/, '')) && !existsSync(join(dir, 'node_modules/iterable-wasm', href)));
  record('the packed README links only to shipped files or absolute URLs', broken.length === 0, `not shipped: ${broken.join(', ')}`);
} finally {
  project.cleanup();
}

const failed = results.filter((r) => !r.pass).length;
console.log(`docs: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
