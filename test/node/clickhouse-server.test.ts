/**
 * The embedded ClickHouse over its real HTTP protocol, driven the way real
 * clients drive a ClickHouse server: the official `@clickhouse/client-web`
 * (fetch-based, so it runs in Node 20 as in a browser) and plain fetch used
 * like curl.
 *
 * chDB allows one data directory per process, so this file starts exactly one
 * server (with several users); the CORS default is checked through a second
 * HTTP front end on the same engine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { ClickHouseHttpHandler, startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';

const TABLE = 'training_observability.metric_points';
/** A password with a colon: Basic auth splits at the first one only. */
const WRITER = { name: 'trainer', password: 's3cret:with colon' };
const VIEWER = { name: 'viewer', password: 'look-only', readonly: true };
const WIKI = 'https://wiki.example.com';
const BIG_STEP = '9007199254740993'; // 2^53 + 1: not representable as a JS number

type User = { name: string; password: string };

let ch: EmbeddedClickHouse;
let openFrontEnd: Server;
let openUrl: string;

interface Reply {
  status: number;
  body: string;
  headers: Headers;
}

interface CallOptions {
  method?: string;
  body?: string | Uint8Array;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  /** Who sends it (Basic auth); null for no credentials. Default: the writer. */
  as?: User | null;
  base?: string;
  path?: string;
}

const basic = (user: User) => `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;

/** One HTTP request, like `curl 'http://host:port/?query=…'`. */
async function call(query: string | null, options: CallOptions = {}): Promise<Reply> {
  const url = new URL(options.path ?? '/', options.base ?? ch.url);
  if (query !== null) url.searchParams.set('query', query);
  for (const [name, value] of Object.entries(options.params ?? {})) url.searchParams.set(name, value);
  const headers: Record<string, string> = { ...options.headers };
  const as = options.as === undefined ? WRITER : options.as;
  if (as) headers.Authorization = basic(as);
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    body: options.body,
    headers,
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** Asserts a ClickHouse error reply: HTTP status, exception code header and `Code: N. DB::Exception:` body. */
function assertError(reply: Reply, status: number, code: number, message?: RegExp) {
  assert.equal(reply.status, status, reply.body);
  assert.equal(reply.headers.get('x-clickhouse-exception-code'), String(code), reply.body);
  assert.ok(reply.body.startsWith(`Code: ${code}. DB::Exception: `), reply.body);
  if (message) assert.match(reply.body, message);
}

/** Runs a read as the writer and returns the TSV body trimmed. */
async function scalar(sql: string, params: Record<string, string> = {}): Promise<string> {
  const reply = await call(sql, { params });
  assert.equal(reply.status, 200, reply.body);
  return reply.body.trim();
}

const countRun = (run: string) => scalar(`SELECT count() FROM ${TABLE} WHERE run_id = {run:String}`, { param_run: run });
const tableExists = (name: string) => scalar(`EXISTS TABLE ${name}`);

/** Asserts the error code of a rejection from the official client. */
function clientError(code: string, type: string) {
  return (error: unknown) => {
    const e = error as { code?: string; type?: string; message?: string };
    assert.equal(e.code, code, e.message);
    assert.equal(e.type, type, e.message);
    return true;
  };
}

before(async () => {
  ch = await startClickHouseServer({ port: 0, users: [WRITER, VIEWER], allowOrigins: [WIKI] });
  const handler = new ClickHouseHttpHandler(ch.engine, { users: [WRITER] });
  openFrontEnd = createServer((req, res) => void handler.handle(req, res));
  await new Promise<void>((resolve) => openFrontEnd.listen(0, '127.0.0.1', () => resolve()));
  openUrl = `http://127.0.0.1:${(openFrontEnd.address() as AddressInfo).port}`;
});

after(async () => {
  openFrontEnd?.closeAllConnections();
  await new Promise<void>((resolve) => (openFrontEnd ? openFrontEnd.close(() => resolve()) : resolve()));
  await ch?.close();
});

describe('the user table', () => {
  it('exists with exactly the mission DDL columns, types and defaults', async () => {
    const reply = await call(
      "SELECT name, type, default_kind, default_expression FROM system.columns WHERE database = 'training_observability' AND table = 'metric_points' ORDER BY position FORMAT JSONCompactEachRow",
    );
    assert.equal(reply.status, 200, reply.body);
    const columns = reply.body.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(columns, [
      ['event_time', 'DateTime64(3)', 'DEFAULT', 'now64(3)'],
      ['run_id', 'LowCardinality(String)', '', ''],
      ['host', 'LowCardinality(String)', 'DEFAULT', "''"],
      ['rank', 'UInt32', 'DEFAULT', '0'],
      ['device', 'UInt16', 'DEFAULT', '65535'],
      ['step', 'UInt64', 'DEFAULT', '0'],
      ['metric', 'LowCardinality(String)', '', ''],
      ['value', 'Float64', '', ''],
      ['unit', 'LowCardinality(String)', 'DEFAULT', "''"],
      ['tags_json', 'String', 'DEFAULT', "''"],
    ]);
  });

  it('is a MergeTree partitioned by month and ordered as given', async () => {
    const reply = await call(
      "SELECT engine, partition_key, sorting_key FROM system.tables WHERE database = 'training_observability' AND name = 'metric_points' FORMAT JSONEachRow",
    );
    assert.deepEqual(JSON.parse(reply.body), {
      engine: 'MergeTree',
      partition_key: 'toYYYYMM(event_time)',
      sorting_key: 'run_id, metric, host, rank, device, step, event_time',
    });
  });
});

describe('official client @clickhouse/client-web', () => {
  let client: ClickHouseClient;
  let viewer: ClickHouseClient;
  const RUN = 'client-run';
  const rows = [
    { event_time: '2024-05-01 12:00:00.125', run_id: RUN, host: 'gpu-node-1', rank: 3, device: 1, step: BIG_STEP, metric: 'loss', value: 2.75, unit: '', tags_json: '{"phase":"train"}' },
    { event_time: '2024-05-01 12:00:01.500', run_id: RUN, host: 'gpu-node-1', rank: 0, device: 0, step: '10', metric: 'sys.gpu.0.util_percent', value: 97.5, unit: '%', tags_json: '' },
  ];

  before(() => {
    client = createClient({ url: ch.url, username: WRITER.name, password: WRITER.password });
    viewer = createClient({ url: ch.url, username: VIEWER.name, password: VIEWER.password });
  });
  after(async () => {
    await client.close();
    await viewer.close();
  });

  it('pings, and a wrong password makes the ping fail with 516', async () => {
    assert.deepEqual(await client.ping(), { success: true });
    const wrong = createClient({ url: ch.url, username: WRITER.name, password: 'nope' });
    const result = await wrong.ping();
    assert.equal(result.success, false);
    assert.equal((result as { error: { code?: string } }).error.code, '516');
    await wrong.close();
  });

  it('inserts JSONEachRow rows and reads exactly those rows back', async () => {
    const inserted = await client.insert({ table: TABLE, values: [...rows, { run_id: RUN, metric: 'lr', value: 0.0003 }], format: 'JSONEachRow' });
    assert.equal(inserted.executed, true);
    const result = await client.query({
      query: `SELECT event_time, run_id, host, rank, device, step, metric, value, unit, tags_json FROM ${TABLE} WHERE run_id = {run:String} AND metric != 'lr' ORDER BY step DESC`,
      query_params: { run: RUN },
      format: 'JSONEachRow',
    });
    assert.deepEqual(await result.json(), rows);
  });

  it('fills the column defaults of the DDL for omitted columns', async () => {
    const result = await client.query({
      query: `SELECT host, rank, device, step, unit, tags_json, abs(toUnixTimestamp64Milli(event_time) - {now:Int64}) < 600000 AS recent FROM ${TABLE} WHERE run_id = {run:String} AND metric = 'lr'`,
      query_params: { run: RUN, now: Date.now() },
      format: 'JSONEachRow',
    });
    assert.deepEqual(await result.json(), [{ host: '', rank: 0, device: 65535, step: '0', unit: '', tags_json: '', recent: 1 }]);
  });

  it('binds query_params as values: an injection attempt matches no run', async () => {
    const injected = await client.query({
      query: `SELECT run_id, step FROM ${TABLE} WHERE run_id = {run:String}`,
      query_params: { run: "x' OR 1=1 --" },
      format: 'JSONEachRow',
    });
    assert.deepEqual(await injected.json(), []);
    const real = await client.query({ query: `SELECT count() AS n FROM ${TABLE} WHERE run_id = {run:String}`, query_params: { run: RUN }, format: 'JSONEachRow' });
    assert.deepEqual(await real.json(), [{ n: '3' }]);
  });

  it('round-trips parameter strings with tabs, newlines, backslashes and quotes', async () => {
    const text = "tab\there\nnew line \\ back 'single' \"double\"";
    const result = await client.query({ query: 'SELECT {s:String} AS s, length(s) AS n', query_params: { s: text }, format: 'JSONEachRow' });
    assert.deepEqual(await result.json(), [{ s: text, n: String(Buffer.byteLength(text)) }]);
  });

  it('keeps a 64-bit step exact in JSON (quoted, as the server does)', async () => {
    const result = await client.query({ query: `SELECT step FROM ${TABLE} WHERE run_id = {run:String} AND step = ${BIG_STEP}`, query_params: { run: RUN }, format: 'JSON' });
    const json = await result.json<{ step: string }>();
    assert.deepEqual(json.data, [{ step: BIG_STEP }]);
    assert.deepEqual(json.meta, [{ name: 'step', type: 'UInt64' }]);
  });

  it('runs DDL with command()', async () => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS default.client_ddl (x UInt8) ENGINE = Memory' });
    assert.equal(await tableExists('default.client_ddl'), '1');
    await client.command({ query: 'DROP TABLE default.client_ddl' });
    assert.equal(await tableExists('default.client_ddl'), '0');
  });

  it('surfaces ClickHouse errors with their code', async () => {
    await assert.rejects(client.query({ query: 'SELECT * FROM default.no_such_table', format: 'JSONEachRow' }), clientError('60', 'UNKNOWN_TABLE'));
    await assert.rejects(client.query({ query: 'SELEC 1', format: 'JSONEachRow' }), clientError('62', 'SYNTAX_ERROR'));
    await assert.rejects(client.command({ query: 'SELECT 1; DROP TABLE training_observability.metric_points' }), clientError('62', 'SYNTAX_ERROR'));
    assert.equal(await tableExists(TABLE), '1');
  });

  it('lets a read-only user query but not insert or create', async () => {
    const result = await viewer.query({ query: `SELECT count() AS n FROM ${TABLE} WHERE run_id = {run:String}`, query_params: { run: RUN }, format: 'JSONEachRow' });
    assert.deepEqual(await result.json(), [{ n: '3' }]);
    await assert.rejects(viewer.insert({ table: TABLE, values: [{ run_id: RUN, metric: 'loss', value: 1 }], format: 'JSONEachRow' }), clientError('164', 'READONLY'));
    await assert.rejects(viewer.command({ query: 'CREATE TABLE default.viewer_ddl (x UInt8) ENGINE = Memory' }), clientError('164', 'READONLY'));
    assert.equal(await countRun(RUN), '3');
    assert.equal(await tableExists('default.viewer_ddl'), '0');
  });
});

describe('HTTP interface, like curl', () => {
  const RUN = 'curl-run';

  it('answers GET /ping with "Ok." and needs no credentials', async () => {
    const reply = await call(null, { path: '/ping', as: null });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'Ok.\n');
  });

  it('runs a query from the URL and from the body', async () => {
    const get = await call('SELECT 1');
    assert.equal(get.status, 200);
    assert.equal(get.body, '1\n');
    assert.match(get.headers.get('content-type') ?? '', /^text\/tab-separated-values/);
    assert.equal(get.headers.get('x-clickhouse-format'), 'TabSeparated');
    const post = await call(null, { body: 'SELECT 2 + 3' });
    assert.equal(post.body, '5\n');
  });

  it('concatenates the query parameter and the body', async () => {
    const reply = await call('SELECT 40 +', { body: '2' });
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.body, '42\n');
  });

  it('inserts inline data: INSERT … FORMAT in the URL, rows in the body', async () => {
    // Bare 64-bit numbers as well as quoted ones: the text is parsed by ClickHouse, never by JS.
    const body = [
      `{"run_id":"${RUN}","metric":"loss","step":${BIG_STEP},"value":1.25,"host":"h1"}`,
      `{"run_id":"${RUN}","metric":"loss","step":"18446744073709551615","value":0.5,"host":"h1"}`,
      `{"run_id":"${RUN}","metric":"loss","step":7,"value":3,"host":"h1","tags_json":"{\\"a\\":1}"}`,
    ].join('\n');
    const reply = await call(`INSERT INTO ${TABLE} (run_id, metric, step, value, host, tags_json) FORMAT JSONEachRow`, { body });
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.body, '');
    assert.equal(await countRun(RUN), '3');
  });

  it('keeps placeholder-like text in inline data as data: {run:String} and {{table}} in a row are stored, not substituted', async () => {
    // A sample or a run name may hold text that looks like a query parameter; only the statement is scanned for them.
    const run = `${RUN}-{run:String}`;
    const tags = '{"text":"{x:UInt8} and {{table}} and ${y}"}';
    const body = JSON.stringify({ run_id: run, metric: 'loss', step: 1, value: 2, tags_json: tags });
    const inUrl = await call(`INSERT INTO ${TABLE} (run_id, metric, step, value, tags_json) FORMAT JSONEachRow`, { body });
    assert.equal(inUrl.status, 200, inUrl.body);
    const inBody = await call(null, { body: `INSERT INTO ${TABLE} (run_id, metric, step, value, tags_json) FORMAT JSONEachRow ${body}` });
    assert.equal(inBody.status, 200, inBody.body);
    const back = await call(`SELECT tags_json FROM ${TABLE} WHERE run_id = {r:String} FORMAT JSONEachRow`, { params: { param_r: run } });
    assert.deepEqual(back.body.trim().split('\n').map((line) => JSON.parse(line).tags_json), [tags, tags]);
  });

  it('returns 64-bit integers exactly, as strings in JSON formats', async () => {
    const select = `SELECT step, value, tags_json FROM ${TABLE} WHERE run_id = '${RUN}' ORDER BY step`;
    const json = JSON.parse((await call(`${select} FORMAT JSON`)).body);
    assert.deepEqual(json.data, [
      { step: '7', value: 3, tags_json: '{"a":1}' },
      { step: BIG_STEP, value: 1.25, tags_json: '' },
      { step: '18446744073709551615', value: 0.5, tags_json: '' },
    ]);
    assert.equal(json.rows, 3);
    const compact = JSON.parse((await call(`${select} FORMAT JSONCompact`)).body);
    assert.deepEqual(compact.data[1], [BIG_STEP, 1.25, '']);
    assert.equal((await call(`SELECT step FROM ${TABLE} WHERE run_id = '${RUN}' ORDER BY step FORMAT TabSeparated`)).body, `7\n${BIG_STEP}\n18446744073709551615\n`);
  });

  describe('output formats', () => {
    const sql = "SELECT toUInt8(1) AS n, 'a' AS s";
    const cases: Array<[string, RegExp, (body: string) => void]> = [
      ['JSON', /^application\/json/, (body) => {
        const json = JSON.parse(body);
        assert.deepEqual(json.meta, [{ name: 'n', type: 'UInt8' }, { name: 's', type: 'String' }]);
        assert.deepEqual(json.data, [{ n: 1, s: 'a' }]);
        assert.equal(json.rows, 1);
      }],
      ['JSONEachRow', /^application\/x-ndjson/, (body) => assert.equal(body, '{"n":1,"s":"a"}\n')],
      ['JSONCompact', /^application\/json/, (body) => assert.deepEqual(JSON.parse(body).data, [[1, 'a']])],
      ['JSONCompactEachRow', /^application\/x-ndjson/, (body) => assert.deepEqual(body.trim().split('\n').map((l) => JSON.parse(l)), [[1, 'a']])],
      ['CSV', /^text\/csv/, (body) => assert.equal(body, '1,"a"\n')],
      ['TabSeparated', /^text\/tab-separated-values/, (body) => assert.equal(body, '1\ta\n')],
    ];
    for (const [format, contentType, check] of cases) {
      it(`FORMAT ${format}`, async () => {
        const reply = await call(`${sql} FORMAT ${format}`);
        assert.equal(reply.status, 200, reply.body);
        assert.match(reply.headers.get('content-type') ?? '', contentType);
        assert.equal(reply.headers.get('x-clickhouse-format'), format);
        check(reply.body);
      });
    }

    it('default_format applies when the query names none', async () => {
      const reply = await call(sql, { params: { default_format: 'JSONEachRow' } });
      assert.equal(reply.body, '{"n":1,"s":"a"}\n');
      assert.match(reply.headers.get('content-type') ?? '', /^application\/x-ndjson/);
      assert.equal(reply.headers.get('x-clickhouse-format'), 'JSONEachRow');
    });
  });

  it('resolves unqualified names in the database= parameter, for that request only', async () => {
    assert.equal((await call('SELECT currentDatabase()', { params: { database: 'training_observability' } })).body, 'training_observability\n');
    const count = await call(`SELECT count() FROM metric_points WHERE run_id = '${RUN}'`, { params: { database: 'training_observability' } });
    assert.equal(count.body, '3\n');
    assert.equal((await call('SELECT currentDatabase()')).body, 'default\n');
    assertError(await call(`SELECT count() FROM metric_points`), 404, 60);
  });

  it('echoes query_id in X-ClickHouse-Query-Id, also on errors', async () => {
    const ok = await call('SELECT 1', { params: { query_id: 'trainwatch-q-1' } });
    assert.equal(ok.headers.get('x-clickhouse-query-id'), 'trainwatch-q-1');
    const failed = await call('SELECT * FROM default.no_such_table', { params: { query_id: 'trainwatch-q-2' } });
    assert.equal(failed.status, 404);
    assert.equal(failed.headers.get('x-clickhouse-query-id'), 'trainwatch-q-2');
    const generated = (await call('SELECT 1')).headers.get('x-clickhouse-query-id') ?? '';
    assert.match(generated, /^[0-9a-f-]{36}$/);
  });

  it('binds param_ values with TSV escapes decoded', async () => {
    const reply = await call('SELECT {s:String} AS s, length(s) AS n FORMAT JSONEachRow', { params: { param_s: 'a\\tb' } });
    assert.deepEqual(JSON.parse(reply.body), { s: 'a\tb', n: '3' });
    const more = await call('SELECT {s:String} AS s FORMAT JSONEachRow', { params: { param_s: "x\\ny\\\\z\\'q" } });
    assert.deepEqual(JSON.parse(more.body), { s: "x\ny\\z'q" });
    const injected = await call(`SELECT count() FROM ${TABLE} WHERE run_id = {run:String}`, { params: { param_run: `${RUN}' OR 1=1 --` } });
    assert.equal(injected.body, '0\n');
  });

  it('applies URL settings to that query only', async () => {
    const baseline = Number(await scalar("SELECT getSetting('max_threads')"));
    const wanted = String(baseline + 1);
    assert.equal(await scalar("SELECT getSetting('max_threads')", { max_threads: wanted }), wanted);
    assert.equal(Number(await scalar("SELECT getSetting('max_threads')")), baseline);
    assertError(await call('SELECT 1', { params: { no_such_setting: '1' } }), 404, 115);
    assert.equal(Number(await scalar("SELECT getSetting('max_threads')")), baseline);
  });

  describe('authentication', () => {
    it('accepts Basic auth (password with a colon)', async () => {
      assert.equal((await call('SELECT 1')).status, 200);
    });

    it('accepts X-ClickHouse-User / X-ClickHouse-Key headers', async () => {
      const reply = await call('SELECT 1', { as: null, headers: { 'X-ClickHouse-User': WRITER.name, 'X-ClickHouse-Key': WRITER.password } });
      assert.equal(reply.status, 200, reply.body);
      assert.equal(reply.body, '1\n');
    });

    it('accepts user / password parameters', async () => {
      const reply = await call('SELECT 1', { as: null, params: { user: WRITER.name, password: WRITER.password } });
      assert.equal(reply.status, 200, reply.body);
    });

    it('refuses a wrong password with 403 and code 516, whichever way it comes', async () => {
      const wrong = { ...WRITER, password: 'wrong' };
      assertError(await call('SELECT 1', { as: wrong }), 403, 516, /AUTHENTICATION_FAILED/);
      assertError(await call('SELECT 1', { as: null, headers: { 'X-ClickHouse-User': WRITER.name, 'X-ClickHouse-Key': 'wrong' } }), 403, 516);
      assertError(await call('SELECT 1', { as: null, params: { user: WRITER.name, password: 'wrong' } }), 403, 516);
    });

    it('refuses an unknown user, and the absent default user', async () => {
      assertError(await call('SELECT 1', { as: { name: 'mallory', password: '' } }), 403, 516);
      assertError(await call('SELECT 1', { as: null }), 403, 516);
    });
  });

  describe('read-only access', () => {
    const asViewer = (sql: string, options: CallOptions = {}) => call(sql, { ...options, as: VIEWER });

    it('treats GET as read-only: INSERT and CREATE are refused with 164', async () => {
      assertError(await call(`INSERT INTO ${TABLE} (run_id, metric, value) VALUES ('${RUN}', 'loss', 9)`), 500, 164, /READONLY/);
      assertError(await call('CREATE TABLE default.get_ddl (x UInt8) ENGINE = Memory'), 500, 164);
      assert.equal(await countRun(RUN), '3');
      assert.equal(await tableExists('default.get_ddl'), '0');
    });

    it('reports a syntax error as such on GET, before refusing', async () => {
      assertError(await call('SELEC 1'), 400, 62);
    });

    it('lets a read-only user SELECT, also from numbers()', async () => {
      const reply = await asViewer(`SELECT count() FROM ${TABLE} WHERE run_id = {run:String}`, { params: { param_run: RUN } });
      assert.equal(reply.status, 200, reply.body);
      assert.equal(reply.body, '3\n');
      assert.equal((await asViewer('SELECT sum(number) FROM numbers(10)')).body, '45\n');
    });

    it('refuses a read-only user INSERT and CREATE', async () => {
      assertError(await asViewer(`INSERT INTO ${TABLE} (run_id, metric, value) FORMAT JSONEachRow`, { body: `{"run_id":"${RUN}","metric":"loss","value":1}` }), 500, 164);
      assertError(await asViewer(`INSERT INTO ${TABLE} (run_id, metric, value) VALUES ('${RUN}', 'loss', 1)`, { method: 'POST' }), 500, 164);
      assertError(await asViewer('CREATE TABLE default.viewer_table (x UInt8) ENGINE = Memory', { method: 'POST' }), 500, 164);
      assert.equal(await countRun(RUN), '3');
      assert.equal(await tableExists('default.viewer_table'), '0');
    });

    it('refuses a read-only user the file() and url() functions', async () => {
      assertError(await asViewer("SELECT * FROM file('/etc/hostname', 'LineAsString')"), 500, 164, /file/);
      assertError(await asViewer("SELECT * FROM url('http://127.0.0.1:9/x.csv', 'CSV', 'x String')"), 500, 164, /url/);
      assertError(await asViewer("SELECT count() FROM numbers(1) WHERE number IN (SELECT 1 FROM url('http://127.0.0.1:9/', 'CSV', 'x UInt8'))"), 500, 164);
      assertError(await asViewer("SELECT file('/etc/hostname') AS f"), 500, 164, /function file/);
    });

    it('refuses a read-only user settings, in the URL or a SETTINGS clause', async () => {
      assertError(await asViewer('SELECT 1', { params: { max_threads: '1' } }), 500, 164, /max_threads/);
      assertError(await asViewer('SELECT 1 SETTINGS max_threads = 1'), 500, 164);
    });

    it('reports a read-only user syntax error as 62', async () => {
      assertError(await asViewer('SELEC 1'), 400, 62);
    });
  });

  describe('one statement per request', () => {
    before(async () => {
      assert.equal((await call('CREATE TABLE default.victim (x UInt8) ENGINE = Memory', { method: 'POST' })).status, 200);
    });

    it('refuses SELECT 1; DROP TABLE … and the table survives', async () => {
      assertError(await call('SELECT 1; DROP TABLE default.victim', { method: 'POST' }), 400, 62, /Multi-statements are not allowed/);
      assertError(await call(null, { body: 'SELECT 1; DROP TABLE default.victim' }), 400, 62);
      assert.equal(await tableExists('default.victim'), '1');
    });

    it('allows one trailing semicolon', async () => {
      assert.equal((await call('SELECT 7;')).body, '7\n');
    });

    // Texts whose second statement chDB would run if the `;` escaped the scanner.
    const hidden: Array<[string, string]> = [
      ['nested comment', "SELECT 1 /* /* */ ' */ ; DROP TABLE default.victim; --'"],
      ['// comment', "SELECT 1 // '\n; DROP TABLE default.victim; --'"],
      ['Unicode quotes', "SELECT \u2018'\u2019 ; DROP TABLE default.victim; --'"],
      ['$ in an identifier', 'SELECT 1 AS a$$ ; DROP TABLE default.victim; SELECT $$'],
      ['Values data', 'INSERT INTO default.victim FORMAT Values (1); DROP TABLE default.victim'],
      ['INSERT … SELECT with a column named format', 'INSERT INTO default.victim SELECT 1 AS format FROM numbers(1); DROP TABLE default.victim'],
    ];
    for (const [name, sql] of hidden) {
      it(`refuses a second statement behind: ${name}`, async () => {
        assertError(await call(sql, { method: 'POST' }), 400, 62);
        assertError(await call(sql, { method: 'POST', as: VIEWER }), 400, 62);
        assert.equal(await tableExists('default.victim'), '1');
        assert.equal(await scalar('SELECT count() FROM default.victim'), '0');
      });
    }

    it('refuses INTO OUTFILE, which would write on the server', async () => {
      const path = join(tmpdir(), `trainwatch-outfile-${process.pid}.tsv`);
      assertError(await call(`SELECT 1 INTO OUTFILE '${path}'`, { method: 'POST' }), 500, 358, /INTO OUTFILE is not allowed/);
      assertError(await call(`SELECT 1 INTO OUTFILE '${path}'`, { as: VIEWER }), 500, 358);
      assert.equal(existsSync(path), false);
    });
  });

  describe('errors', () => {
    it('a syntax error is 400 with code 62 and the server text', async () => {
      const reply = await call(null, { body: 'SELEC 1' });
      assertError(reply, 400, 62, /Syntax error/);
      assert.match(reply.headers.get('content-type') ?? '', /^text\/plain/);
    });

    it('an unknown table is 404 with code 60', async () => {
      assertError(await call('SELECT * FROM default.no_such_table'), 404, 60, /no_such_table/);
    });

    it('an unknown content encoding is 501 with code 48', async () => {
      assertError(await call(null, { body: 'SELECT 1', headers: { 'Content-Encoding': 'br' } }), 501, 48);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string, base?: string) =>
      call(null, {
        method: 'OPTIONS',
        as: null,
        base,
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
      });

    it('answers a preflight from an allowed origin with 204 and the allowances', async () => {
      const reply = await preflight(WIKI);
      assert.equal(reply.status, 204);
      assert.equal(reply.headers.get('access-control-allow-origin'), WIKI);
      assert.match(reply.headers.get('access-control-allow-headers') ?? '', /authorization/i);
      assert.match(reply.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(reply.headers.get('vary') ?? '', /Origin/);
    });

    it('does not echo a foreign origin', async () => {
      const reply = await preflight('https://evil.example.net');
      assert.equal(reply.headers.get('access-control-allow-origin'), null);
      assert.equal(reply.headers.get('access-control-allow-headers'), null);
      const query = await call('SELECT 1', { headers: { Origin: 'https://evil.example.net' } });
      assert.equal(query.headers.get('access-control-allow-origin'), null);
    });

    it('exposes the ClickHouse headers to an allowed page, on errors too', async () => {
      const ok = await call('SELECT 1', { headers: { Origin: WIKI } });
      assert.equal(ok.headers.get('access-control-allow-origin'), WIKI);
      assert.match(ok.headers.get('access-control-expose-headers') ?? '', /X-ClickHouse-Query-Id/);
      const failed = await call('SELECT * FROM default.no_such_table', { headers: { Origin: WIKI } });
      assert.equal(failed.status, 404);
      assert.equal(failed.headers.get('access-control-allow-origin'), WIKI);
      assert.match(failed.headers.get('access-control-expose-headers') ?? '', /X-ClickHouse-Exception-Code/);
    });

    it('allows any origin by default', async () => {
      const reply = await preflight('https://notebook.example.org', openUrl);
      assert.equal(reply.status, 204);
      assert.equal(reply.headers.get('access-control-allow-origin'), '*');
      assert.match(reply.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    });
  });

  describe('compressed request bodies', () => {
    it('runs a gzip-compressed query', async () => {
      const reply = await call(null, { body: gzipSync('SELECT 6 * 7'), headers: { 'Content-Encoding': 'gzip' } });
      assert.equal(reply.status, 200, reply.body);
      assert.equal(reply.body, '42\n');
    });

    it('inserts gzip-compressed rows', async () => {
      const body = gzipSync('gz-run,loss,1,0.5\ngz-run,loss,2,0.25\n');
      const reply = await call(`INSERT INTO ${TABLE} (run_id, metric, step, value) FORMAT CSV`, { body, headers: { 'Content-Encoding': 'gzip' } });
      assert.equal(reply.status, 200, reply.body);
      assert.equal(await scalar(`SELECT groupArray(value) FROM (SELECT value FROM ${TABLE} WHERE run_id = 'gz-run' ORDER BY step)`), '[0.5,0.25]');
    });
  });
});
