/**
 * The relay's wire format, shared by the relay (Node) and the relay source
 * (browser). Kept free of Node and DOM APIs.
 *
 * A viewer opens `GET /stream?sub=<JSON Subscription>` and reads Server-Sent
 * Events:
 * - `snapshot` (no id while the first burst is sent): a series as the relay
 *   holds it, reduced to the viewer's columns; it replaces what the viewer had.
 * - `ready` (id): everything subscribed has been sent up to this id.
 * - `points` (id): raw points appended to one series.
 * - `rows` (id): the whole new answer of one row query.
 * - `status` (no id): whether the relay's ClickHouse answers (`stale` when not).
 * - `problem` (no id): a subscription the relay cannot serve, and why.
 *
 * Event ids are `<epoch>-<seq>`: a relay restart starts a new epoch. A viewer
 * that reconnects with `Last-Event-ID` gets what it missed (from the relay's
 * log of recent events) and no snapshot, or fresh snapshots when the log no
 * longer reaches back that far.
 *
 * What one stream may ask for is bounded (`STREAM_LIMITS`). A request that is
 * not a subscription at all (not JSON, wrong shape, too many entries, too
 * long) is refused with a JSON error; an entry the relay cannot serve (a text
 * too long, a value of the wrong kind, an unknown query) is a `problem` for
 * that key only, and the rest of the stream is served.
 */
import type { QueryParam, QueryRow, SeriesChunk, ViewChunk } from '../sources/source.js';

export interface SeriesSubscription {
  run: string;
  metric: string;
  /** Pixel columns of the snapshot (default 2000). */
  columns?: number;
}

export interface RowsSubscription {
  /** A query kind the relay knows (`checkpoints`, `big-number`…): the relay holds the SQL, viewers send only the values. */
  kind: string;
  params: Record<string, QueryParam>;
}

export interface Subscription {
  series?: SeriesSubscription[];
  rows?: RowsSubscription[];
  /**
   * On a reconnect with Last-Event-ID: the subscribed keys (`seriesKey`,
   * `rowsKey`) the viewer already holds. Omitted: all of them.
   */
  have?: string[];
}

/** What one stream may ask for; the relay source checks them too, so one bad element never costs its page the stream. */
export const STREAM_LIMITS = {
  /** Path and query of the request, bytes. */
  urlBytes: 16_384,
  series: 256,
  rowQueries: 64,
  /** Characters of a run, a metric or a text parameter. */
  paramText: 4096,
  /** Items of a list parameter. */
  paramItems: 1000,
  columns: 8192,
};

/** Why the relay cannot serve a series (undefined: it can). */
export function seriesProblem(s: SeriesSubscription): string | undefined {
  const { paramText, columns } = STREAM_LIMITS;
  if (s.run.length > paramText || s.metric.length > paramText) return `A relay takes runs and metrics of at most ${paramText} characters.`;
  if (s.columns !== undefined && !(Number.isInteger(s.columns) && s.columns >= 1 && s.columns <= columns)) return `columns must be a whole number from 1 to ${columns}.`;
  return undefined;
}

/** Why the relay cannot take a row query's values (undefined: it can; the relay still checks them against its SQL). */
export function rowsProblem(q: RowsSubscription): string | undefined {
  const { paramText, paramItems } = STREAM_LIMITS;
  const scalar = (v: unknown) => (typeof v === 'string' && v.length <= paramText) || (typeof v === 'number' && Number.isFinite(v));
  for (const [name, value] of Object.entries(q.params)) {
    if (scalar(value) || (Array.isArray(value) && value.length <= paramItems && value.every(scalar))) continue;
    return `"${q.kind.slice(0, 60)}": ${name.slice(0, 60)} must be a text of at most ${paramText} characters, a finite number, or a list of at most ${paramItems} of them.`;
  }
  return undefined;
}

/** The key of a series on the wire. */
export const seriesKey = (s: { run: string; metric: string }): string => JSON.stringify([s.run, s.metric]);

/** The key of a row query on the wire: equal kinds and values are one query. */
export const rowsKey = (q: RowsSubscription): string =>
  JSON.stringify([q.kind, Object.entries(q.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);

/** Points as JSON: NaN and ±Infinity travel as the strings "NaN", "Infinity", "-Infinity". */
export interface WirePoints {
  steps: number[];
  times: number[];
  values: Array<number | string>;
}

export interface SnapshotEvent extends WirePoints {
  key: string;
  total: number;
  bucketSteps: number;
  lastStep: number;
  /** Points at steps past 2^53 − 1 the series leaves out (absent: none). */
  beyond?: number;
}

export interface PointsEvent extends WirePoints {
  key: string;
}

export interface RowsEvent {
  key: string;
  rows: QueryRow[];
}

export interface StatusEvent {
  /** True while the relay cannot reach ClickHouse and serves what it has. */
  stale: boolean;
  error?: string;
  /** When the relay last heard from ClickHouse, epoch ms (null before). */
  lastSuccessAt: number | null;
  /** The relay's poll interval, ms. */
  pollInterval: number;
}

export interface ProblemEvent {
  key: string;
  message: string;
}

export function encodePoints(chunk: SeriesChunk, from = 0, to = chunk.steps.length): WirePoints {
  const steps: number[] = [];
  const times: number[] = [];
  const values: Array<number | string> = [];
  for (let i = from; i < to; i++) {
    steps.push(chunk.steps[i]);
    times.push(chunk.times[i]);
    const v = chunk.values[i];
    values.push(Number.isFinite(v) ? v : String(v));
  }
  return { steps, times, values };
}

export function decodePoints(wire: WirePoints): SeriesChunk {
  const n = Math.min(wire.steps.length, wire.times.length, wire.values.length);
  const steps = new Float64Array(n);
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    steps[i] = Number(wire.steps[i]);
    times[i] = Number(wire.times[i]);
    values[i] = Number(wire.values[i]);
  }
  return { steps, times, values };
}

export function decodeView(event: SnapshotEvent): ViewChunk {
  return { ...decodePoints(event), total: event.total, bucketSteps: event.bucketSteps, lastStep: event.lastStep, beyond: Number(event.beyond) || 0 };
}

/** `GET /metrics/{run}` answer for one metric: the user's sketch's `{columns, rows}` plus what the rows stand for. */
export interface MetricsAnswer {
  run: string;
  metric: string;
  columns: ['step', 'time', 'value'];
  rows: Array<[number, number, number | string]>;
  /** Points in the range; more than `rows.length` when reduced. */
  total: number;
  /** Steps per column (1: raw points). */
  bucketSteps: number;
  /** Newest step in the range (-1 when empty). */
  lastStep: number;
  /** Points at steps past 2^53 − 1, left out of `rows` (a UInt64 step a double cannot hold). */
  beyond: number;
}

export function viewToAnswer(run: string, metric: string, view: ViewChunk): MetricsAnswer {
  const { steps, times, values } = encodePoints(view);
  return {
    run,
    metric,
    columns: ['step', 'time', 'value'],
    rows: steps.map((s, i) => [s, times[i], values[i]]),
    total: view.total,
    bucketSteps: view.bucketSteps,
    lastStep: view.lastStep,
    beyond: view.beyond ?? 0,
  };
}

export function answerToView(answer: MetricsAnswer): ViewChunk {
  const chunk = decodePoints({ steps: answer.rows.map((r) => r[0]), times: answer.rows.map((r) => r[1]), values: answer.rows.map((r) => r[2]) });
  return { ...chunk, total: answer.total, bucketSteps: answer.bucketSteps, lastStep: answer.lastStep, beyond: Number(answer.beyond) || 0 };
}

/** Error bodies of the relay's REST routes. */
export interface RelayError {
  error: string;
  status: number;
}

/** Parses one SSE block's fields (the relay's own events: one `data` line each). */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental SSE parser: feed text as it arrives, get whole events.
 * Comments (heartbeats) come back as events named `:`.
 */
export class SseParser {
  private buffer = '';

  push(text: string): SseMessage[] {
    this.buffer += text;
    const out: SseMessage[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const message: SseMessage = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          message.event = ':';
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') message.event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') message.id = value;
      }
      message.data = data.join('\n');
      out.push(message);
    }
    return out;
  }
}
