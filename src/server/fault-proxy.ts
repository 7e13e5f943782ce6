/**
 * A fault-injecting HTTP proxy in front of a real ClickHouse (the embedded
 * one in tests): every request goes through to the server unless a fault
 * says otherwise, so the answers a client sees are real ClickHouse answers,
 * broken the way networks, proxies and load balancers break them.
 *
 * Faults (`setFault`): `pass`; `refuse` (the port is closed: connection
 * refused, as `down()`); `delay` (forward after `ms`; Infinity hangs until the
 * client gives up or the fault changes); `status` (a load balancer's HTML
 * error page, no ClickHouse headers); `cut` (forward, then reset the
 * connection after `bytes` bytes of the body); `truncate` (forward, then end
 * the body cleanly after `bytes` bytes: a cut the transport does not see);
 * `garble` (the body with the same length, every `every`-th byte flipped);
 * `reset` (drop the connection when a request arrives). A fault applies to
 * requests whose SQL contains `match` (all when unset), for the next `times`
 * of them (all when unset). CORS preflights always pass.
 *
 * Every request is logged with its time, so tests and benchmarks count
 * requests per minute during an outage.
 */
import { createServer, request as httpRequest, Agent, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type FaultMode = 'pass' | 'refuse' | 'delay' | 'status' | 'cut' | 'truncate' | 'garble' | 'reset';

export interface Fault {
  mode: FaultMode;
  /** `delay`: ms before forwarding (Infinity: never). */
  ms?: number;
  /** `status`: the HTTP status answered (default 503). */
  status?: number;
  /** `cut` / `truncate`: body bytes let through; negative: all but that many at the end. */
  bytes?: number;
  /** `garble`: every how many bytes one is flipped (default 7). */
  every?: number;
  /** Only requests whose SQL contains this text (e.g. `RowBinary`, `JSONCompact`). */
  match?: string;
  /** Only the next this many matching requests; then the proxy passes again. */
  times?: number;
}

export interface LoggedRequest {
  /** Epoch ms when it arrived. */
  at: number;
  method: string;
  /** What it asks for: `points` (RowBinary), `rows` (JSONCompact), or `other`. */
  kind: 'points' | 'rows' | 'other';
  /** The fault it met (`pass` when none). */
  fault: FaultMode;
  /** URL parameters that are ClickHouse settings (a read-only user may send none). */
  settings: string[];
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  readonly fault: Fault;
  /** Requests seen (CORS preflights left out), oldest first. */
  readonly log: LoggedRequest[];
  /** Sets the fault for the requests that follow (`refuse` closes the port, anything else opens it). */
  setFault(fault: Fault): Promise<void>;
  /** The port closed: every connection refused. */
  down(): Promise<void>;
  /** Back to passing everything through. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** URL parameters of the HTTP interface that are not settings. */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'default_format', 'user', 'password', 'session_id', 'role']);

const html = (status: number) =>
  `<html>\r\n<head><title>${status} ${STATUS_CODES[status] ?? ''}</title></head>\r\n<body>\r\n<center><h1>${status} ${STATUS_CODES[status] ?? ''}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

export async function startFaultProxy(target: { port: number; host?: string }, options: { port?: number } = {}): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const log: LoggedRequest[] = [];
  const agent = new Agent({ keepAlive: true });
  let fault: Fault = { mode: 'pass' };
  let server: Server | undefined;
  let port = options.port ?? 0;
  /** Requests waiting out a `delay`: released (forwarded) when the fault changes. */
  const waiting = new Set<() => void>();

  const faultFor = (sql: string): Fault => {
    if (fault.mode === 'pass' || fault.mode === 'refuse') return { mode: 'pass' };
    if (fault.match !== undefined && !sql.includes(fault.match)) return { mode: 'pass' };
    if (fault.times !== undefined) {
      if (fault.times <= 0) return { mode: 'pass' };
      const current = fault;
      fault = { ...fault, times: fault.times - 1 };
      return current;
    }
    return fault;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://proxy');
    const sql = `${url.searchParams.get('query') ?? ''}\n${body.toString('utf8')}`;
    const preflight = req.method === 'OPTIONS';
    const applied = preflight ? { mode: 'pass' as const } : faultFor(sql);
    if (!preflight) {
      if (log.length >= 100_000) log.splice(0, 50_000);
      log.push({
        at: Date.now(),
        method: req.method ?? 'GET',
        kind: /FORMAT\s+RowBinary/.test(sql) ? 'points' : /FORMAT\s+JSONCompact\b/.test(sql) ? 'rows' : 'other',
        fault: applied.mode,
        settings: [...url.searchParams.keys()].filter((name) => !name.startsWith('param_') && !NOT_SETTINGS.has(name)),
      });
    }
    if (applied.mode === 'reset') {
      req.socket.destroy();
      return;
    }
    if (applied.mode === 'status') {
      const status = applied.status ?? 503;
      res.writeHead(status, STATUS_CODES[status] ?? 'Error', {
        'Content-Type': 'text/html',
        'Access-Control-Allow-Origin': '*',
      });
      res.end(html(status));
      return;
    }
    if (applied.mode === 'delay') {
      const ms = applied.ms ?? Infinity;
      const gone = await new Promise<boolean>((resolve) => {
        const release = () => {
          clearTimeout(timer);
          waiting.delete(release);
          res.off('close', onClose);
          resolve(false);
        };
        const onClose = () => {
          clearTimeout(timer);
          waiting.delete(release);
          resolve(true);
        };
        const timer = Number.isFinite(ms) ? setTimeout(release, ms) : undefined;
        waiting.add(release);
        res.once('close', onClose);
      });
      if (gone) return;
    }
    forward(req, url, body, res, applied);
  };

  const forward = (req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse, applied: Fault) => {
    const headers = { ...req.headers, host: `${target.host ?? '127.0.0.1'}:${target.port}` };
    const upstream = httpRequest(
      { host: target.host ?? '127.0.0.1', port: target.port, method: req.method, path: `${url.pathname}${url.search}`, headers, agent },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', () => res.destroy());
        answer.on('end', () => {
          let bytes = Buffer.concat(chunks);
          const out = { ...answer.headers };
          if (applied.mode === 'garble') {
            bytes = Buffer.from(bytes);
            const every = Math.max(1, applied.every ?? 7);
            for (let i = every - 1; i < bytes.length; i += every) bytes[i] ^= 0xff;
          }
          const kept = (applied.bytes ?? 0) < 0 ? Math.max(0, bytes.length + applied.bytes!) : applied.bytes ?? 0;
          if (applied.mode === 'cut') {
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
            res.write(bytes.subarray(0, kept));
            // A reset mid-body: the client sees the connection drop before Content-Length bytes came.
            setTimeout(() => res.socket?.destroy(), 20);
            return;
          }
          if (applied.mode === 'truncate') {
            delete out['content-length'];
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
            res.end(bytes.subarray(0, kept));
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
          res.end(bytes);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      // As large a request head as the embedded ClickHouse reads (a relay sends long bound values in the URL).
      const created = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => void handle(req, res).catch(() => res.destroy()));
      created.keepAliveTimeout = 120_000;
      created.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => {
        port = (created.address() as { port: number }).port;
        server = created;
        resolve();
      });
    });

  const shut = () =>
    new Promise<void>((resolve) => {
      const closing = server;
      server = undefined;
      if (!closing) return resolve();
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      closing.close(() => resolve());
    });

  const setFault = async (next: Fault) => {
    fault = { ...next };
    // Requests held by a delay are let through when the delay ends, whatever comes next.
    for (const release of [...waiting]) release();
    if (next.mode === 'refuse') await shut();
    else await listen();
  };

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get fault() {
      return fault;
    },
    log,
    setFault,
    down: () => setFault({ mode: 'refuse' }),
    up: () => setFault({ mode: 'pass' }),
    async close() {
      for (const release of [...waiting]) release();
      await shut();
      agent.destroy();
    },
  };
}
