/**
 * The embedded ClickHouse: an HTTP server on chDB that speaks the ClickHouse
 * HTTP interface (the subset `@clickhouse/client-web`, curl and the trainwatch
 * simulator use), so the same browser code runs unchanged against a real
 * server.
 *
 * Supported: the query in the body or `?query=` (concatenated, as ClickHouse
 * does), `database`, `query_id`, `default_format`, `param_<name>` bound
 * parameters, URL settings, inline `INSERT … FORMAT X` data in the body,
 * `GET /ping`, Basic auth / `X-ClickHouse-User` + `X-ClickHouse-Key` /
 * `user` + `password` parameters, read-only users, CORS with preflight, gzip
 * request bodies, and errors with the server's status codes, the
 * `X-ClickHouse-Exception-Code` header and a `Code: N. DB::Exception: …` body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { ClickHouseError, Engine, type EngineOptions } from './engine.js';
import { httpStatusFor } from './http-status.js';
import { scanSql } from './sql-scan.js';

export interface ClickHouseUser {
  name: string;
  password: string;
  /** A read-only user may only read: no INSERT/DDL, no settings, no file/url table functions. */
  readonly?: boolean;
}

export interface ClickHouseServerOptions extends EngineOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** Users; by default the single user `default` with an empty password, as a fresh server has. */
  users?: ClickHouseUser[];
  /** Origins allowed by CORS; `['*']` (default) allows any. */
  allowOrigins?: string[];
  /** Largest request body accepted, in bytes (default 1 GiB). */
  maxBodyBytes?: number;
}

export interface EmbeddedClickHouse {
  url: string;
  port: number;
  engine: Engine;
  close(): Promise<void>;
}

/** Parameters of the HTTP interface that are not settings. */
const HTTP_PARAMS = new Set([
  'query', 'database', 'query_id', 'default_format', 'user', 'password', 'quota_key', 'session_id',
  'session_timeout', 'session_check', 'compress', 'decompress', 'buffer_size', 'wait_end_of_query',
  'enable_http_compression', 'http_zlib_compression_level', 'send_progress_in_http_headers',
  'http_headers_progress_interval_ms', 'add_http_cors_header', 'role',
]);

const READ_KINDS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN']);

/** Table functions a read-only user may use; the rest (file, url, s3, remote…) reach outside the table. */
const SAFE_TABLE_FUNCTIONS = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'values', 'generate_series', 'generateSeries', 'one']);

const CONTENT_TYPES: Array<[RegExp, string]> = [
  [/^JSON(?!.*EachRow)|^JSONCompact(?!.*EachRow)/, 'application/json; charset=UTF-8'],
  [/EachRow/, 'application/x-ndjson; charset=UTF-8'],
  [/^CSV/, 'text/csv; charset=UTF-8; header=absent'],
  [/^(TabSeparated|TSV)/, 'text/tab-separated-values; charset=UTF-8'],
];

function contentTypeFor(format: string): string {
  for (const [pattern, type] of CONTENT_TYPES) if (pattern.test(format)) return type;
  return 'text/plain; charset=UTF-8';
}

function fail(code: number, name: string, message: string): never {
  throw new ClickHouseError(code, name, `Code: ${code}. DB::Exception: ${message}. (${name})`);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) fail(202, 'QUERY_IS_TOO_LARGE', `Request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding && encoding !== 'identity') fail(48, 'NOT_IMPLEMENTED', `Unknown compression method ${encoding}`);
  return body;
}

function credentials(req: IncomingMessage, url: URL): { user: string; password: string } {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const headerUser = req.headers['x-clickhouse-user'];
  if (typeof headerUser === 'string') return { user: headerUser, password: String(req.headers['x-clickhouse-key'] ?? '') };
  return { user: url.searchParams.get('user') ?? 'default', password: url.searchParams.get('password') ?? '' };
}

export class ClickHouseHttpHandler {
  private readonly users: Map<string, ClickHouseUser>;
  private readonly allowOrigins: string[];
  private readonly maxBodyBytes: number;

  constructor(
    readonly engine: Engine,
    options: ClickHouseServerOptions = {},
  ) {
    this.users = new Map((options.users ?? [{ name: 'default', password: '' }]).map((u) => [u.name, u]));
    this.allowOrigins = options.allowOrigins ?? ['*'];
    this.maxBodyBytes = options.maxBodyBytes ?? 1 << 30;
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let queryId: string = randomUUID();
    this.writeCors(req, res);
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      queryId = url.searchParams.get('query_id') || queryId;
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
        return;
      }
      if (url.pathname !== '/') fail(0, 'UNKNOWN_TYPE_OF_QUERY', `There is no handle ${url.pathname}`);
      if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
        fail(1, 'UNSUPPORTED_METHOD', `Method ${req.method} is not supported`);
      }
      const body = req.method === 'POST' ? await readBody(req, this.maxBodyBytes) : Buffer.alloc(0);
      const queryParam = url.searchParams.get('query');
      if (queryParam === null && body.length === 0) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
        return;
      }
      await this.runQuery(req, res, url, queryParam, body, queryId);
    } catch (error) {
      this.writeError(res, error, queryId);
    }
  };

  private async runQuery(req: IncomingMessage, res: ServerResponse, url: URL, queryParam: string | null, body: Buffer, queryId: string) {
    const { user, password } = credentials(req, url);
    const account = this.users.get(user);
    if (!account || account.password !== password) {
      fail(516, 'AUTHENTICATION_FAILED', `${user}: Authentication failed: password is incorrect, or there is no user with such name`);
    }
    const sql = queryParam === null ? body.toString('utf8') : body.length ? `${queryParam}\n${body.toString('utf8')}` : queryParam;
    const scanned = scanSql(sql);
    if (scanned.multiStatement) fail(62, 'SYNTAX_ERROR', 'Multi-statements are not allowed');
    if (!scanned.kind) fail(62, 'SYNTAX_ERROR', 'Empty query');
    if (scanned.intoOutfile) fail(358, 'INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');

    const params: Record<string, string> = {};
    const settings: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      if (name.startsWith('param_')) params[name.slice(6)] = value;
      else if (!HTTP_PARAMS.has(name)) settings[name] = value;
    }

    const database = url.searchParams.get('database') ?? String(req.headers['x-clickhouse-database'] ?? 'default');
    const isRead = READ_KINDS.has(scanned.kind);
    // As on a real server the query is parsed before it is refused, so a syntax error is reported as one;
    // a read-only user's text is always parsed first, by ClickHouse's own parser, which also refuses a second statement.
    if (account.readonly || (req.method === 'GET' && !isRead)) await this.parse(sql.slice(0, scanned.dataOffset), database);
    if (req.method === 'GET' && !isRead) {
      fail(164, 'READONLY', 'Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries');
    }
    if (account.readonly) await this.checkReadOnly(sql, scanned.kind, settings, params, user);

    const defaultFormat = url.searchParams.get('default_format') ?? String(req.headers['x-clickhouse-format'] ?? 'TabSeparated');
    const format = scanned.kind === 'INSERT' ? defaultFormat : (scanned.format ?? defaultFormat);
    const started = process.hrtime.bigint();
    const result = await this.engine.run({ sql, database, format: defaultFormat, params, settings });
    const elapsedNs = process.hrtime.bigint() - started;
    const isInsert = scanned.kind === 'INSERT';
    res.writeHead(200, {
      'Content-Type': isInsert ? 'text/plain; charset=UTF-8' : contentTypeFor(format),
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Timezone': 'UTC',
      'X-ClickHouse-Server-Display-Name': 'trainwatch-embedded',
      'X-ClickHouse-Summary': JSON.stringify({
        read_rows: String(result.rowsRead),
        read_bytes: String(result.bytesRead),
        written_rows: '0',
        written_bytes: '0',
        total_rows_to_read: String(result.rowsRead),
        result_rows: '0',
        result_bytes: String(result.body.length),
        elapsed_ns: String(elapsedNs),
      }),
    });
    res.end(req.method === 'HEAD' || isInsert ? undefined : result.body);
  }

  /** Parses one statement without running it (the text is a bound parameter): a syntax error or a second statement throws. */
  private async parse(sql: string, database: string) {
    // Parameter values are TSV-escaped text, as over HTTP.
    const q = sql.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    const params = { q };
    await this.engine.run({ sql: 'SELECT formatQuery({q:String})', database, format: 'TSVRaw', params, settings: {} });
  }

  /** What `readonly=1` means on a real server, enforced before the statement runs. */
  private async checkReadOnly(sql: string, kind: string, settings: Record<string, string>, params: Record<string, string>, user: string) {
    const denied = (what: string) => fail(164, 'READONLY', `${user}: Cannot execute query in readonly mode: ${what}`);
    if (!READ_KINDS.has(kind)) denied(`${kind} is not a read`);
    const names = Object.keys(settings);
    if (names.length) denied(`cannot modify '${names[0]}' setting`);
    const ast = (await this.engine.run({ sql: `EXPLAIN AST ${sql}`, database: 'default', format: 'TSVRaw', params, settings: {} })).body.toString('utf8');
    const lines = ast.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === 'Set') denied('SETTINGS clause');
      if (/^Function file\b/.test(line)) denied('function file');
      if (line.startsWith('TableExpression')) {
        const fn = /^Function (\S+)/.exec(lines[i + 1]?.trim() ?? '');
        if (fn && !SAFE_TABLE_FUNCTIONS.has(fn[1])) denied(`table function ${fn[1]}`);
      }
    }
  }

  private writeCors(req: IncomingMessage, res: ServerResponse) {
    const origin = req.headers.origin;
    if (!origin) return;
    const allowed = this.allowOrigins.includes('*') || this.allowOrigins.includes(origin);
    if (!allowed) return;
    res.setHeader('Access-Control-Allow-Origin', this.allowOrigins.includes('*') ? '*' : origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader(
      'Access-Control-Allow-Headers',
      String(req.headers['access-control-request-headers'] ?? 'authorization, content-type, x-clickhouse-user, x-clickhouse-key, x-clickhouse-format, x-clickhouse-database'),
    );
    res.setHeader(
      'Access-Control-Expose-Headers',
      'X-ClickHouse-Query-Id, X-ClickHouse-Summary, X-ClickHouse-Format, X-ClickHouse-Timezone, X-ClickHouse-Exception-Code',
    );
    res.setHeader('Access-Control-Max-Age', '600');
  }

  private writeError(res: ServerResponse, error: unknown, queryId: string) {
    const ch = error instanceof ClickHouseError ? error : new ClickHouseError(1001, 'STD_EXCEPTION', `Code: 1001. DB::Exception: ${String((error as Error)?.message ?? error)}. (STD_EXCEPTION)`);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(httpStatusFor(ch.codeName), {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(ch.code),
      'X-ClickHouse-Query-Id': queryId,
    });
    res.end(`${ch.body} (version ${this.engine.version})\n`);
  }
}

/** Starts the embedded ClickHouse; resolves once it listens. */
export async function startClickHouseServer(options: ClickHouseServerOptions = {}): Promise<EmbeddedClickHouse> {
  const engine = await Engine.open(options);
  const handler = new ClickHouseHttpHandler(engine, options);
  // ClickHouse reads URLs up to 1 MiB (http_max_uri_size); Node's default 16 KB would refuse long bound values.
  const server: Server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => void handler.handle(req, res));
  // Browsers reuse idle sockets without knowing the server's timeout; a short one makes a
  // POST race the close and fail. Keep idle connections well past any poll interval.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    engine,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    },
  };
}
