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
 *
 * Hostile input gets the same kind of answer and never stops the process: a
 * body or an inflated gzip body over `maxBodyBytes` is 413, a method other
 * than GET/HEAD/POST/OPTIONS is 404 as on ClickHouse ("There is no handle"),
 * headers that are too large 431, headers that trickle in past
 * `headersTimeoutMs` 408, bytes that are not HTTP 400, each followed by a
 * closed connection. It listens on 127.0.0.1 unless told otherwise, and will
 * not listen elsewhere with a passwordless user that can write unless
 * `allowPasswordlessRemote` says so.
 */
import { createServer, validateHeaderValue, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
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
  /** Largest request body accepted, in bytes, as sent and after gzip is undone (default 256 MiB). */
  maxBodyBytes?: number;
  /** Time for a request's headers to arrive, in ms (default 30 s): a client trickling them is cut off there. */
  headersTimeoutMs?: number;
  /** Time for a whole request to arrive, body included, in ms (default 300 s). */
  requestTimeoutMs?: number;
  /** Most connections open at once (default 1000); any more are closed as they arrive. */
  maxConnections?: number;
  /**
   * Listen on a non-loopback `host` although a user without a password may write. Refused by
   * default: anyone who can reach the port could then write and drop tables.
   */
  allowPasswordlessRemote?: boolean;
}

/** Default of `maxBodyBytes`: room for large INSERT batches, not for filling a laptop's memory. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;

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

/** Table functions that are also harmless ordinary functions (`format('{}', x)`): refused only after FROM. */
const SCALAR_TWINS = new Set(['format', 'fuzzquery']);

/** AST nodes of statements a read-only user may run, also inside EXPLAIN: every other `…Query` node is refused. */
const READ_QUERY_NODE = /^(SelectWithUnionQuery|SelectQuery|SelectIntersectExceptQuery|TablesInSelectQuery|DescribeQuery|Exists\w*Query|Show\w*Query)$/;

/** Methods ClickHouse answers on its query handler; any other finds "no handle", as on a real server. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

const inflate = promisify(gunzip);

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

function fail(code: number, name: string, message: string, httpStatus?: number): never {
  throw new ClickHouseError(code, name, `Code: ${code}. DB::Exception: ${message}. (${name})`, httpStatus);
}

const tooLarge = (limit: number, what: string): never => fail(202, 'QUERY_IS_TOO_LARGE', `${what} exceeds ${limit} bytes (max_body_bytes)`);

/** The request body, gunzipped when so encoded; neither the body as sent nor as inflated may pass `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding && encoding !== 'identity' && encoding !== 'gzip') fail(48, 'NOT_IMPLEMENTED', `Unknown compression method ${encoding}`);
  if (Number(req.headers['content-length']) > limit) tooLarge(limit, 'Request body');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge(limit, 'Request body');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (encoding !== 'gzip') return body;
  try {
    // Inflated off the event loop, and never past the limit: a few KB of gzip can expand to gigabytes.
    return await inflate(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') tooLarge(limit, 'Decompressed request body');
    return fail(354, 'ZLIB_INFLATE_FAILED', `inflate failed: ${(error as Error).message}`);
  }
}

/**
 * True when `lines` are a whole `EXPLAIN AST` dump: one node a line, each indented one space deeper
 * than its parent, and every `(children N)` followed by exactly N children.
 */
function isAstDump(lines: string[]): boolean {
  let i = 0;
  const node = (depth: number): boolean => {
    const m = /^( *)[A-Za-z][A-Za-z0-9_]*(?= |$).*?(?: \(children (\d+)\))?$/.exec(lines[i] ?? '');
    if (!m || m[1].length !== depth) return false;
    i++;
    for (let k = 0; k < Number(m[2] ?? 0); k++) if (!node(depth + 1)) return false;
    return true;
  };
  return node(0) && i === lines.length;
}

/** True for a host name or address that only this machine can reach. */
export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\./i.test(host);

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
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Lower-cased names of the engine's table functions, which a read-only user may not call anywhere but the safe ones. */
  private tableFunctionNames?: Promise<Set<string>>;

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let queryId: string = randomUUID();
    try {
      this.writeCors(req, res);
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        return fail(36, 'BAD_ARGUMENTS', 'Malformed request target');
      }
      if (!METHODS.has(req.method ?? '')) {
        res.setHeader('Allow', 'GET, HEAD, POST, OPTIONS');
        fail(1, 'UNSUPPORTED_METHOD', `There is no handle ${url.pathname} for method ${req.method}: send queries with POST, or GET /?query=…`, 404);
      }
      // URLSearchParams would read a bad escape as U+FFFD and so run another query, or bind another value.
      for (const part of url.search.slice(1).split('&')) {
        try {
          decodeURIComponent(part.replace(/\+/g, ' '));
        } catch {
          fail(36, 'BAD_ARGUMENTS', 'Cannot decode the query string: malformed percent-encoding or invalid UTF-8');
        }
      }
      const askedId = url.searchParams.get('query_id');
      if (askedId) {
        // It goes back in a header: a CR/LF or a non-Latin-1 character there would make that response impossible.
        try {
          validateHeaderValue('X-ClickHouse-Query-Id', askedId);
        } catch {
          fail(36, 'BAD_ARGUMENTS', 'query_id may only hold printable ASCII and Latin-1 characters');
        }
        queryId = askedId;
      }
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
        return;
      }
      if (url.pathname !== '/') fail(0, 'UNKNOWN_TYPE_OF_QUERY', `There is no handle ${url.pathname}`);
      let body: Buffer = Buffer.alloc(0);
      if (req.method === 'POST') {
        // An unread body would be drained after the answer; a rejected one closes the connection instead.
        res.setHeader('Connection', 'close');
        body = await readBody(req, this.maxBodyBytes);
        res.removeHeader('Connection');
      }
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
    // readonly=1 (or 2) asks for this request to be read-only, as on a server; it is enforced here
    // rather than set on the shared session, and when it is given twice the stricter value holds.
    // From a read-only user it is a setting like any other, which it may not change.
    let asksReadonly = 0;
    if (!account.readonly) {
      for (const value of url.searchParams.getAll('readonly')) {
        if (!/^[0-2]$/.test(value.trim())) fail(72, 'CANNOT_PARSE_NUMBER', `Cannot parse readonly value '${value}'`);
        asksReadonly = Math.max(asksReadonly, Number(value));
      }
      delete settings.readonly;
    }
    const readonly = account.readonly || asksReadonly > 0;

    const database = url.searchParams.get('database') ?? String(req.headers['x-clickhouse-database'] ?? 'default');
    const isRead = READ_KINDS.has(scanned.kind);
    // As on a real server the query is parsed before it is refused, so a syntax error is reported as one;
    // a read-only text is always parsed first, by ClickHouse's own parser, which also refuses a second statement.
    const needsParse = readonly || (req.method === 'GET' && !isRead) || scanned.kind === 'SET';
    if (needsParse) await this.parse(sql.slice(0, scanned.dataOffset), database);
    if (req.method === 'GET' && !isRead) {
      fail(164, 'READONLY', 'Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries');
    }
    if (readonly) await this.checkReadOnly(sql, scanned.kind, account.readonly || asksReadonly === 1 ? settings : {}, params, user);

    const defaultFormat = url.searchParams.get('default_format') ?? String(req.headers['x-clickhouse-format'] ?? 'TabSeparated');
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(defaultFormat)) fail(73, 'UNKNOWN_FORMAT', `Unknown format ${JSON.stringify(defaultFormat)}`);
    const format = scanned.kind === 'INSERT' ? defaultFormat : (scanned.format ?? defaultFormat);
    const started = process.hrtime.bigint();
    // Without a session, a SET over HTTP only lasts for its own request, so it changes nothing; on
    // the one shared chDB session it would change every later request.
    const result =
      scanned.kind === 'SET'
        ? { body: Buffer.alloc(0), rowsRead: 0, bytesRead: 0 }
        : await this.engine.run({ sql, database, format: defaultFormat, params, settings, changesDatabase: scanned.kind === 'USE', dataOffset: scanned.dataOffset });
    const elapsedNs = process.hrtime.bigint() - started;
    const isInsert = scanned.kind === 'INSERT' || scanned.kind === 'SET';
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
    const q = sql.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\0/g, '\\0');
    const params = { q };
    await this.engine.run({ sql: 'SELECT formatQuery({q:String})', database, format: 'TSVRaw', params, settings: {} });
  }

  /**
   * What `readonly=1` means on a real server, enforced before the statement runs: a read kind of
   * statement, no settings, and in ClickHouse's own AST of it, at any depth (subqueries, CTEs,
   * EXPLAIN, IN …): no SETTINGS clause, no statement but a read, and no table function that
   * reaches outside the database (file, url, s3, remote, executable…).
   */
  private async checkReadOnly(sql: string, kind: string, settings: Record<string, string>, params: Record<string, string>, user: string) {
    const denied = (what: string) => fail(164, 'READONLY', `${user}: Cannot execute query in readonly mode: ${what}`);
    if (!READ_KINDS.has(kind)) denied(`${kind} is not a read`);
    const names = Object.keys(settings);
    if (names.length) denied(`cannot modify '${names[0]}' setting`);
    const ast = (await this.engine.run({ sql: `EXPLAIN AST ${sql}`, database: 'default', format: 'TSVRaw', params, settings: {} })).body.toString('utf8');
    const lines = ast.replace(/\n$/, '').split('\n');
    // Only a complete dump proves the absence of what is refused: a FORMAT or an odd identifier that
    // changed its shape refuses the query.
    if (!isAstDump(lines)) denied('the query could not be checked');
    const tableFunctions = await this.tableFunctions();
    for (let i = 0; i < lines.length; i++) {
      const [node, name] = lines[i].trim().split(' ', 2);
      if (node === 'Set') denied('SETTINGS clause');
      if (node.endsWith('Query') && !READ_QUERY_NODE.test(node)) denied(`${node} is not a read`);
      if (node === 'Function' && tableFunctions.has(name.toLowerCase()) && !SAFE_TABLE_FUNCTIONS.has(name) && !SCALAR_TWINS.has(name.toLowerCase())) {
        denied(`function ${name}`);
      }
      if (node === 'TableExpression') {
        const fn = /^Function (\S+)/.exec(lines[i + 1]?.trim() ?? '');
        if (fn && !SAFE_TABLE_FUNCTIONS.has(fn[1])) denied(`table function ${fn[1]}`);
      }
    }
  }

  /** Names (lower case) of every table function this engine has, read once from system.table_functions. */
  private tableFunctions(): Promise<Set<string>> {
    this.tableFunctionNames ??= this.engine
      .run({ sql: 'SELECT name FROM system.table_functions', database: 'default', format: 'TSVRaw', params: {}, settings: {} })
      .then((r) => new Set(r.body.toString('utf8').split('\n').filter(Boolean).map((n) => n.toLowerCase())));
    this.tableFunctionNames.catch(() => (this.tableFunctionNames = undefined));
    return this.tableFunctionNames;
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
    try {
      if (res.headersSent) {
        // Too late for a status: cutting the connection is the only way to say the body is not whole.
        res.destroy();
        return;
      }
      const body = `${ch.body} (version ${this.engine.version})\n`;
      res.writeHead(ch.httpStatus ?? httpStatusFor(ch.codeName), {
        'Content-Type': 'text/plain; charset=UTF-8',
        'Content-Length': Buffer.byteLength(body),
        'X-ClickHouse-Exception-Code': String(ch.code),
        'X-ClickHouse-Query-Id': queryId,
      });
      res.end(body);
    } catch {
      res.destroy();
    }
  }
}

/** Users a server starts with when none are given: the passwordless `default` of a fresh server. */
const DEFAULT_USERS: ClickHouseUser[] = [{ name: 'default', password: '' }];

/** The first user who may write without a password, if any. */
export function passwordlessWriter(users: ClickHouseUser[] = DEFAULT_USERS): ClickHouseUser | undefined {
  return users.find((u) => !u.password && !u.readonly);
}

/** A whole HTTP answer written to a socket, for requests Node's parser refused before any handler saw them. */
function answerRaw(socket: Duplex, status: string, code: number, name: string, message: string, version: string) {
  const body = `Code: ${code}. DB::Exception: ${message}. (${name}) (version ${version})\n`;
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=UTF-8\r\nX-ClickHouse-Exception-Code: ${code}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** Starts the embedded ClickHouse; resolves once it listens. */
export async function startClickHouseServer(options: ClickHouseServerOptions = {}): Promise<EmbeddedClickHouse> {
  const host = options.host ?? '127.0.0.1';
  const open = passwordlessWriter(options.users);
  if (!isLoopback(host) && open && !options.allowPasswordlessRemote) {
    throw new Error(
      `refusing to listen on ${host}: user "${open.name}" has no password and may write, so anyone who can reach the port could write and drop tables. ` +
        'Give that user a password or make it read-only, or allow it explicitly (allowPasswordlessRemote).',
    );
  }
  const engine = await Engine.open(options);
  const handler = new ClickHouseHttpHandler(engine, options);
  const headersTimeout = options.headersTimeoutMs ?? 30_000;
  const server: Server = createServer(
    {
      // ClickHouse reads URLs up to 1 MiB (http_max_uri_size); Node's default 16 KB would refuse long bound values.
      maxHeaderSize: 1 << 20,
      // ClickHouse answers an HTTP/1.1 request without Host; Node would send a bare 400 of its own.
      requireHostHeader: false,
      // A client trickling its headers (slowloris) holds a socket until headersTimeout, checked this often.
      headersTimeout,
      requestTimeout: Math.max(headersTimeout, options.requestTimeoutMs ?? 300_000),
      connectionsCheckingInterval: Math.min(5_000, Math.max(50, headersTimeout / 4)),
    },
    (req, res) => void handler.handle(req, res).catch(() => res.destroy()),
  );
  // Browsers reuse idle sockets without knowing the server's timeout; a short one makes a
  // POST race the close and fail. Keep idle connections well past any poll interval (an idle
  // connection is not waiting for headers: headersTimeout starts with a request's first byte).
  server.keepAliveTimeout = 120_000;
  server.maxConnections = options.maxConnections ?? 1000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const pending = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
      socket.destroy();
      return;
    }
    const { version } = engine;
    if (error.code === 'HPE_HEADER_OVERFLOW') answerRaw(socket, '431 Request Header Fields Too Large', 36, 'BAD_ARGUMENTS', `Request headers exceed ${1 << 20} bytes`, version);
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') answerRaw(socket, '408 Request Timeout', 159, 'TIMEOUT_EXCEEDED', 'Timeout exceeded while receiving the request', version);
    else answerRaw(socket, '400 Bad Request', 36, 'BAD_ARGUMENTS', `Malformed HTTP request (${error.code ?? 'parse error'})`, version);
  });
  // CONNECT and Upgrade leave the HTTP parser; neither is something ClickHouse answers.
  const noHandle = (req: IncomingMessage, socket: Duplex) =>
    answerRaw(socket, '404 Not Found', 1, 'UNSUPPORTED_METHOD', `There is no handle for ${req.method === 'CONNECT' ? 'method CONNECT' : 'Upgrade'}`, engine.version);
  server.on('connect', noHandle);
  server.on('upgrade', noHandle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Out of file descriptors under a connection flood, accept() fails: the server goes on.
  server.on('error', (error) => console.error(`trainwatch clickhouse: ${error.message}`));
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    engine,
    async close() {
      // Stop accepting first, then drop every connection, so none can slip in between.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await engine.close();
    },
  };
}
