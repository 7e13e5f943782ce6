/**
 * A minimal Server-Sent Events client for Node (tests, the fan-out benchmark,
 * scripts): one HTTP GET, events as they arrive, nothing buffered beyond the
 * current event. `pause()` stops reading the socket, as a frozen browser tab
 * would.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { SseParser, type SseMessage } from '../../relay/protocol.js';

export interface SseClientOptions {
  headers?: Record<string, string>;
  onEvent?: (message: SseMessage, receivedAt: number) => void;
}

export class SseClient {
  readonly events: SseMessage[] = [];
  status = 0;
  /** The answer's body when the relay refused the stream (JSON error). */
  errorBody = '';
  lastEventId: string | undefined;
  closed = false;
  private req: ClientRequest | undefined;
  private res: IncomingMessage | undefined;
  private readonly closedWaiters: Array<() => void> = [];

  /** Resolves once the response headers arrived (or the request failed). */
  readonly opened: Promise<void>;

  constructor(url: string, options: SseClientOptions = {}) {
    const parser = new SseParser();
    this.opened = new Promise<void>((resolve) => {
      const req = request(url, { headers: { Accept: 'text/event-stream', ...options.headers } }, (res) => {
        this.res = res;
        this.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          if (this.status !== 200) {
            this.errorBody += text;
            return;
          }
          const now = Date.now();
          for (const message of parser.push(text)) {
            if (message.id !== undefined) this.lastEventId = message.id;
            if (message.event !== ':') this.events.push(message);
            options.onEvent?.(message, now);
          }
        });
        res.on('close', () => this.markClosed());
        resolve();
      });
      req.on('error', () => {
        this.markClosed();
        resolve();
      });
      req.end();
      this.req = req;
    });
  }

  /** Stops reading: the socket's buffers fill and the server sees a stalled viewer. */
  pause(): void {
    this.res?.pause();
  }

  close(): void {
    this.req?.destroy();
    this.markClosed();
  }

  /** Resolves when the server ends or drops the connection. */
  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.closedWaiters.push(resolve));
  }

  /** Events of one name, their data parsed. */
  data<T = unknown>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
  }

  private markClosed() {
    if (this.closed) return;
    this.closed = true;
    for (const resolve of this.closedWaiters.splice(0)) resolve();
  }
}
