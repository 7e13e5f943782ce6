/**
 * Reads from a trainwatch relay instead of ClickHouse: `src="relay+http://…"`.
 *
 * The relay pushes; the store still asks. This source keeps one SSE stream
 * open for everything its store holds, mirrors what arrives (a snapshot per
 * series, then its new points; the latest answer of each row query), and
 * answers the store's requests from that mirror, waking the store whenever
 * something arrives. Zoomed ranges and run descriptions are REST calls.
 *
 * The subscription follows the store: every poll names every series and row
 * query it holds, and a change reconnects with `Last-Event-ID` and the keys
 * already held, so nothing is sent twice. A dropped stream reconnects after
 * `reconnectDelay()` (full jitter, at most 5 s, so viewers are back within
 * seconds of a relay restart and do not all come at once); while it is down,
 * or while the relay cannot reach ClickHouse, requests fail with a message
 * that says so and the store keeps what it has, exactly as with a direct
 * connection.
 *
 * What the relay cannot take (a run longer than its limit, a value of the
 * wrong kind, more than one stream carries) is that series' or query's error
 * (`FetchResult.failed`, an Error among the rows) and is left out of the
 * stream, so it never costs the other elements theirs.
 */
import { answerToView, decodePoints, decodeView, rowsKey, rowsProblem, seriesKey, seriesProblem, SseParser, STREAM_LIMITS, type MetricsAnswer, type PointsEvent, type ProblemEvent, type RowsEvent, type RowsSubscription, type SeriesSubscription, type SnapshotEvent, type StatusEvent } from '../relay/protocol.js';
import { emptyChunk, seriesId, type FetchPlan, type FetchResult, type QueryRow, type RowQuery, type RunInfo, type SeriesChunk, type TelemetrySource, type ViewChunk, type ViewRequest } from './source.js';
import { encodePart } from '../internal/links.js';
import { clip } from '../internal/invalid.js';

export const RELAY_PREFIX = 'relay+';

export interface RelaySourceOptions {
  /** `relay+http(s)://host:port[/path]` or the plain http(s) URL of the relay. */
  url: string;
  token?: string;
}

/** How long a request waits for the relay to send a series or an answer. */
const ARRIVAL_TIMEOUT = 15_000;
/** Points held for a series the store has not read (a hidden tab); past this, it reloads instead. */
const MAX_PENDING = 200_000;
/** No byte (not even a heartbeat) for this long means the stream is dead. */
const SILENCE_TIMEOUT = 45_000;

/** Never from the HTTP cache (typed loosely: Node's RequestInit, where this source also runs, lacks the field). */
const NO_STORE = { cache: 'no-store' } as RequestInit;

/** Reconnect waits: full jitter under a ceiling that doubles from `base` per failed attempt up to `cap`, ms. */
export const RECONNECT = { base: 500, cap: 5000 };

/**
 * The wait before reconnect attempt `failures` (1 after the first failure):
 * uniform in [0, min(cap, base·2^(failures-1))], after the relay's
 * `Retry-After` when it sent one. Full jitter spreads viewers that lost the
 * same relay over the whole window.
 */
export function reconnectDelay(failures: number, random = Math.random(), retryAfterMs = 0): number {
  const ceiling = Math.min(RECONNECT.cap, RECONNECT.base * 2 ** Math.min(Math.max(0, failures - 1), 16));
  return Math.min(retryAfterMs, 60_000) + random * ceiling;
}

interface MirrorSeries {
  /** The latest snapshot, kept until the store is known to have applied it (it then asks for the tail). */
  snapshot?: ViewChunk;
  /** The store has loaded a snapshot; later ones replace its data. */
  handedOver: boolean;
  reset: boolean;
  /** Its data was dropped: the next connection asks for a fresh snapshot. */
  stale: boolean;
  /** Points after the snapshot the store's watermark has not passed yet. */
  pending: SeriesChunk[];
  pendingCount: number;
  problem?: string;
  /** The problem is this source's own (left out of the stream), not the relay's. */
  local?: boolean;
}

interface MirrorRows {
  rows?: QueryRow[];
  problem?: string;
  local?: boolean;
}

export class RelaySource implements TelemetrySource {
  readonly id: string;
  readonly label: string;
  private readonly base: string;
  private readonly token: string | undefined;
  private readonly series = new Map<string, MirrorSeries>();
  private readonly rowStates = new Map<string, MirrorRows>();
  private wantedSeries = new Map<string, SeriesSubscription>();
  private wantedRows = new Map<string, RowsSubscription>();
  /** What the stream carries: the wanted entries that fit. */
  private streamed: { series: SeriesSubscription[]; rows: RowsSubscription[] } = { series: [], rows: [] };
  private subscribed = '';
  /** Bumped whenever the stream must reopen with a new subscription. */
  private generation = 0;
  private asked: { series?: Map<string, SeriesSubscription>; rows?: Map<string, RowsSubscription> } = {};
  private syncQueued = false;
  private stream: AbortController | undefined;
  private running = false;
  private closed = false;
  private lastEventId: string | undefined;
  /** Why the stream is down (after a failed attempt); undefined while it is up or connecting. */
  private error: string | undefined;
  private status: StatusEvent | undefined;
  private failures = 0;
  /** The relay's Retry-After of the last refusal, ms. */
  private retryAfter = 0;
  private readonly watchers = new Set<() => void>();
  private readonly invalid: string | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(options: RelaySourceOptions) {
    const plain = options.url.startsWith(RELAY_PREFIX) ? options.url.slice(RELAY_PREFIX.length) : options.url;
    // Said by every request rather than thrown here: an element shows it instead of breaking.
    if (!/^https?:\/\/[^/]/.test(plain)) this.invalid = `A relay URL looks like relay+https://host:port; got "${options.url.slice(0, 200)}".`;
    this.base = plain.replace(/\/+$/, '');
    this.token = options.token || undefined;
    this.id = `relay:${this.base}|${this.token ? 'token' : ''}`;
    this.label = `trainwatch relay at ${clip(this.base)}`;
  }

  async fetch(plan: FetchPlan, signal: AbortSignal): Promise<FetchResult> {
    if (this.invalid) throw new Error(this.invalid);
    // A series keeps the columns of its first view, so the subscription (and the stream) stays put across polls.
    const wanted = new Map<string, SeriesSubscription>();
    const add = (key: string, run: string, metric: string, columns?: number) => {
      const known = wanted.get(key) ?? this.wantedSeries.get(key);
      const widest = Math.max(known?.columns ?? 0, columns ?? 0);
      wanted.set(key, widest ? { run, metric, columns: widest } : { run, metric });
    };
    for (const tail of plan.tails) add(seriesKey(tail), tail.run, tail.metric);
    for (const view of plan.views) add(seriesKey(view), view.run, view.metric, isFirstView(view) ? view.columns : undefined);
    this.ask({ series: wanted });
    const result: FetchResult = { tails: new Map(), views: [] };
    const failed = new Map<string, string>();
    // Zoomed ranges go to the relay's REST route meanwhile (a failure is the poll's: not left unhandled while it waits).
    const details = Promise.all(plan.views.map((view) => (isFirstView(view) ? undefined : this.detail(view, signal))));
    details.catch(() => undefined);
    for (const [i, view] of plan.views.entries()) {
      if (!isFirstView(view)) continue;
      const key = seriesKey(view);
      const state = await this.until(signal, `${view.run} / ${view.metric}`, () => {
        const s = this.series.get(key);
        return s?.problem || s?.snapshot ? s : undefined;
      });
      if (state.problem) {
        failed.set(seriesId(view), state.problem);
        result.views[i] = NO_VIEW;
        continue;
      }
      // Kept until a later poll asks for the tail (the store applied it): a poll that fails gets it again.
      result.views[i] = state.snapshot!;
      state.handedOver = true;
      state.reset = false;
    }
    (await details).forEach((view, i) => view && (result.views[i] = view));
    this.throwIfUnhealthy();
    for (const tail of plan.tails) {
      const key = seriesKey(tail);
      const state = this.series.get(key);
      if (!state) continue;
      if (state.problem) {
        failed.set(seriesId(tail), state.problem);
        continue;
      }
      if (state.reset) {
        (result.resets ??= new Set()).add(seriesId(tail));
        continue;
      }
      state.snapshot = undefined;
      const chunk = takeAfter(state, tail.afterStep, plan.tailLimit);
      if (chunk) result.tails.set(seriesId(tail), chunk);
    }
    if (failed.size) result.failed = failed;
    return result;
  }

  async rows(queries: RowQuery[], signal: AbortSignal): Promise<Array<QueryRow[] | Error>> {
    if (this.invalid) throw new Error(this.invalid);
    const wanted = new Map<string, RowsSubscription>();
    for (const query of queries) wanted.set(rowsKey(query), { kind: query.kind, params: query.params });
    this.ask({ rows: wanted });
    const out: Array<QueryRow[] | Error> = [];
    for (const query of queries) {
      const key = rowsKey(query);
      const state = await this.until(signal, `the "${query.kind}" query`, () => {
        const s = this.rowStates.get(key);
        return s?.problem || s?.rows ? s : undefined;
      });
      out.push(state.problem ? new Error(state.problem) : state.rows!);
    }
    this.throwIfUnhealthy();
    return out;
  }

  async describeRuns(runs: string[], signal: AbortSignal): Promise<RunInfo[]> {
    if (!runs.length || this.invalid) return [];
    const query = runs.map((run) => `run=${encodePart(run)}`).join('&');
    const answer = await this.get<{ runs: Array<{ run_id: string; metrics: string[] }> }>(`/runs?${query}`, signal);
    return answer.runs.map((r) => ({ run: r.run_id, metrics: r.metrics }));
  }

  watch(changed: () => void): () => void {
    this.watchers.add(changed);
    return () => this.watchers.delete(changed);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.abort();
    this.cutWait?.();
    this.wake();
  }

  /** A zoomed range from `GET /metrics/{run}`. */
  private async detail(view: ViewRequest, signal: AbortSignal): Promise<ViewChunk> {
    const to = view.toStep === Infinity ? '' : `&to=${Math.floor(view.toStep)}`;
    const path = `/metrics/${encodePart(view.run)}?metric=${encodePart(view.metric)}&from=${Math.max(0, Math.floor(view.fromStep))}${to}&downsample=${Math.floor(view.columns)}`;
    const answer = await this.get<{ metrics: MetricsAnswer[] }>(path, signal);
    return answerToView(answer.metrics[0]);
  }

  private async get<T>(path: string, signal: AbortSignal): Promise<T> {
    const response = await fetch(`${this.base}${path}`, { headers: this.headers(), signal, ...NO_STORE });
    const body = (await response.json().catch(() => ({}))) as T & { error?: string };
    // An unknown run is a 404 with a message; for describeRuns it means "no such run".
    if (response.status === 404 && path.startsWith('/runs')) return { runs: [] } as T;
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    return body;
  }

  private headers(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  private throwIfUnhealthy() {
    if (this.error) throw new Error(this.error);
    if (this.status?.stale) {
      const since = this.status.lastSuccessAt ? ` since ${new Date(this.status.lastSuccessAt).toLocaleTimeString()}` : '';
      const reason = (this.status.error ?? 'no answer').replace(/^ClickHouse( at \S+)?:\s*/, '').replace(/[.\s]*Retrying…$/, '');
      throw new Error(`its ClickHouse does not answer${since} (${reason}); showing what it had. Retrying…`);
    }
  }

  /** Waits for `probe` to return something; fails when the stream is down, after a timeout, or on abort. */
  private until<T>(signal: AbortSignal, what: string, probe: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        try {
          if (signal.aborted) throw new DOMException('Aborted', 'AbortError');
          const value = probe();
          if (value !== undefined) return done(() => resolve(value));
          if (this.error || this.closed) throw new Error(this.error ?? 'closed');
          if (this.status?.stale && this.running) this.throwIfUnhealthy();
          if (Date.now() - started > ARRIVAL_TIMEOUT) throw new Error(`the relay sent nothing for ${what} within ${ARRIVAL_TIMEOUT / 1000} s`);
        } catch (error) {
          done(() => reject(error));
        }
      };
      const timer = setTimeout(check, ARRIVAL_TIMEOUT + 10);
      const done = (settle: () => void) => {
        this.waiters.delete(check);
        clearTimeout(timer);
        signal.removeEventListener('abort', check);
        settle();
      };
      this.waiters.add(check);
      signal.addEventListener('abort', check);
      check();
    });
  }

  private wake() {
    for (const check of [...this.waiters]) check();
  }

  private notify() {
    this.wake();
    for (const changed of this.watchers) changed();
  }

  /** Records what one kind of request named; the stream follows at the end of the tick. */
  private ask(asked: { series?: Map<string, SeriesSubscription>; rows?: Map<string, RowsSubscription> }) {
    Object.assign(this.asked, asked);
    if (this.syncQueued) return;
    this.syncQueued = true;
    setTimeout(() => {
      this.syncQueued = false;
      const { series, rows } = this.asked;
      this.asked = {};
      if (series) this.wantedSeries = series;
      if (rows) this.wantedRows = rows;
      for (const key of this.series.keys()) if (!this.wantedSeries.has(key)) this.series.delete(key);
      for (const key of this.rowStates.keys()) if (!this.wantedRows.has(key)) this.rowStates.delete(key);
      for (const key of this.wantedSeries.keys()) if (!this.series.has(key)) this.series.set(key, { handedOver: false, reset: false, stale: false, pending: [], pendingCount: 0 });
      for (const key of this.wantedRows.keys()) if (!this.rowStates.has(key)) this.rowStates.set(key, {});
      const { series: streamed, rows: queried, refused } = this.fit();
      let changed = false;
      for (const [key, state] of [...this.series, ...this.rowStates]) {
        const problem = refused.get(key);
        if (problem && state.problem !== problem) Object.assign(state, { problem, local: true });
        else if (!problem && state.local) Object.assign(state, { problem: undefined, local: false });
        else continue;
        changed = true;
      }
      // Only news wakes the store: a poll that asks again for a refused entry must not make another poll at once.
      if (changed) this.notify();
      const sub = JSON.stringify({ series: streamed, rows: queried });
      if (sub === this.subscribed) return;
      this.subscribed = sub;
      this.streamed = { series: streamed, rows: queried };
      this.reconnect();
    }, 0);
  }

  /** What one stream carries: entries the relay can take, in order, while they fit its limits; the others with why. */
  private fit(): { series: SeriesSubscription[]; rows: RowsSubscription[]; refused: Map<string, string> } {
    const refused = new Map<string, string>();
    const { urlBytes, series: maxSeries, rowQueries: maxRows } = STREAM_LIMITS;
    const full = `More than one relay stream carries (${maxSeries} series, ${maxRows} queries, ${urlBytes / 1024} KB).`;
    // Path and query as the relay counts them (without `have`: see read()).
    let bytes = this.streamPath('{"series":[],"rows":[]}').length;
    const take = <T>(entries: Map<string, T>, max: number, problem: (entry: T) => string | undefined): T[] => {
      const out: T[] = [];
      for (const [key, entry] of entries) {
        const why = problem(entry);
        const size = encodeURIComponent(JSON.stringify(entry)).length + 3;
        if (why) refused.set(key, why);
        else if (out.length >= max || bytes + size > urlBytes) refused.set(key, full);
        else {
          out.push(entry);
          bytes += size;
        }
      }
      return out;
    };
    return { series: take(this.wantedSeries, maxSeries, seriesProblem), rows: take(this.wantedRows, maxRows, rowsProblem), refused };
  }

  /** The stream's request target (path and query) for a subscription's JSON. */
  private streamPath(json: string): string {
    return `${this.base.replace(/^https?:\/\/[^/]*/, '')}/stream?sub=${encodeURIComponent(json)}`;
  }

  /** Opens the stream again at once, with the current subscription. */
  private reconnect() {
    this.generation++;
    if (this.running) {
      this.stream?.abort();
      this.cutWait?.();
    } else void this.run();
  }

  private cutWait: (() => void) | undefined;
  /** When the current stream said `ready` (0: not yet, or dropped). */
  private readyAt = 0;

  /** The stream loop: connect with what is wanted, read until it ends, reconnect (at once after a resubscription). */
  private async run() {
    this.running = true;
    while (!this.closed && (this.streamed.series.length || this.streamed.rows.length)) {
      const controller = new AbortController();
      this.stream = controller;
      const generation = this.generation;
      try {
        await this.read(controller);
      } catch (error) {
        if (this.closed) break;
        if (generation === this.generation) {
          // A stream that stayed up a while starts the backoff afresh; one that is accepted and
          // dropped at once (an eviction, a proxy's idle cut) keeps backing off.
          if (this.readyAt && Date.now() - this.readyAt > 30_000) this.failures = 0;
          this.readyAt = 0;
          this.failures++;
          // Waiting requests fail at once; the store hears of the stream going down, not of each failed reconnect
          // (its watch cuts a backoff short).
          const news = this.error === undefined;
          this.error = (error as Error).message || 'Failed to fetch';
          if (news) this.notify();
          else this.wake();
        }
      }
      if (generation !== this.generation) continue;
      // Dropped or refused: back within seconds, spread out (reconnectDelay); a resubscription cuts the wait short.
      const delay = reconnectDelay(Math.max(1, this.failures), Math.random(), this.retryAfter);
      this.retryAfter = 0;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.cutWait = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.cutWait = undefined;
    }
    this.running = false;
  }

  private async read(controller: AbortController) {
    const { series, rows } = this.streamed;
    const keys = [...series.map(seriesKey), ...rows.map(rowsKey)];
    const held = (key: string) => {
      const s = this.series.get(key);
      return s ? (s.handedOver || !!s.snapshot) && !s.stale : !!this.rowStates.get(key)?.rows;
    };
    const have = keys.filter(held);
    // Omitted `have` means "all of them": shorter, and a full page stays under the relay's URL limit.
    let path = this.streamPath(JSON.stringify(have.length === keys.length ? { series, rows } : { series, rows, have }));
    let resume = this.lastEventId;
    if (path.length > STREAM_LIMITS.urlBytes) {
      // No room to say what is held: start afresh (snapshots of everything).
      path = this.streamPath(JSON.stringify({ series, rows }));
      resume = undefined;
    }
    const headers: Record<string, string> = { ...this.headers(), Accept: 'text/event-stream' };
    if (resume) headers['Last-Event-ID'] = resume;
    const response = await fetch(`${this.base.replace(/^(https?:\/\/[^/]*).*$/, '$1')}${path}`, { headers, signal: controller.signal, ...NO_STORE });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      this.retryAfter = 1000 * (Number(response.headers.get('Retry-After')) || 0);
      throw new Error(body.error ?? `the relay answered HTTP ${response.status}`);
    }
    this.error = undefined;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    let silence = setTimeout(() => controller.abort(), SILENCE_TIMEOUT);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('Failed to fetch: the relay closed the stream');
        clearTimeout(silence);
        silence = setTimeout(() => controller.abort(), SILENCE_TIMEOUT);
        for (const message of parser.push(value)) this.handle(message.event, message.data, message.id);
      }
    } finally {
      clearTimeout(silence);
      reader.cancel().catch(() => {});
    }
  }

  private handle(event: string, data: string, id: string | undefined) {
    if (event === ':') return;
    if (id !== undefined) this.lastEventId = id;
    switch (event) {
      case 'snapshot': {
        const message = JSON.parse(data) as SnapshotEvent;
        const state = this.series.get(message.key);
        if (!state) return;
        state.snapshot = decodeView(message);
        state.pending = [];
        state.pendingCount = 0;
        state.problem = undefined;
        state.stale = false;
        if (state.handedOver) state.reset = true;
        break;
      }
      case 'points': {
        const message = JSON.parse(data) as PointsEvent;
        const state = this.series.get(message.key);
        if (!state) return;
        const chunk = decodePoints(message);
        state.pending.push(chunk);
        state.pendingCount += chunk.steps.length;
        if (state.pendingCount > MAX_PENDING && state.handedOver) {
          // Nobody read them (a hidden tab): reload rather than hold without bound.
          state.pending = [];
          state.pendingCount = 0;
          state.reset = true;
          state.stale = true;
          this.reconnect();
        }
        break;
      }
      case 'rows': {
        const message = JSON.parse(data) as RowsEvent;
        const state = this.rowStates.get(message.key);
        if (state) Object.assign(state, { rows: message.rows, problem: undefined });
        break;
      }
      case 'problem': {
        const message = JSON.parse(data) as ProblemEvent;
        const target = this.series.get(message.key) ?? this.rowStates.get(message.key);
        if (target) target.problem = message.message;
        break;
      }
      case 'status':
        this.status = JSON.parse(data) as StatusEvent;
        break;
      case 'ready':
        this.readyAt = Date.now();
        break;
      default:
        return;
    }
    this.notify();
  }
}

/** The place of a first view the relay refused (`failed` says why; the store does not read it). */
const NO_VIEW: ViewChunk = { ...emptyChunk(), total: 0, bucketSteps: 1, lastStep: -1 };

function isFirstView(view: ViewRequest): boolean {
  return view.fromStep === 0 && view.toStep === Infinity;
}

/** The pending points after `afterStep`, at most `limit`; what is handed over is dropped. */
function takeAfter(state: MirrorSeries, afterStep: number, limit: number): SeriesChunk | undefined {
  if (!state.pendingCount) return undefined;
  const total = state.pendingCount;
  const steps = new Float64Array(total);
  const times = new Float64Array(total);
  const values = new Float64Array(total);
  let n = 0;
  for (const chunk of state.pending) {
    for (let i = 0; i < chunk.steps.length; i++) {
      if (chunk.steps[i] <= afterStep) continue;
      steps[n] = chunk.steps[i];
      times[n] = chunk.times[i];
      values[n] = chunk.values[i];
      n++;
    }
  }
  // Points at or before `afterStep` are the store's (its watermark says so) and are dropped; the
  // rest stay until a later poll's watermark passes them, so a poll that fails loses none.
  state.pending = n ? [{ steps: steps.slice(0, n), times: times.slice(0, n), values: values.slice(0, n) }] : [];
  state.pendingCount = n;
  const take = Math.min(n, limit);
  return take ? { steps: steps.subarray(0, take), times: times.subarray(0, take), values: values.subarray(0, take) } : undefined;
}
