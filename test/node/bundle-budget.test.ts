/**
 * The single-file bundle is what a wiki page downloads: it must stay under
 * 120 KB gzipped and pull in no other file. Runs after the build (npm test
 * builds first).
 *
 * To fit, the build leaves out the parts of @clickhouse/client-web and uPlot
 * that trainwatch never runs (scripts/leave-out.mjs). The client is bundled
 * here with the same plugin and driven the way trainwatch drives it
 * (src/sources/clickhouse-source.ts, webConnection) against the embedded
 * ClickHouse, on its answers and on its failures: should anything on that path
 * reach a left-out part, its stand-in throws and a test here fails. A static
 * check adds that no kept module of the client reads a left-out export.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { createClient as CreateClient } from '@clickhouse/client-web';
import { build, type Rollup } from 'vite';
// @ts-expect-error: a plain .mjs build script without declarations
import * as leaveOut from '../../scripts/leave-out.mjs';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';

const BUNDLE = 'dist/bundle/trainwatch.js';
const CLIENT_DIST = 'node_modules/@clickhouse/client-web/dist';

const { leaveOutUnusedParts, leaveOutParts, WHOLE_MODULES, MODULE_PARTS } = leaveOut as {
  leaveOutUnusedParts(): { name: string };
  leaveOutParts(file: string, code: string): string;
  WHOLE_MODULES: string[];
  MODULE_PARTS: Record<string, unknown>;
};

it('the single-file bundle is under 120 KB gzipped and imports nothing', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is built (npm run build)`);
  const code = readFileSync(BUNDLE);
  const gzipped = gzipSync(code).length;
  assert.ok(gzipped < 120 * 1024, `${(gzipped / 1024).toFixed(1)} KB gzipped`);
  // No static or dynamic import of another module: one file is the whole library.
  const text = code.toString('utf8');
  assert.doesNotMatch(text, /(^|[;}\n])\s*import\s*[{*"']|\bimport\s*\(\s*["'`]/);
});

it('the bundle is built without the left-out parts', () => {
  const text = readFileSync(BUNDLE, 'utf8');
  assert.match(text, /@clickhouse\/client-web \$\{\w+\} is left out/, 'the stand-ins of left-out client exports');
  assert.match(text, /uPlot\.paths\.bars is left out/, "the stand-in of uPlot's bar paths");
  // Text only the left-out parts hold: insert()'s formats, query()'s multipart body, ping()'s query.
  for (const gone of ['JSONCompactStringsEachRowWithNamesAndTypes', 'Content-Disposition: form-data', "SELECT 'ping'"]) {
    assert.ok(!text.includes(gone), `${gone} is not in the bundle`);
  }
});

/** trainwatch's browser sources (what the bundle is built from). */
function browserSources(dir = 'src'): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path.includes('server') ? [] : browserSources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

it('trainwatch imports nothing from @clickhouse/client-web but createClient (the rest is left out)', () => {
  const imports = browserSources().flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@clickhouse\/client-web'/g)].flatMap(([, wholeType, names]) =>
      wholeType ? [] : names!.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type ')),
    ),
  );
  assert.deepEqual([...new Set(imports)], ['createClient']);
  for (const file of browserSources()) assert.doesNotMatch(readFileSync(file, 'utf8'), /from\s+'@clickhouse\/client-web\/|import\s+\*\s+as\s+\w+\s+from\s+'@clickhouse\/client-web'/, file);
});

it("trainwatch's charts never ask uPlot for the left-out paths and helpers", () => {
  // Series without `paths` are drawn by uPlot's default linear path; stepped, bars, spline, join and tzDate are left out.
  const used = browserSources().filter((file) => /\bpaths\s*:|\.paths\b|\buPlot\.(join|tzDate)\b/.test(readFileSync(file, 'utf8')));
  assert.deepEqual(used, []);
});

describe('the left-out @clickhouse/client-web, statically', () => {
  /** A client module as bundled: a stand-in, a module with parts left out, or as published. */
  const bundled = (file: string) => {
    const code = readFileSync(join(CLIENT_DIST, file), 'utf8');
    if (WHOLE_MODULES.includes(file)) return { code: '', leftOut: 'all' as const };
    const out = MODULE_PARTS[file] ? leaveOutParts(file, code) : code;
    const list = /for \(const n of (\[[^\]]*\])\) Object\.defineProperty\(exports, n,/.exec(out)?.[1];
    return { code: out, leftOut: new Set<string>(list ? JSON.parse(list) : []) };
  };
  const resolveRequire = (from: string, spec: string) => {
    const base = posix.normalize(posix.join(posix.dirname(from), spec));
    return existsSync(join(CLIENT_DIST, `${base}.js`)) ? `${base}.js` : `${base}/index.js`;
  };
  /** Strings and comments blanked, so that only code is searched. */
  const codeOnly = (code: string) => code.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '""');

  it('no module of the client that the bundle keeps reads an export that is left out', () => {
    const seen = new Set<string>();
    const reads: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const { code, leftOut } = bundled(file);
      if (leftOut === 'all') return;
      for (const [, alias, spec] of code.matchAll(/(?:var|const) (\w+) = require\("([^"]+)"\)/g)) {
        const target = resolveRequire(file, spec!);
        visit(target);
        for (const [, name] of codeOnly(code).matchAll(new RegExp(`\\b${alias}\\.(\\w+)`, 'g'))) {
          reads.push(`${file} reads ${name} of ${target}`);
          const t = bundled(target);
          assert.ok(t.leftOut !== 'all' && !t.leftOut.has(name!), `${file} reads ${name} of ${target}, which is left out`);
          // Re-exporting hubs (`__exportStar`) pass a name on from a module they star.
          const stars = [...t.code.matchAll(/__exportStar\(require\("([^"]+)"\), exports\)/g)].map(([, s]) => resolveRequire(target, s!));
          const defines = new RegExp(`exports\\.${name} = (?!void 0|exports\\.)|defineProperty\\(exports, "${name}"|^function ${name}\\b`, 'm');
          const provider = [target, ...stars].find((f) => {
            const b = bundled(f);
            return b.leftOut !== 'all' && !b.leftOut.has(name!) && defines.test(b.code);
          });
          assert.ok(provider, `${file} reads ${name} of ${target}: not defined by it nor by a module it re-exports`);
        }
      }
      for (const [, spec] of code.matchAll(/__exportStar\(require\("([^"]+)"\), exports\)/g)) visit(resolveRequire(file, spec!));
    };
    visit('index.js');
    // What the exec path needs is still read from where it lives.
    for (const read of ['connection/web_connection.js reads toSearchParams of common/index.js', 'connection/web_connection.js reads parseError of common/index.js', 'common/client.js reads recordSpanError of common/tracing.js']) {
      assert.ok(reads.includes(read), read);
    }
    for (const file of WHOLE_MODULES) assert.ok(seen.has(file), `${file} is still required by a kept module (else its stand-in is moot)`);
  });

  it('no kept module calls a left-out method', () => {
    const methods = new Set(Object.values(MODULE_PARTS).flatMap((p) => Object.values((p as { methods?: Record<string, string[]> }).methods ?? {}).flat()));
    assert.deepEqual([...methods].sort(), ['command', 'encodeValues', 'insert', 'ping', 'query', 'validateInsertValues']);
    const files = (dir: string): string[] =>
      readdirSync(join(CLIENT_DIST, dir)).flatMap((name) => {
        const path = dir ? `${dir}/${name}` : name;
        return statSync(join(CLIENT_DIST, path)).isDirectory() ? files(path) : name.endsWith('.js') ? [path] : [];
      });
    for (const file of files('')) {
      const { code, leftOut } = bundled(file);
      if (leftOut === 'all') continue;
      const calls = [...codeOnly(code).matchAll(/\.(\w+)\(/g)].map(([, m]) => m!).filter((m) => methods.has(m));
      assert.deepEqual(calls, [], file);
    }
  });
});

describe('the left-out @clickhouse/client-web against the embedded ClickHouse', () => {
  let ch: EmbeddedClickHouse;
  let createClient: typeof CreateClient;
  let dir: string;

  before(async () => {
    ch = await startClickHouseServer({ port: 0, users: [{ name: 'default', password: '' }, { name: 'viewer', password: 'viewer-secret', readonly: true }] });
    // Bundled as for the page (same plugin, minified), only the client.
    const ENTRY = '\0trainwatch-client-entry';
    const result = (await build({
      configFile: false,
      logLevel: 'silent',
      plugins: [
        leaveOutUnusedParts(),
        { name: 'entry', resolveId: (id: string) => (id === 'trainwatch-client-entry' ? ENTRY : null), load: (id: string) => (id === ENTRY ? "export { createClient } from '@clickhouse/client-web';" : null) },
      ],
      build: { write: false, minify: true, target: 'es2022', rollupOptions: { input: 'trainwatch-client-entry', preserveEntrySignatures: 'strict', output: { format: 'es', codeSplitting: false } } },
    })) as Rollup.RollupOutput | Rollup.RollupOutput[];
    const chunks = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output).filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
    assert.equal(chunks.length, 1);
    assert.match(chunks[0]!.code, /is left out \(trainwatch only uses exec\)/);
    dir = mkdtempSync(join(tmpdir(), 'trainwatch-client-'));
    const file = join(dir, 'client.mjs');
    writeFileSync(file, chunks[0]!.code);
    ({ createClient } = await import(pathToFileURL(file).href));
  });
  after(async () => {
    await ch?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The client as webConnection makes it (the same options), with `fetch` passed on. */
  const connect = (url: string, extra: { user?: string; password?: string; timeout?: number; fetch?: typeof fetch } = {}) =>
    createClient({
      url,
      username: extra.user ?? 'default',
      password: extra.password ?? '',
      request_timeout: extra.timeout ?? 60_000,
      fetch: extra.fetch ?? ((input, init) => fetch(input, init)),
    });
  const text = async (stream: ReadableStream) => new TextDecoder().decode(await new Response(stream).arrayBuffer());

  it('runs exec with bound parameters, reads the answer and closes', async () => {
    const client = connect(ch.url);
    const hostile = `it's {x:String} $1 \\ "é✓"`;
    const { stream } = await client.exec({
      query: 'SELECT {s:String} AS s, toInt32({n:UInt32} + 1) AS n FORMAT JSONEachRow',
      query_params: { s: hostile, n: 41 },
      abort_signal: new AbortController().signal,
    });
    assert.deepEqual(JSON.parse(await text(stream)), { s: hostile, n: 42 });
    await client.close();
  });

  it('takes the database and settings from the URL, as before', async () => {
    const client = connect(`${ch.url}/system?ch_max_result_rows=3&ch_result_overflow_mode=throw`);
    const db = await client.exec({ query: 'SELECT currentDatabase() FORMAT TSV', abort_signal: new AbortController().signal });
    assert.equal(await text(db.stream), 'system\n');
    await assert.rejects(client.exec({ query: 'SELECT number FROM numbers(10) FORMAT TSV', abort_signal: new AbortController().signal }), /Limit for result exceeded, max rows: 3/);
    await client.close();
  });

  it("turns ClickHouse's error answers into errors with their code", async () => {
    const client = connect(ch.url);
    const error = await client.exec({ query: 'SELECT no_such_column FORMAT TSV', abort_signal: new AbortController().signal }).catch((e: unknown) => e);
    assert.ok(error instanceof Error);
    assert.equal((error as Error & { code?: string }).code, '47');
    assert.match(error.message, /no_such_column/);
    const denied = connect(ch.url, { user: 'viewer', password: 'wrong' });
    await assert.rejects(denied.exec({ query: 'SELECT 1 FORMAT TSV', abort_signal: new AbortController().signal }), /password|authentic/i);
  });

  it('passes on what its fetch throws, and reports an abort and a timeout', async () => {
    const refused = connect(ch.url, { fetch: async () => { throw new Error('502 Bad Gateway'); } });
    await assert.rejects(refused.exec({ query: 'SELECT 1 FORMAT TSV', abort_signal: new AbortController().signal }), /^Error: 502 Bad Gateway$/);

    const client = connect(ch.url);
    const abort = new AbortController();
    const slow = client.exec({ query: 'SELECT sleep(2) FORMAT TSV', abort_signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await assert.rejects(slow, /The user aborted a request/);

    const impatient = connect(ch.url, { timeout: 50 });
    await assert.rejects(impatient.exec({ query: 'SELECT sleep(2) FORMAT TSV', abort_signal: new AbortController().signal }), /Timeout error/);
  });

  it('refuses malformed and unknown URL options with its own message', () => {
    assert.throws(() => connect('not a url'), /ClickHouse URL is malformed/);
    assert.throws(() => connect(`${ch.url}/?no_such_option=1`), /Unknown URL parameters: no_such_option/);
  });

  it('says so when anything calls a left-out method', async () => {
    const client = connect(ch.url);
    const leftOut = /trainwatch bundle: @clickhouse\/client-web .+ is left out \(trainwatch only uses exec\)/;
    assert.throws(() => client.query({ query: 'SELECT 1' }), leftOut);
    await assert.rejects(client.command({ query: 'SELECT 1' }), leftOut);
    await assert.rejects(client.insert({ table: 't', values: [{ a: 1 }] }), leftOut);
    await assert.rejects(client.ping(), leftOut);
  });
});
