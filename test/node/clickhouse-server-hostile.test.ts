/**
 * The embedded ClickHouse against an attacker: who can reach it, what a
 * read-only user can do, and malformed HTTP.
 *
 * - Loopback: the server, `trainwatch clickhouse` and `trainwatch demo` are
 *   tried on a non-loopback address of this machine; `--host 0.0.0.0` with a
 *   passwordless writer is refused unless explicitly allowed.
 * - Read-only: a fast-check property composes thousands of attempts to write,
 *   change a setting or reach outside (table functions at any depth, hidden by
 *   comments, quoting, case, Unicode; settings in clauses and URLs; smuggled
 *   parameters; split and multiple statements) and checks, as the writer,
 *   that the rows, tables, settings and file system are untouched and that
 *   nothing was fetched. The reads the elements make still work.
 * - Malformed HTTP: every case gets a ClickHouse-style error (or a closed
 *   connection for bytes that are not HTTP), and the server still answers a
 *   ping and a query afterwards.
 *
 * chDB allows one engine per process: one in-process server here, and the CLI
 * cases run as child processes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DEFAULT_MAX_BODY_BYTES, startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { backfill } from '../../src/server/simulator.js';
import { ClickHouseSource } from '../../src/sources/clickhouse-source.js';
import { bigNumberQuery } from '../../src/elements/big-number/big-number.queries.js';
import { CHECKPOINT_DEFAULTS, checkpointsQuery } from '../../src/elements/checkpoint-table/checkpoint-table.queries.js';
import { probeQuery } from '../../src/elements/gpu-util/gpu-util.queries.js';

const VIEWER = { name: 'viewer', password: 'look-only' };
const MAX_BODY = 1 << 20;
const HEADERS_TIMEOUT = 1000;
const GUARD = 'default.guard';
const GUARD_ROWS = '3\t6';
const BIN = join(import.meta.dirname, '../../bin/trainwatch.js');

let ch: EmbeddedClickHouse;
let port: number;
/** A local HTTP server standing for "outside": url(), remote() and friends must never reach it. */
let outside: Server;
let outsideHits = 0;
let outsideUrl: string;
/** Where attempts try to write files: it must stay empty. */
let dropDir: string;

/** The first non-loopback IPv4 address of this machine, if it has one. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

interface Reply {
  status: number;
  body: string;
  code: string | null;
}

const basic = (user: { name: string; password: string }) => `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;

/** One request with Node's HTTP client (which, unlike fetch, sends any method and odd URLs as given). */
function send(options: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string; port?: number; host?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: options.host ?? '127.0.0.1', port: options.port ?? port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), code: (res.headers['x-clickhouse-exception-code'] as string | undefined) ?? null }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A query as `curl`: `?query=` plus URL parameters, as the viewer unless `as` says otherwise. */
function query(sql: string | null, options: { as?: { name: string; password: string } | null; params?: Record<string, string>; body?: Buffer | string; method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const search = new URLSearchParams();
  if (sql !== null) search.set('query', sql);
  for (const [k, v] of Object.entries(options.params ?? {})) search.append(k, v);
  const as = options.as === undefined ? VIEWER : options.as;
  const headers = { ...(as ? { Authorization: basic(as) } : {}), ...options.headers };
  return send({ method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), path: `/?${search}`, headers, body: options.body });
}

function assertError(reply: Reply, status: number, code: number, message?: RegExp) {
  assert.equal(reply.status, status, reply.body);
  assert.equal(reply.code, String(code), reply.body);
  assert.ok(reply.body.startsWith(`Code: ${code}. DB::Exception: `), reply.body);
  if (message) assert.match(reply.body, message);
}

/** As the writer (the passwordless default user). */
async function scalar(sql: string): Promise<string> {
  const reply = await query(sql, { as: null });
  assert.equal(reply.status, 200, reply.body);
  return reply.body.trim();
}

/** The server still answers: a ping and a real query. */
async function assertAlive() {
  const ping = await send({ path: '/ping' });
  assert.equal(ping.status, 200);
  assert.equal(ping.body, 'Ok.\n');
  assert.equal(await scalar(`SELECT count(), sum(x) FROM ${GUARD}`), GUARD_ROWS);
}

interface RawAnswer {
  text: string;
  /** The server closed the connection (within `waitMs`). */
  closed: boolean;
}

/** Writes bytes on a raw TCP connection (all at once, or in timed pieces) and collects what comes back until the server closes or `waitMs` passes. */
function raw(pieces: Array<Buffer | string>, options: { gapMs?: number; waitMs?: number; port?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(options.port ?? port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      clearInterval(trickle);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    let next = 0;
    const trickle = setInterval(() => {
      if (next < pieces.length && !socket.destroyed) socket.write(pieces[next++]);
    }, options.gapMs ?? 0);
    if (!options.gapMs) {
      clearInterval(trickle);
      for (const piece of pieces) socket.write(piece);
    }
    timer = setTimeout(finish, options.waitMs ?? 3000);
  });
}

/** The status line and ClickHouse exception code of a raw answer. */
function parseRaw(answer: RawAnswer): { status: number; code: string | null; body: string } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer.text)?.[1] ?? 0);
  const code = /\r\nX-ClickHouse-Exception-Code: (\d+)\r\n/i.exec(answer.text)?.[1] ?? null;
  return { status, code, body: answer.text.split('\r\n\r\n').slice(1).join('\r\n\r\n') };
}

before(async () => {
  dropDir = mkdtempSync(join(tmpdir(), 'trainwatch-hostile-'));
  outside = createServer((_req, res) => {
    outsideHits++;
    res.end('1\n');
  });
  await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', () => resolve()));
  outsideUrl = `http://127.0.0.1:${(outside.address() as AddressInfo).port}/x.tsv`;
  ch = await startClickHouseServer({
    port: 0,
    users: [{ name: 'default', password: '' }, { ...VIEWER, readonly: true }],
    maxBodyBytes: MAX_BODY,
    headersTimeoutMs: HEADERS_TIMEOUT,
    requestTimeoutMs: 5000,
  });
  port = ch.port;
  for (const sql of [
    `CREATE TABLE ${GUARD} (x UInt8) ENGINE = MergeTree ORDER BY x`,
    `INSERT INTO ${GUARD} VALUES (1), (2), (3)`,
    'CREATE TABLE default.other (x UInt8) ENGINE = MergeTree ORDER BY x',
  ]) {
    const reply = await query(sql, { as: null, method: 'POST' });
    assert.equal(reply.status, 200, reply.body);
  }
});

after(async () => {
  await ch?.close();
  outside?.closeAllConnections();
  await new Promise<void>((resolve) => (outside ? outside.close(() => resolve()) : resolve()));
  rmSync(dropDir, { recursive: true, force: true });
});

describe('who can reach it', () => {
  it('listens on loopback only by default', async () => {
    assert.equal(new URL(ch.url).hostname, '127.0.0.1');
    await assertAlive();
    if (externalAddress) {
      // This machine has a non-loopback address; the server must not answer on it.
      await assert.rejects(send({ host: externalAddress, path: '/ping' }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    }
  });

  it('refuses a non-loopback host while a passwordless user can write, before opening anything', async () => {
    for (const host of ['0.0.0.0', '::', externalAddress ?? '192.0.2.1']) {
      await assert.rejects(startClickHouseServer({ host }), /refusing to listen on .*"default" has no password/);
      await assert.rejects(startClickHouseServer({ host, users: [{ name: 'ci', password: '' }, { name: 'viewer', password: '', readonly: true }] }), /"ci" has no password/);
    }
  });

  it('has a 256 MiB default body limit', () => {
    assert.equal(DEFAULT_MAX_BODY_BYTES, 256 * 1024 * 1024);
  });
});

/** Starts `node bin/trainwatch.js …` and resolves with the first stdout line matching `ready` (and the process). */
function startCli(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no "${ready}" in 30 s; stdout: ${out}; stderr: ${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, stderr: () => err });
      }
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${ready}"; stdout: ${out}; stderr: ${err}`));
    });
  });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('the CLI binds loopback unless told otherwise', () => {
  it('trainwatch clickhouse: 127.0.0.1, not reachable on another address', async () => {
    const { child, match } = await startCli(['clickhouse', '--port', '0'], /listening on (http:\/\/[^\s]+)/);
    try {
      const url = new URL(match[1]);
      assert.equal(url.hostname, '127.0.0.1');
      assert.equal((await send({ port: Number(url.port), path: '/ping' })).body, 'Ok.\n');
      if (externalAddress) await assert.rejects(send({ host: externalAddress, port: Number(url.port), path: '/ping' }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    } finally {
      await stop(child);
    }
  });

  it('trainwatch clickhouse --host 0.0.0.0 with the passwordless default user is refused, with what to do', async () => {
    const child = spawn(process.execPath, [BIN, 'clickhouse', '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, /--host 0\.0\.0\.0 would let anyone .* "default", which has no password/);
    assert.match(err, /--user default:PASSWORD/);
    assert.match(err, /--allow-passwordless-remote/);
  });

  it('--host 0.0.0.0 --allow-passwordless-remote warns loudly; --max-body bounds bodies', async () => {
    const { child, match, stderr } = await startCli(
      ['clickhouse', '--port', '0', '--host', '0.0.0.0', '--allow-passwordless-remote', '--max-body', '64K', '--readonly-user', 'viewer:pw'],
      /listening on (http:\/\/[^\s]+)/,
    );
    try {
      assert.match(stderr(), /WARNING: listening on 0\.0\.0\.0 with user "default" writable WITHOUT A PASSWORD/);
      const childPort = Number(new URL(match[1]).port);
      const host = externalAddress ?? '127.0.0.1';
      assert.equal((await send({ host, port: childPort, path: '/?query=SELECT%201' })).body, '1\n');
      const tooBig = await send({ host, port: childPort, method: 'POST', path: '/', body: Buffer.alloc(64 * 1024 + 1, 0x20) });
      assertError(tooBig, 413, 202, /exceeds 65536 bytes/);
      assertError(await send({ host, port: childPort, path: '/?query=SELECT%201', headers: { Authorization: basic({ name: 'viewer', password: 'no' }) } }), 403, 516);
    } finally {
      await stop(child);
    }
  });

  it('trainwatch demo: its ClickHouse is on 127.0.0.1 only', async () => {
    const args = ['demo', '--port', '0', '--clickhouse-port', '0', '--runs', '1', '--finished', '0', '--failed', '0', '--history', '0', '--past-days', '0'];
    const { child, match } = await startCli(args, /embedded ClickHouse \S+ on (http:\/\/[^\s]+)/);
    try {
      const url = new URL(match[1]);
      assert.equal(url.hostname, '127.0.0.1');
      assert.equal((await send({ port: Number(url.port), path: '/ping' })).body, 'Ok.\n');
      if (externalAddress) await assert.rejects(send({ host: externalAddress, port: Number(url.port), path: '/ping' }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    } finally {
      await stop(child);
    }
  });
});

describe('settings a request sends last for that request only', () => {
  it('comes back to the server default of a setting, not ClickHouse’s', async () => {
    const big = 'SELECT toUInt64(9007199254740993) AS x FORMAT JSONEachRow';
    assert.equal(await scalar(big), '{"x":"9007199254740993"}');
    assert.equal((await query(big, { as: null, params: { output_format_json_quote_64bit_integers: '0' } })).body.trim(), '{"x":9007199254740993}');
    assert.equal(await scalar(big), '{"x":"9007199254740993"}');
  });

  for (const [name, value] of [['max_query_size', '5'], ['dialect', 'prql'], ['readonly', '2'], ['max_ast_elements', '1'], ['max_parser_depth', '1']] as const) {
    it(`survives ${name}=${value}, which the session cannot undo by itself`, async () => {
      await query('SELECT 1', { as: null, params: { [name]: value } });
      assert.equal(await scalar(`SELECT count(), sum(x) FROM ${GUARD}`), GUARD_ROWS);
      assert.equal(await scalar(`SELECT getSetting('${name}') = (SELECT default FROM system.settings WHERE name = '${name}')`), '1');
      // Writing still works.
      assert.equal((await query('CREATE TABLE IF NOT EXISTS default.after_settings (x UInt8) ENGINE = Memory', { as: null, method: 'POST' })).status, 200);
    });
  }

  it('treats readonly=1 from a writer as a read-only request', async () => {
    assertError(await query(`INSERT INTO ${GUARD} VALUES (9)`, { as: null, method: 'POST', params: { readonly: '1' } }), 500, 164);
    assertError(await query('SELECT 1', { as: null, params: { readonly: '1', max_threads: '1' } }), 500, 164, /max_threads/);
    assertError(await query(`SELECT * FROM url('${outsideUrl}', 'TSV', 'x UInt8')`, { as: null, params: { readonly: '1' } }), 500, 164, /url/);
    assertError(await query('SELECT 1', { as: null, params: { readonly: 'yes' } }), 400, 72);
    assert.equal((await query('SELECT 1', { as: null, params: { readonly: '1' } })).body, '1\n');
    assert.equal(await scalar(`SELECT count(), sum(x) FROM ${GUARD}`), GUARD_ROWS);
  });

  it('a SET or USE statement changes nothing for later requests, as over HTTP without a session', async () => {
    const threads = await scalar("SELECT getSetting('max_threads')");
    assert.equal((await query('SET max_threads = 1', { as: null, method: 'POST' })).status, 200);
    assert.equal(await scalar("SELECT getSetting('max_threads')"), threads);
    assertError(await query('SET max_threads = ', { as: null, method: 'POST' }), 400, 62);
    assert.equal((await query('USE system', { as: null, method: 'POST' })).status, 200);
    assert.equal(await scalar('SELECT currentDatabase()'), 'default');
    assertError(await query('USE no_such_database', { as: null, method: 'POST' }), 404, 81);
  });
});

/** The state an attempt must leave alone, read as the writer. */
async function snapshot() {
  return {
    guard: await scalar(`SELECT count(), sum(x) FROM ${GUARD}`),
    tables: await scalar("SELECT groupArray((database, name)) FROM (SELECT database, name FROM system.tables WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') ORDER BY database, name)"),
    databases: await scalar('SELECT groupArray(name) FROM (SELECT name FROM system.databases ORDER BY name)'),
    settings: await scalar('SELECT groupArray((name, value)) FROM (SELECT name, value FROM system.settings WHERE changed ORDER BY name)'),
  };
}

describe('a read-only user cannot write, change a setting or reach outside', () => {
  let before_: Awaited<ReturnType<typeof snapshot>>;
  before(async () => {
    before_ = await snapshot();
  });

  const F = () => join(dropDir, 'x.tsv');
  const U = () => outsideUrl;
  /** Table functions that reach outside the database, with arguments that would work. */
  const reachOut: Array<(name: string) => string> = [
    (n) => `${n}('${F()}', 'TSV', 'x UInt8')`,
    (n) => `${n}('${U()}', 'TSV', 'x UInt8')`,
    (n) => `${n}('127.0.0.1:${port}', 'default', 'guard')`,
    (n) => `${n}('${dropDir}')`,
    (n) => `${n}('x UInt8')`,
    (n) => `${n}('127.0.0.1:3306', 'db', 'tbl', 'user', 'pw')`,
  ];
  const names = ['file', 'url', 's3', 'remote', 'remoteSecure', 'cluster', 'clusterAllReplicas', 'mysql', 'postgresql', 'executable', 'input', 'hdfs', 'jdbc', 'odbc', 'dictionary', 'sqlite', 'filesystem', 'urlCluster', 'fileCluster', 's3Cluster', 'gcs', 'azureBlobStorage', 'mongodb', 'redis', 'iceberg', 'deltaLake', 'merge', 'view', 'format'];
  /** How a function's name may be disguised: quoting, comments, whitespace; case and look-alikes only make it unknown. */
  const disguise = fc.constantFrom<(n: string) => string>(
    (n) => n,
    (n) => `\`${n}\``,
    (n) => `"${n}"`,
    (n) => `${n} /* x */ `,
    (n) => `${n}\n\t`,
    (n) => `${n} -- c\n`,
    (n) => n.toUpperCase(),
    (n) => n.replace('i', '\u0456'), // Cyrillic і
    (n) => `${n[0]}\u200b${n.slice(1)}`, // zero-width space
    (n) => n.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)), // fullwidth
  );
  const tableFunction = fc.tuple(fc.constantFrom(...names), disguise, fc.constantFrom(...reachOut)).map(([n, d, args]) => args(d(n)).replace(/^(.*?)\(/s, (_, head: string) => `${head}(`));
  /** Where a table function may sit in a read. */
  const places = fc.constantFrom<(t: string) => string>(
    (t) => `SELECT * FROM ${t}`,
    (t) => `SELECT * FROM numbers(1) AS a JOIN ${t} AS b ON 1`,
    (t) => `SELECT 1 WHERE 1 IN (SELECT * FROM ${t})`,
    (t) => `SELECT (SELECT count() FROM ${t})`,
    (t) => `WITH c AS (SELECT * FROM ${t}) SELECT * FROM c`,
    (t) => `SELECT * FROM (SELECT * FROM (SELECT * FROM ${t}))`,
    (t) => `SELECT 1 UNION ALL SELECT count() FROM ${t}`,
    (t) => `DESCRIBE TABLE ${t}`,
    (t) => `EXPLAIN SELECT * FROM ${t}`,
    (t) => `EXPLAIN PIPELINE INSERT INTO FUNCTION ${t} SELECT 1`,
    (t) => `SELECT 1 IN ${t}`,
    (t) => `SELECT * FROM viewExplain('EXPLAIN', '', (SELECT * FROM ${t}))`,
  );
  const writes = fc.constantFrom(
    `INSERT INTO ${GUARD} VALUES (9)`,
    `INSERT INTO ${GUARD} SELECT 9`,
    `INSERT INTO ${GUARD} FORMAT TSV\n9\n`,
    `INSERT INTO FUNCTION file('${join(tmpdir(), 'x')}', 'TSV', 'x UInt8') SELECT 1`,
    'CREATE TABLE default.evil (x UInt8) ENGINE = Memory',
    'CREATE DATABASE evil',
    'CREATE VIEW default.evil_view AS SELECT 1',
    'CREATE FUNCTION evil AS (x) -> x',
    `ALTER TABLE ${GUARD} DELETE WHERE 1`,
    `ALTER TABLE ${GUARD} UPDATE x = 0 WHERE 1`,
    `DELETE FROM ${GUARD} WHERE 1`,
    `DROP TABLE ${GUARD}`,
    `TRUNCATE TABLE ${GUARD}`,
    `RENAME TABLE ${GUARD} TO default.gone`,
    `EXCHANGE TABLES ${GUARD} AND default.other`,
    `OPTIMIZE TABLE ${GUARD} FINAL`,
    `DETACH TABLE ${GUARD}`,
    'ATTACH TABLE default.other',
    'UNDROP TABLE default.gone',
    'SYSTEM DROP MARK CACHE',
    'SYSTEM STOP MERGES',
    'KILL QUERY WHERE 1',
    'GRANT ALL ON *.* TO viewer',
    'REVOKE ALL ON *.* FROM default',
    'CREATE USER evil',
    'SET max_threads = 1',
    'SET readonly = 0',
    'SET ROLE NONE',
    `BACKUP TABLE ${GUARD} TO File('${join(dropDir, 'b.zip')}')`,
    `RESTORE TABLE ${GUARD} FROM File('${join(dropDir, 'b.zip')}')`,
    `SELECT 1 INTO OUTFILE '${join(dropDir, 'o.tsv')}'`,
    `SELECT 1 INTO OUTFILE '${join(dropDir, 'o.tsv')}' TRUNCATE`,
    `EXPLAIN SYNTAX DROP TABLE ${GUARD}`,
  );
  const settingsClauses = fc.constantFrom(
    'SELECT 1 SETTINGS max_threads = 1',
    'SELECT * FROM (SELECT 1 SETTINGS readonly = 0)',
    'WITH (SELECT 1 SETTINGS max_threads = 1) AS a SELECT a',
    'WITH c AS (SELECT 1 SETTINGS max_threads = 1) SELECT * FROM c',
    'SELECT 1 FORMAT TSV SETTINGS max_threads = 1',
    'SELECT 1 WHERE 1 IN (SELECT 1 SETTINGS max_threads = 1)',
    'EXPLAIN SELECT 1 SETTINGS max_threads = 1',
    `SELECT count() FROM ${GUARD} SETTINGS allow_ddl = 1`,
  );
  /** Reads that must pass, so that refusing everything would fail the property. */
  const reads = fc.constantFrom(`SELECT count(), sum(x) FROM ${GUARD}`, 'SELECT sum(number) FROM numbers(3)', "SELECT format('{}', 1)", 'SELECT 1 IN (SELECT number FROM numbers(2))');
  const statement = fc.oneof(
    { weight: 1, arbitrary: reads },
    { weight: 4, arbitrary: fc.tuple(places, tableFunction).map(([p, t]) => p(t)) },
    { weight: 3, arbitrary: writes },
    { weight: 1, arbitrary: settingsClauses },
  );
  /** How the text is wrapped: leading comments, a second statement, a trailing FORMAT. */
  const wrap = fc.constantFrom<(s: string) => string>(
    (s) => s,
    (s) => `/* a /* nested */ comment */ ${s}`,
    (s) => `-- line\n${s}`,
    (s) => `\uFEFF${s}`,
    (s) => `SELECT 1; ${s}`,
    (s) => `${s}; SELECT 1`,
    (s) => `${s} FORMAT JSONEachRow`,
    (s) => `${s} FORMAT Null`,
    (s) => `(${s})`,
  );
  /** URL parameters sent alongside: settings, parameters that try to smuggle SQL, odd names. */
  const urlParams = fc.constantFrom<Record<string, string>>(
    {},
    {},
    { max_threads: '1' },
    { readonly: '0' },
    { allow_ddl: '1' },
    { max_query_size: '5' },
    { dialect: 'prql' },
    { log_queries: '1' },
    { param_p: "'); DROP TABLE default.guard; --" },
    { param_p: "x' UNION ALL SELECT * FROM file('/etc/passwd') --" },
    { 'param_x;DROP': '1' },
    { param_: '1' },
    { 'param_\u0000': '1' },
    { database: 'system' },
    { default_format: 'JSON' },
  );
  const attempt = fc.record({
    sql: fc.tuple(wrap, statement).map(([w, s]) => w(s)),
    params: urlParams,
    /** Where the text goes: 0 = ?query=, 1 = body, 2 = split between them. */
    delivery: fc.constantFrom(0, 1, 2),
    split: fc.nat(),
    identity: fc.constantFrom('viewer', 'viewer-headers', 'readonly=1'),
    gzip: fc.boolean(),
  });

  it('thousands of composed attempts change nothing and fetch nothing', async () => {
    let refused = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(attempt, async (a) => {
        runs++;
        const search = new URLSearchParams();
        const headers: Record<string, string> = {};
        if (a.identity === 'viewer') headers.Authorization = basic(VIEWER);
        else if (a.identity === 'viewer-headers') Object.assign(headers, { 'X-ClickHouse-User': VIEWER.name, 'X-ClickHouse-Key': VIEWER.password });
        else search.set('readonly', '1');
        let body: string | undefined;
        if (a.delivery === 0) search.set('query', a.sql);
        else if (a.delivery === 1) body = a.sql;
        else {
          const at = a.split % (a.sql.length + 1);
          search.set('query', a.sql.slice(0, at));
          body = a.sql.slice(at);
        }
        for (const [k, v] of Object.entries(a.params)) search.append(k, v);
        let payload: Buffer | string | undefined = body;
        if (body !== undefined && a.gzip) {
          payload = gzipSync(body);
          headers['Content-Encoding'] = 'gzip';
        }
        const reply = await send({ method: body === undefined ? 'GET' : 'POST', path: `/?${search}`, headers, body: payload });
        if (reply.status === 200) {
          // Only reads of nothing outside pass: they must not have fetched, written or changed anything.
          assert.doesNotMatch(a.sql, /INSERT|CREATE|ALTER|DELETE|DROP|TRUNCATE|RENAME|EXCHANGE|OPTIMIZE|DETACH|ATTACH|SYSTEM|KILL|GRANT|REVOKE|SET |BACKUP|RESTORE|OUTFILE|SETTINGS/, reply.body);
        } else {
          refused++;
          assert.ok(reply.code && reply.body.startsWith(`Code: ${reply.code}. DB::Exception: `), `${reply.status} ${reply.body}`);
        }
        assert.equal(outsideHits, 0, `fetched from outside: ${a.sql}`);
        assert.deepEqual(readdirSync(dropDir), [], `wrote a file: ${JSON.stringify(a)}`);
        assert.equal(await scalar(`SELECT count(), sum(x) FROM ${GUARD}`), GUARD_ROWS, a.sql);
      }),
      { numRuns: 1500, seed: 20260707 },
    );
    assert.deepEqual(await snapshot(), before_);
    assert.ok(refused > runs * 0.7 && refused < runs, `${refused} of ${runs} refused`);
    console.log(`# read-only attempts: ${runs}, refused ${refused}`);
  });

  it('the writer can reach outside: the sentinel would have seen a read-only fetch', async () => {
    // Proves the property above can fail: the same url() call as the writer does hit the sentinel.
    const reply = await query(`SELECT * FROM url('${outsideUrl}', 'TSV', 'x UInt8')`, { as: null });
    assert.equal(reply.status, 200, reply.body);
    assert.ok(outsideHits > 0);
    outsideHits = 0;
  });

  it('the reads the elements make still work for the read-only user, with the writer’s answers', async () => {
    await backfill({ url: ch.url, runs: 1, finishedRuns: 0, failedRuns: 0, history: 300, stepsPerSecond: 5, seed: 3, runPrefix: 'ro-', log: () => undefined });
    const viewer = new ClickHouseSource({ url: ch.url, user: VIEWER.name, password: VIEWER.password });
    const writer = new ClickHouseSource({ url: ch.url });
    const signal = new AbortController().signal;
    try {
      const runs = await writer.describeRuns(['ro-0'], signal);
      assert.equal(runs.length, 1);
      assert.ok(runs[0].metrics.includes('loss'), runs[0].metrics.join());
      assert.deepEqual(await viewer.describeRuns(['ro-0'], signal), runs);
      const plan = { tails: [{ run: 'ro-0', metric: 'loss', afterStep: -1 }], views: [{ run: 'ro-0', metric: 'loss', fromStep: 0, toStep: Infinity, columns: 50 }], tailLimit: 1000 };
      const seen = await viewer.fetch(plan, signal);
      const expected = await writer.fetch(plan, signal);
      assert.ok((expected.tails.values().next().value?.steps.length ?? 0) > 0);
      assert.deepEqual(seen, expected);
      const queries = [
        bigNumberQuery(['ro-0'], 'loss', 0, 'last'),
        checkpointsQuery({ ...CHECKPOINT_DEFAULTS, runs: ['ro-0'] }),
        probeQuery('ro-0', 'sys.gpu.*.util_percent'),
      ];
      assert.deepEqual(await viewer.rows(queries, signal), await writer.rows(queries, signal));
    } finally {
      await viewer.close();
      await writer.close();
    }
  });
});

describe('malformed HTTP gets a ClickHouse-style answer and the server goes on', () => {
  it('broken percent-encoding and invalid UTF-8 in the query string', async () => {
    for (const path of ['/?query=SELECT%201%ZZ', '/?query=SELECT%20%27%FF%FE%27', '/?query=SELECT%201&param_x=%C3%28', '/?query=SELECT%201&%E0%A4%A=1', '/?query=SELECT+%']) {
      assertError(await send({ path, headers: { Authorization: basic(VIEWER) } }), 400, 36, /percent-encoding or invalid UTF-8/);
      await assertAlive();
    }
  });

  it('NUL bytes in the query, a parameter and a database name', async () => {
    assertError(await query('SELECT 1\u0000; DROP TABLE default.guard'), 400, 62);
    assertError(await query('SELECT 1 -- \u0000\n; DROP TABLE default.guard', { as: null, method: 'POST' }), 400, 62);
    assert.deepEqual(JSON.parse((await query('SELECT {s:String} AS s FORMAT JSONEachRow', { params: { param_s: 'a\u0000b' } })).body), { s: 'a\u0000b' });
    assertError(await query('SELECT 1', { params: { database: 'x\u0000y' } }), 404, 81);
    await assertAlive();
  });

  it('odd parameter names, and duplicated parameters', async () => {
    assertError(await query('SELECT 1', { params: { param_: '1' } }), 400, 36, /Invalid query parameter name/);
    assertError(await query('SELECT 1', { params: { 'param_a b': '1' } }), 400, 36);
    assertError(await query('SELECT 1', { params: { 'param_{x:String}': '1' } }), 400, 36);
    assertError(await query('SELECT {x:String}', { params: { 'param_x\u0000': '1' } }), 400, 36);
    // A repeated parameter: the last value wins, as settings applied in order do on a server.
    assert.equal((await send({ path: '/?query=SELECT%20%7Bx%3AUInt8%7D&param_x=1&param_x=2', headers: { Authorization: basic(VIEWER) } })).body, '2\n');
    // A repeated query: the first wins.
    assert.equal((await send({ path: '/?query=SELECT%201&query=SELECT%202', headers: { Authorization: basic(VIEWER) } })).body, '1\n');
    await assertAlive();
  });

  it('a query_id that cannot go back in a header (CR/LF, non-Latin-1) is refused, not a crash', async () => {
    for (const id of ['a\r\nSet-Cookie: x=1', 'a\nb', 'snow\u2603man', 'nul\u0000']) {
      const reply = await query('SELECT 1', { params: { query_id: id } });
      assertError(reply, 400, 36, /query_id/);
      await assertAlive();
    }
    assert.equal((await query('SELECT 1', { params: { query_id: 'ok-id' } })).status, 200);
  });

  it('a default_format that is no format name is 404 code 73', async () => {
    assertError(await query(`INSERT INTO ${GUARD} VALUES`, { as: { name: 'default', password: '' }, params: { default_format: 'TSV\r\nX: y' }, method: 'POST' }), 404, 73);
    await assertAlive();
  });

  it('a body over maxBodyBytes: 413 code 202, whether announced, chunked or gzip-inflated', async () => {
    // Announced: refused from the headers, before reading a byte of the body.
    const announced = parseRaw(await raw([`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\nSELECT `]));
    assert.equal(announced.status, 413);
    assert.equal(announced.code, '202');
    assert.match(announced.body, /^Code: 202\. DB::Exception: Request body exceeds 1048576 bytes/);
    // Chunked, no length: refused as it passes the limit.
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const pieces: Array<Buffer | string> = ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'];
    for (let i = 0; i < 5; i++) pieces.push(`${chunk.length.toString(16)}\r\n`, chunk, '\r\n');
    const chunked = parseRaw(await raw(pieces));
    assert.equal(chunked.status, 413);
    assert.equal(chunked.code, '202');
    await assertAlive();
  });

  it('a gzip bomb is bounded: 413 after inflating at most maxBodyBytes', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * MAX_BODY, 0x20), { level: 9 });
    assert.ok(bomb.length < MAX_BODY / 8);
    const rssBefore = process.memoryUsage().rss;
    const reply = await send({ method: 'POST', path: '/', body: bomb, headers: { 'Content-Encoding': 'gzip', Authorization: basic(VIEWER) } });
    assertError(reply, 413, 202, /Decompressed request body exceeds 1048576 bytes/);
    console.log(`# gzip bomb: ${bomb.length} bytes → would inflate to ${64 * MAX_BODY}; rss grew ${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(1)} MiB`);
    await assertAlive();
  });

  it('invalid gzip, and an unknown encoding', async () => {
    assertError(await send({ method: 'POST', path: '/', body: 'SELECT 1', headers: { 'Content-Encoding': 'gzip', Authorization: basic(VIEWER) } }), 500, 354, /inflate failed/);
    assertError(await send({ method: 'POST', path: '/', body: gzipSync('SELECT 1').subarray(0, 12), headers: { 'Content-Encoding': 'gzip', Authorization: basic(VIEWER) } }), 500, 354);
    assertError(await send({ method: 'POST', path: '/', body: 'SELECT 1', headers: { 'Content-Encoding': 'zstd, gzip', Authorization: basic(VIEWER) } }), 501, 48);
    await assertAlive();
  });

  it('chunked encoding errors: 400 or a closed connection', async () => {
    for (const bad of ['ZZ\r\nSELECT 1\r\n0\r\n\r\n', '3\r\nSELECT 1\r\n0\r\n\r\n', 'fffffffffffffffff\r\n', '8\r\nSELECT 1XX\r\n']) {
      const answer = await raw([`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${bad}`], { waitMs: 1500 });
      const { status, code } = parseRaw(answer);
      if (status) {
        assert.equal(status, 400, answer.text);
        assert.ok(code, answer.text);
      } else {
        assert.ok(answer.closed, answer.text);
      }
      await assertAlive();
    }
  });

  it('headers over 1 MiB: 431 with a ClickHouse body', async () => {
    const answer = parseRaw(await raw([`GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat((1 << 20) + 10)}\r\n\r\n`]));
    assert.equal(answer.status, 431);
    assert.equal(answer.code, '36');
    assert.match(answer.body, /^Code: 36\. DB::Exception: Request headers exceed/);
    await assertAlive();
  });

  it('other methods find no handle, as on ClickHouse: 404 code 1', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'LINK', 'MKCOL']) {
      for (const path of ['/?query=SELECT%201', '/ping']) {
        const reply = await send({ method, path, body: method === 'TRACE' ? undefined : 'DROP TABLE default.guard', headers: { Authorization: basic(VIEWER) } });
        assertError(reply, 404, 1, new RegExp(`There is no handle /\\S* for method ${method}`));
      }
    }
    const connectAnswer = parseRaw(await raw(['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n']));
    assert.equal(connectAnswer.status, 404);
    assert.equal(connectAnswer.code, '1');
    const upgrade = parseRaw(await raw(['GET /?query=SELECT%201 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n']));
    assert.equal(upgrade.status, 404);
    assert.equal(upgrade.code, '1');
    await assertAlive();
  });

  it('slowloris: headers trickled past headersTimeout get 408 and a closed connection', async () => {
    const pieces = ['GET /ping HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: 1\r\n`)];
    const answer = await raw(pieces, { gapMs: 100, waitMs: 8000 });
    const { status, code } = parseRaw(answer);
    assert.equal(status, 408, answer.text);
    assert.equal(code, '159');
    assert.ok(answer.closed);
    await assertAlive();
  });

  it('an idle keep-alive connection outlives headersTimeout: only a started request is timed', async () => {
    const socket = connect(port, '127.0.0.1');
    const replies: string[] = [];
    socket.on('data', (c: Buffer) => replies.push(c.toString('latin1')));
    const request = 'GET /ping HTTP/1.1\r\nHost: x\r\n\r\n';
    socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, HEADERS_TIMEOUT * 2.5));
    assert.equal(socket.destroyed, false);
    socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    assert.equal(replies.join('').match(/HTTP\/1\.1 200 OK/g)?.length, 2, replies.join(''));
  });

  it('a malformed request target is 400 code 36', async () => {
    const answer = parseRaw(await raw(['GET http://[bad/?query=SELECT%201 HTTP/1.1\r\nHost: x\r\n\r\n']));
    assert.equal(answer.status, 400);
    assert.ok(answer.code, answer.body);
    await assertAlive();
  });

  it('fuzz: raw request lines, headers and garbage bytes never crash it', async () => {
    const token = fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'BREW', '', 'G\u0000T', 'get', 'POST /');
    const target = fc.oneof(
      fc.constantFrom('/', '/?query=SELECT%201', '/ping', '*', '//', '/%', '/?query=%', '/?%00=%00', 'http://x/?query=SELECT%201', '/?' + 'a'.repeat(5000)),
      fc.string({ maxLength: 40 }),
    );
    const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', '', 'http/1.1');
    const header = fc.oneof(
      fc.constantFrom('Host: x', 'Content-Length: -1', 'Content-Length: 99999999999999999999', 'Content-Length: 5\r\nContent-Length: 6', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Content-Encoding: gzip', 'Authorization: Basic !!!', 'Authorization: Bearer x', 'X-ClickHouse-User: viewer', 'Expect: 100-continue', ': empty name', 'No-Colon', 'X: \u0000', 'X-ClickHouse-Format: JSON\u0001'),
      fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), fc.string({ maxLength: 30 })).map(([k, v]) => `${k}: ${v}`),
    );
    const request = fc.tuple(token, target, version, fc.array(header, { maxLength: 5 }), fc.string({ maxLength: 60 })).map(
      ([m, t, v, hs, body]) => `${m} ${t} ${v}\r\n${hs.join('\r\n')}\r\n\r\n${body}`,
    );
    const garbage = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b));
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(request, garbage), async (bytes) => {
        cases++;
        const answer = await raw([bytes], { waitMs: 400 });
        const { status, code, body } = parseRaw(answer);
        if (status >= 400) {
          // Every error, whoever produced it, is ClickHouse's kind (an answer to HEAD has no body).
          assert.ok(code && (body.startsWith(`Code: ${code}. DB::Exception: `) || /^HEAD /.test(String(bytes))), answer.text);
        }
        assert.ok(status || answer.closed || answer.text === '' , answer.text);
      }),
      { numRuns: 300, seed: 7 },
    );
    console.log(`# raw HTTP fuzz cases: ${cases}`);
    await assertAlive();
  });

  it('a flood of connections: those over maxConnections are closed, queries still answered', async () => {
    let closed = 0;
    const sockets = await Promise.all(
      Array.from({ length: 1200 }, () => new Promise<Socket>((resolve) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', () => undefined);
        s.on('close', () => closed++);
        s.resume();
      })),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const s of sockets) s.destroy();
    assert.ok(closed >= 200, `${closed} of 1200 closed`);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => query(`SELECT ${i}`)));
    assert.deepEqual(answers.map((a) => a.body), Array.from({ length: 100 }, (_, i) => `${i}\n`));
    await assertAlive();
  });
});
