/**
 * The ClickHouse engine behind the embedded server: one chDB session per
 * process, used by one query at a time.
 *
 * chDB keeps per-session state (current database, `SET` settings), so every
 * request runs inside a serial queue: switch database, apply its settings, run,
 * restore. That is what makes one shared session behave like the independent
 * HTTP requests of a real server. A setting that cannot be undone by a later
 * statement (`readonly=1`, a tiny `max_query_size`, `dialect='prql'`…) costs a
 * new session on the same data instead of leaving every later request broken.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { SCHEMA_STATEMENTS } from './schema.js';

export interface EngineResult {
  body: Buffer;
  rowsRead: number;
  bytesRead: number;
  elapsedSec: number;
}

export interface QueryRequest {
  sql: string;
  database: string;
  format: string;
  params: Record<string, string>;
  settings: Record<string, string>;
  /** True for `USE db`, which moves the session's database: the next request switches back. */
  changesDatabase?: boolean;
  /** Where inline `INSERT … FORMAT` data starts in `sql`: data is not scanned for placeholders. */
  dataOffset?: number;
}

/** A ClickHouse error with its numeric code, as the HTTP interface reports it. */
export class ClickHouseError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    /** The HTTP status when it is not the one ClickHouse maps the code to. */
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ClickHouseError';
  }

  /** `Code: N. DB::Exception: …` exactly as a server's error body starts. */
  get body(): string {
    return this.message.startsWith('Code:')
      ? this.message
      : `Code: ${this.code}. DB::Exception: ${this.message}. (${this.codeName})`;
  }
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Names of the `{name:Type}` placeholders of a query. */
export function parameterNames(sql: string): Set<string> {
  const names = new Set<string>();
  for (const m of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:[^{}]+\}/g)) names.add(m[1]);
  return names;
}

export interface EngineOptions {
  /** Data directory; a temporary one (removed on close) when omitted. */
  dataDir?: string;
}

/** Settings the session starts with that differ from ClickHouse's defaults, as `clickhouse-server` has them. */
const SESSION_SETTINGS: Record<string, string> = {
  // The HTTP server's default is to quote 64-bit integers in JSON; chDB's is not.
  output_format_json_quote_64bit_integers: '1',
};

function openSession(dataDir: string): Session {
  return new Session(dataDir, { connectionArgs: Object.entries(SESSION_SETTINGS).map(([name, value]) => `--${name}=${value}`) });
}

export class Engine {
  readonly dataDir: string;
  readonly version: string;
  private session: Session;
  private readonly isTemp: boolean;
  private queue: Promise<unknown> = Promise.resolve();
  private currentDatabase = 'default';
  private closed = false;
  private reopenCount = 0;

  private constructor(session: Session, dataDir: string, isTemp: boolean, version: string) {
    this.session = session;
    this.dataDir = dataDir;
    this.isTemp = isTemp;
    this.version = version;
  }

  static async open(options: EngineOptions = {}): Promise<Engine> {
    const isTemp = !options.dataDir;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'trainwatch-ch-'));
    const session = openSession(dataDir);
    const version = (await session.queryAsync('SELECT version()', { format: 'TSV' })).text().trim();
    const engine = new Engine(session, dataDir, isTemp, version);
    for (const statement of SCHEMA_STATEMENTS) await engine.run({ sql: statement, database: 'default', format: 'TSV', params: {}, settings: {} });
    return engine;
  }

  /** Runs one statement with its database, settings and bound parameters, after any earlier one. */
  run(request: QueryRequest): Promise<EngineResult> {
    const next = this.queue.then(() => this.runNow(request));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(request: QueryRequest): Promise<EngineResult> {
    if (this.closed) throw new ClickHouseError(210, 'NETWORK_ERROR', 'Code: 210. DB::Exception: Server is shutting down. (NETWORK_ERROR)');
    const applied: string[] = [];
    try {
      if (request.database !== this.currentDatabase) {
        await this.exec(`USE \`${request.database.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``);
        this.currentDatabase = request.database;
      }
      for (const [name, value] of Object.entries(request.settings)) {
        if (!SETTING_NAME.test(name)) {
          throw new ClickHouseError(115, 'UNKNOWN_SETTING', `Code: 115. DB::Exception: Unknown setting '${name}'. (UNKNOWN_SETTING)`);
        }
        await this.exec(`SET ${name} = ${quoteLiteral(value)}`);
        applied.push(name);
      }
      // Parameters go in as `SET param_x = '<text as sent>'`, so ClickHouse parses each value
      // exactly as a server parses an HTTP param_x (chDB's own binding re-escapes composite values).
      for (const [name, value] of Object.entries(request.params)) {
        if (!SETTING_NAME.test(name)) {
          throw new ClickHouseError(36, 'BAD_ARGUMENTS', `Code: 36. DB::Exception: Invalid query parameter name '${name}'. (BAD_ARGUMENTS)`);
        }
        await this.exec(`SET param_${name} = ${quoteLiteral(value)}`);
      }
      // Session parameters outlive the request; a placeholder this request did not send must fail as on a server.
      for (const name of parameterNames(request.sql.slice(0, request.dataOffset))) {
        if (!(name in request.params)) {
          throw new ClickHouseError(456, 'UNKNOWN_QUERY_PARAMETER', `Code: 456. DB::Exception: Substitution \`${name}\` is not set. (UNKNOWN_QUERY_PARAMETER)`);
        }
      }
      const result = await this.session.queryAsync(request.sql, { format: request.format });
      return {
        body: Buffer.from(result.bytes()),
        rowsRead: result.rowsRead,
        bytesRead: result.bytesRead,
        elapsedSec: result.elapsed,
      };
    } catch (error) {
      throw toClickHouseError(error);
    } finally {
      if (request.changesDatabase) this.currentDatabase = '';
      await this.restore(applied);
    }
  }

  /** Puts the settings a request changed back to the session's own values; a new session when that fails. */
  private async restore(names: string[]): Promise<void> {
    try {
      for (const name of names) {
        const value = SESSION_SETTINGS[name];
        await this.exec(`SET ${name} = ${value === undefined ? 'DEFAULT' : quoteLiteral(value)}`);
      }
    } catch {
      // The request's settings stop the session from undoing them (readonly=1, max_query_size=1,
      // dialect='prql'…). A new session on the same data starts from the defaults again.
      this.session.close();
      this.session = openSession(this.dataDir);
      this.currentDatabase = 'default';
      this.reopenCount++;
    }
  }

  /** How many times a request's settings could not be undone and the session was opened anew. */
  get reopenedSessions(): number {
    return this.reopenCount;
  }

  private async exec(sql: string): Promise<void> {
    await this.session.queryAsync(sql, { format: 'TSV' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.session.close();
    if (this.isTemp) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function toClickHouseError(error: unknown): ClickHouseError {
  if (error instanceof ClickHouseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const match = /^Code: (\d+)\..*\(([A-Z_0-9]+)\)/s.exec(message);
  const code = match ? Number(match[1]) : ((error as { clickhouseCode?: number })?.clickhouseCode ?? 1001);
  const name = match?.[2] ?? 'STD_EXCEPTION';
  return new ClickHouseError(code, name, message.trim());
}
