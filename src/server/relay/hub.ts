/**
 * The relay's heart: one TelemetryStore (the same poll loop, series buffers
 * and row-query batching a page uses) holding the union of what every viewer
 * subscribes to, and a broadcaster that turns its changes into SSE events.
 *
 * Each change is serialized once and the same bytes go to every viewer of it.
 * Point events are kept in a bounded log so a viewer that reconnects with
 * Last-Event-ID gets exactly what it missed. A viewer whose socket stops
 * draining is evicted; the others never wait for it.
 */
import { reduceChunk } from '../../sources/reduce.js';
import type { FetchPlan, FetchResult, QueryParam, RowQuery, TelemetrySource, ViewChunk } from '../../sources/source.js';
import type { SeriesBuffer } from '../../store/series.js';
import { TelemetryStore, type RowsResult, type StoreHealth } from '../../store/store.js';
import { encodePoints, rowsKey, seriesKey, type RowsSubscription, type SeriesSubscription, type StatusEvent, type Subscription } from '../../relay/protocol.js';

export interface HubOptions {
  /** ClickHouse poll interval, ms. */
  pollInterval: number;
  /** Points the relay holds per series before reducing the oldest (default 20000). */
  pointBudget?: number;
  /** Point events kept for resuming viewers (default 20000). */
  logSize?: number;
  /** Comment line sent to every viewer this often, ms (default 15000). */
  heartbeat?: number;
  /** A viewer whose socket has not drained for this long is evicted, ms (default 3000). */
  stallTimeout?: number;
  /** Bytes queued for one viewer before it is evicted at once (default 4 MiB). */
  maxQueueBytes?: number;
  /** How long a new viewer waits for its series before getting what is ready, ms (default 10000). */
  startTimeout?: number;
  /** How long a series or query nobody watches stays polled, so a reconnecting viewer resumes instead of reloading, ms (default 15000). */
  linger?: number;
  /** Most distinct series the relay holds at once (default 2000); a viewer asking for one more gets a problem for it. */
  maxSeries?: number;
  /** Most distinct row queries the relay runs at once (default 1000). */
  maxRowQueries?: number;
  /** Series per ClickHouse request of a poll (default 64): a poll of more goes out in slices, under ClickHouse's max_query_size. */
  seriesPerRequest?: number;
}

/** What a viewer's connection must offer (a ServerResponse does). */
export interface ViewerSocket {
  write(chunk: Uint8Array): boolean;
  readonly writableLength: number;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  destroy(): void;
}

interface SeriesState {
  key: string;
  sub: SeriesSubscription;
  unsubscribe: () => void;
  buffer?: SeriesBuffer;
  /** Seq at which the series became available (0: not yet). A viewer whose last id is at or past it holds it. */
  loadedAt: number;
  /** Highest step broadcast. */
  sentUntil: number;
  viewers: Set<Viewer>;
  snapshots: Map<number, { version: number; bytes: Uint8Array }>;
  lingering?: ReturnType<typeof setTimeout>;
}

interface RowsState {
  key: string;
  unsubscribe: () => void;
  /** Seq of the last change (0: no answer yet). */
  changedAt: number;
  text?: string;
  viewers: Set<Viewer>;
  problem?: string;
  lingering?: ReturnType<typeof setTimeout>;
}

interface LogEntry {
  seq: number;
  key: string;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();

export class Viewer {
  readonly series = new Set<SeriesState>();
  readonly rows = new Set<RowsState>();
  /** Snapshot width each series was asked at by this viewer. */
  readonly columns = new Map<string, number>();
  /** Keys that still owe their first snapshot or answer. */
  readonly pending = new Set<string>();
  /** Keys the relay will not serve this viewer, and why (sent as `problem` events). */
  readonly problems = new Map<string, string>();
  live = false;
  closed = false;
  blockedSince = 0;
  /** Bytes of the first burst (snapshots): allowed on top of the queue limit, as no viewer can read them before they are sent. */
  allowance = 0;
  startTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly socket: ViewerSocket,
    /** Last seq the viewer holds (resume), or -1. */
    readonly resumeFrom: number,
    /** Keys the viewer says it holds. */
    readonly have: Set<string> | undefined,
  ) {}
}

export class RelayHub {
  readonly epoch = Date.now().toString(36);
  readonly pollInterval: number;
  private seq = 0;
  private readonly series = new Map<string, SeriesState>();
  private readonly rowStates = new Map<string, RowsState>();
  readonly viewers = new Set<Viewer>();
  private readonly log: LogEntry[] = [];
  /** Highest seq that fell out of the log: a resume from before it cannot be replayed. */
  private droppedUntil = 0;
  private readonly options: Required<HubOptions>;
  private readonly timers: Array<ReturnType<typeof setInterval>> = [];
  private statusBytes: Uint8Array;
  private readonly sharedSource: TelemetrySource;
  private stale = false;
  /** Polls done, viewers evicted, streams opened and refused (health and benchmarks). */
  polls = 0;
  evicted = 0;
  connections = 0;
  refused = 0;

  constructor(
    readonly source: TelemetrySource,
    options: HubOptions,
    private readonly catalog: ReadonlyMap<string, string>,
  ) {
    this.options = { pointBudget: 20_000, logSize: 20_000, heartbeat: 15_000, stallTimeout: 3000, maxQueueBytes: 4 << 20, startTimeout: 10_000, linger: 15_000, maxSeries: 2000, maxRowQueries: 1000, seriesPerRequest: SERIES_PER_REQUEST, ...options };
    this.pollInterval = options.pollInterval;
    // Stores come and go with their viewers; the connection to ClickHouse stays (REST routes use it too).
    // A poll of many series or queries goes out in slices: one request for thousands would pass ClickHouse's max_query_size
    // and fail every viewer's poll.
    const shared = this.source;
    this.sharedSource = {
      id: shared.id,
      label: shared.label,
      fetch: async (plan, signal) => {
        const slices = slicePlan(plan, this.options.seriesPerRequest);
        this.sourceRequests += slices.length;
        const results = await Promise.all(slices.map((slice) => shared.fetch(slice, signal)));
        if (results.length === 1) return results[0];
        const merged: FetchResult = { tails: new Map(), views: [] };
        for (const result of results) {
          for (const [id, chunk] of result.tails) merged.tails.set(id, chunk);
          merged.views.push(...result.views);
          for (const id of result.resets ?? []) (merged.resets ??= new Set()).add(id);
          for (const [id, why] of result.failed ?? []) (merged.failed ??= new Map()).set(id, why);
        }
        return merged;
      },
      rows: async (queries, signal) => {
        const slices = sliceQueries(queries);
        this.sourceRequests += slices.length;
        return (await Promise.all(slices.map((slice) => shared.rows(slice, signal)))).flat();
      },
      describeRuns: (runs, signal) => shared.describeRuns(runs, signal),
      close: async () => {},
    };
    this.statusBytes = this.statusEvent(this.lastHealth);
    this.timers.push(setInterval(() => this.sweep(), 250));
    this.timers.push(setInterval(() => this.broadcastRaw(encoder.encode(`: heartbeat ${Date.now()}\n\n`)), this.options.heartbeat));
  }

  /** The store disposes itself when its last subscriber leaves; the next subscription makes a new one. */
  private storeInstance: TelemetryStore | undefined;
  private sourceRequests = 0;
  private lastHealth: StoreHealth = { failures: 0, nextPollAt: NaN, lastSuccessAt: NaN, waitingSince: NaN };

  private makeStore(): TelemetryStore {
    const store = new TelemetryStore(
      this.sharedSource,
      {
        pollInterval: this.pollInterval,
        pointBudget: this.options.pointBudget,
        onPoll: (health) => this.afterPoll(health),
      },
      () => {
        if (this.storeInstance === store) this.storeInstance = undefined;
      },
    );
    this.storeInstance = store;
    return store;
  }

  /** The live store (a new one after the last viewer of the old one left). */
  private get liveStore(): TelemetryStore {
    return this.storeInstance ?? this.makeStore();
  }

  /** Requests sent to ClickHouse by polls so far. */
  get requests(): number {
    return this.sourceRequests;
  }

  get health(): StoreHealth {
    return this.storeInstance?.health ?? this.lastHealth;
  }

  get isStale(): boolean {
    return this.stale;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  get rowQueryCount(): number {
    return this.rowStates.size;
  }

  /** The buffer the relay holds for a series, when some viewer subscribes to it. */
  held(run: string, metric: string): SeriesBuffer | undefined {
    return this.series.get(seriesKey({ run, metric }))?.buffer;
  }

  /** Builds the row query for a kind the relay knows; throws a message for anything else. */
  rowQuery(sub: RowsSubscription): RowQuery {
    const sql = this.catalog.get(sub.kind);
    if (!sql) throw new Error(`This relay does not know the query "${String(sub.kind).slice(0, 60)}"; it serves ${[...this.catalog.keys()].join(', ')}.`);
    // Only the values the SQL names reach ClickHouse: a viewer's extra names never become request parameters.
    return { kind: sub.kind, sql, params: checkParams(sub.kind, sql, sub.params) };
  }

  /** Parses an event id of this relay (`<epoch>-<seq>`); -1 when it is not one or is too old to replay. */
  resumePoint(lastEventId: string | undefined): number {
    if (!lastEventId) return -1;
    const match = /^([0-9a-z]+)-(\d+)$/.exec(lastEventId.trim());
    if (!match || match[1] !== this.epoch) return -1;
    const seq = Number(match[2]);
    if (!Number.isSafeInteger(seq) || seq > this.seq || seq < this.droppedUntil) return -1;
    return seq;
  }

  /** Adds a viewer; its first events follow when its series are ready (or after startTimeout). `problems`: keys refused up front, and why. */
  connect(socket: ViewerSocket, sub: Subscription, lastEventId?: string, problems?: ReadonlyMap<string, string>): Viewer {
    const resumeFrom = this.resumePoint(lastEventId);
    const viewer = new Viewer(socket, resumeFrom, sub.have ? new Set(sub.have) : undefined);
    this.viewers.add(viewer);
    this.connections++;
    for (const [key, message] of problems ?? []) viewer.problems.set(key, message);
    socket.on('drain', () => {
      viewer.blockedSince = 0;
      viewer.allowance = 0;
    });
    socket.on('close', () => this.disconnect(viewer));
    this.write(viewer, encoder.encode(`retry: 2000\n\n`));
    this.write(viewer, this.statusBytes);
    for (const s of sub.series ?? []) {
      const state = this.seriesState(s);
      if (!state) {
        viewer.problems.set(seriesKey(s), `The relay already holds ${this.options.maxSeries} series, its limit; try again later.`);
        continue;
      }
      state.viewers.add(viewer);
      viewer.series.add(state);
      viewer.columns.set(state.key, s.columns ?? 2000);
      if (!state.loadedAt) viewer.pending.add(state.key);
    }
    for (const r of sub.rows ?? []) {
      const state = this.rowsState(r);
      if (!state) {
        viewer.problems.set(rowsKey(r), `The relay already runs ${this.options.maxRowQueries} queries, its limit; try again later.`);
        continue;
      }
      state.viewers.add(viewer);
      viewer.rows.add(state);
      if (!state.changedAt && !state.problem) viewer.pending.add(state.key);
    }
    if (viewer.pending.size === 0) this.start(viewer);
    else viewer.startTimer = setTimeout(() => this.start(viewer), this.options.startTimeout);
    return viewer;
  }

  disconnect(viewer: Viewer): void {
    if (viewer.closed) return;
    viewer.closed = true;
    clearTimeout(viewer.startTimer);
    this.viewers.delete(viewer);
    for (const state of viewer.series) {
      state.viewers.delete(viewer);
      if (state.viewers.size === 0) this.linger(state, this.series);
    }
    for (const state of viewer.rows) {
      state.viewers.delete(viewer);
      if (state.viewers.size === 0) this.linger(state, this.rowStates);
    }
  }

  /** Keeps an unwatched series or query for a while: a viewer that resubscribes resumes rather than reloads. */
  private linger<S extends SeriesState | RowsState>(state: S, from: Map<string, S>) {
    clearTimeout(state.lingering);
    const drop = () => {
      if (state.viewers.size || from.get(state.key) !== state) return;
      from.delete(state.key);
      state.unsubscribe();
    };
    state.lingering = setTimeout(drop, this.options.linger);
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const viewer of [...this.viewers]) {
      this.disconnect(viewer);
      viewer.socket.destroy();
    }
    for (const state of [...this.series.values(), ...this.rowStates.values()]) {
      clearTimeout(state.lingering);
      state.unsubscribe();
    }
    this.series.clear();
    this.rowStates.clear();
  }

  private seriesState(sub: SeriesSubscription): SeriesState | undefined {
    const key = seriesKey(sub);
    let state = this.series.get(key);
    if (state) {
      clearTimeout(state.lingering);
      return state;
    }
    if (this.series.size >= this.options.maxSeries) return undefined;
    const created: SeriesState = { key, sub, unsubscribe: () => {}, loadedAt: 0, sentUntil: -1, viewers: new Set(), snapshots: new Map() };
    state = created;
    this.series.set(key, created);
    created.unsubscribe = this.liveStore.subscribe({ run: sub.run, metric: sub.metric }, (buffer) => this.onSeries(created, buffer), { columns: sub.columns });
    return created;
  }

  private rowsState(sub: RowsSubscription): RowsState | undefined {
    const key = rowsKey(sub);
    let state = this.rowStates.get(key);
    if (state) {
      clearTimeout(state.lingering);
      return state;
    }
    if (this.rowStates.size >= this.options.maxRowQueries) return undefined;
    const created: RowsState = { key, unsubscribe: () => {}, changedAt: 0, viewers: new Set() };
    this.rowStates.set(key, created);
    try {
      const query = this.rowQuery(sub);
      created.unsubscribe = this.liveStore.subscribeRows(query, (result) => this.onRows(created, result));
    } catch (error) {
      created.problem = (error as Error).message;
    }
    return created;
  }

  private onSeries(state: SeriesState, buffer: SeriesBuffer) {
    state.buffer = buffer;
    if (!buffer.loaded || buffer.status === 'loading') return;
    if (!state.loadedAt) {
      state.loadedAt = ++this.seq;
      state.sentUntil = buffer.watermark;
      for (const viewer of state.viewers) {
        if (!viewer.pending.delete(state.key)) continue;
        if (viewer.live) this.write(viewer, this.snapshot(state, viewer, state.loadedAt));
        else if (viewer.pending.size === 0) this.start(viewer);
      }
      return;
    }
    if (buffer.watermark <= state.sentUntil) return;
    const steps = buffer.steps;
    let from = steps.length;
    while (from > 0 && steps[from - 1] > state.sentUntil) from--;
    state.sentUntil = buffer.watermark;
    if (from === steps.length) return;
    const seq = ++this.seq;
    const payload = JSON.stringify({ key: state.key, ...encodePoints(buffer, from) });
    const bytes = encoder.encode(`id: ${this.epoch}-${seq}\nevent: points\ndata: ${payload}\n\n`);
    this.log.push({ seq, key: state.key, bytes });
    if (this.log.length > this.options.logSize) this.droppedUntil = this.log.splice(0, this.log.length - this.options.logSize).at(-1)!.seq;
    for (const viewer of state.viewers) if (viewer.live) this.write(viewer, bytes);
  }

  private onRows(state: RowsState, result: RowsResult) {
    if (result.status === 'error') {
      // An outage is said once by the status event (viewers keep the rows they have); a query
      // ClickHouse refused while the poll went through is that query's problem.
      if (this.storeInstance?.health.failures !== 0 || !result.error) return;
      const message = result.error.replace(/^ClickHouse( at \S+)?:\s*/, '');
      if (message === state.problem) return;
      state.problem = message;
      const bytes = problemEvent(state.key, message);
      for (const viewer of state.viewers) {
        const first = viewer.pending.delete(state.key);
        if (viewer.live) this.write(viewer, bytes);
        else if (first && viewer.pending.size === 0) this.start(viewer);
      }
      return;
    }
    if (result.status !== 'ready') return;
    const text = JSON.stringify(result.rows);
    if (text === state.text && !state.problem) return;
    state.problem = undefined;
    state.text = text;
    state.changedAt = ++this.seq;
    const bytes = this.rowsEvent(state, true);
    for (const viewer of state.viewers) {
      const first = viewer.pending.delete(state.key);
      if (viewer.live) this.write(viewer, bytes);
      else if (first && viewer.pending.size === 0) this.start(viewer);
    }
  }

  /** The first events of a viewer: snapshots (or the replay of what it missed), then `ready`. */
  private start(viewer: Viewer) {
    if (viewer.live || viewer.closed) return;
    clearTimeout(viewer.startTimer);
    const resume = viewer.resumeFrom;
    const holds = (key: string) => resume >= 0 && (!viewer.have || viewer.have.has(key));
    const replay = new Set<string>();
    for (const state of viewer.series) {
      if (!state.loadedAt) continue;
      if (holds(state.key) && state.loadedAt <= resume) replay.add(state.key);
      else this.write(viewer, this.snapshot(state, viewer));
    }
    if (replay.size) for (const entry of this.log) if (entry.seq > resume && replay.has(entry.key)) this.write(viewer, entry.bytes);
    for (const [key, message] of viewer.problems) this.write(viewer, problemEvent(key, message));
    for (const state of viewer.rows) {
      if (state.problem) this.write(viewer, problemEvent(state.key, state.problem));
      else if (state.changedAt && !(holds(state.key) && state.changedAt <= resume)) this.write(viewer, this.rowsEvent(state, false));
    }
    viewer.live = true;
    this.write(viewer, encoder.encode(`id: ${this.epoch}-${this.seq}\nevent: ready\ndata: {}\n\n`));
  }

  /** A series as held, reduced to the viewer's columns; serialized once per version and width. */
  private snapshot(state: SeriesState, viewer: Viewer, seq?: number): Uint8Array {
    const buffer = state.buffer!;
    const columns = Math.min(8192, Math.max(16, Math.floor(viewer.columns.get(state.key) ?? 2000)));
    const id = seq === undefined ? '' : `id: ${this.epoch}-${seq}\n`;
    const cached = state.snapshots.get(columns);
    if (!id && cached && cached.version === buffer.version) return cached.bytes;
    const view = heldView(buffer, columns);
    // `beyond`: points at steps past 2^53 the series leaves out (sent only when there are any).
    const payload = JSON.stringify({ key: state.key, ...encodePoints(view), total: view.total, bucketSteps: view.bucketSteps, lastStep: view.lastStep, ...(view.beyond ? { beyond: view.beyond } : {}) });
    const bytes = encoder.encode(`${id}event: snapshot\ndata: ${payload}\n\n`);
    if (!id) state.snapshots.set(columns, { version: buffer.version, bytes });
    return bytes;
  }

  private rowsEvent(state: RowsState, withId: boolean): Uint8Array {
    const id = withId ? `id: ${this.epoch}-${state.changedAt}\n` : '';
    return encoder.encode(`${id}event: rows\ndata: {"key":${JSON.stringify(state.key)},"rows":${state.text}}\n\n`);
  }

  private afterPoll(health: StoreHealth) {
    this.polls++;
    this.lastHealth = { ...health };
    const stale = health.failures > 0;
    const bytes = this.statusEvent(health);
    if (stale !== this.stale || (stale && health.failures === 1)) {
      this.stale = stale;
      this.statusBytes = bytes;
      for (const viewer of this.viewers) this.write(viewer, bytes);
    } else {
      this.statusBytes = bytes;
    }
  }

  private statusEvent(health: StoreHealth): Uint8Array {
    const status: StatusEvent = {
      stale: health.failures > 0,
      // Viewers learn why, not where the relay's ClickHouse lives.
      error: health.lastError?.replaceAll(this.source.label, 'ClickHouse'),
      lastSuccessAt: Number.isFinite(health.lastSuccessAt) ? health.lastSuccessAt : null,
      pollInterval: this.pollInterval,
    };
    return encoder.encode(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
  }

  private broadcastRaw(bytes: Uint8Array) {
    for (const viewer of this.viewers) this.write(viewer, bytes);
  }

  /** Writes without waiting; a viewer that cannot keep up is evicted, never waited for. */
  private write(viewer: Viewer, bytes: Uint8Array) {
    if (viewer.closed) return;
    if (!viewer.live) viewer.allowance += bytes.byteLength;
    const flushed = viewer.socket.write(bytes);
    if (!flushed && !viewer.blockedSince) viewer.blockedSince = Date.now();
    if (viewer.socket.writableLength > this.options.maxQueueBytes + viewer.allowance) this.evict(viewer);
  }

  private sweep() {
    const now = Date.now();
    for (const viewer of this.viewers) {
      if (viewer.blockedSince && now - viewer.blockedSince > this.options.stallTimeout) this.evict(viewer);
    }
  }

  private evict(viewer: Viewer) {
    if (viewer.closed) return;
    this.evicted++;
    this.disconnect(viewer);
    viewer.socket.destroy();
  }
}

/** Ranges of the integer types a query may name; 64-bit ones stop at what a JSON number holds exactly. */
const INT_RANGES: Record<string, [number, number]> = {
  UInt8: [0, 255],
  UInt16: [0, 65_535],
  UInt32: [0, 4_294_967_295],
  UInt64: [0, Number.MAX_SAFE_INTEGER],
  Int8: [-128, 127],
  Int16: [-32_768, 32_767],
  Int32: [-2_147_483_648, 2_147_483_647],
  Int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Every `{name:Type}` of the SQL has a value of that type and range: all row
 * queries of a poll are one ClickHouse request, so one viewer's bad value must
 * be refused here rather than fail the poll for everybody. Returns the values
 * the SQL names, and only those.
 */
export function checkParams(kind: string, sql: string, params: Record<string, unknown>): Record<string, QueryParam> {
  const used: Record<string, QueryParam> = {};
  const fits = (v: unknown, t: string): boolean => {
    if (t === 'String') return typeof v === 'string';
    const range = INT_RANGES[t];
    if (range) return typeof v === 'number' && Number.isInteger(v) && v >= range[0] && v <= range[1];
    if (t === 'Float64') return typeof v === 'number' && Number.isFinite(v);
    if (t === 'Float32') return typeof v === 'number' && Math.abs(v) <= 3.4e38;
    return false;
  };
  for (const [, name, type] of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_()]+)\s*\}/g)) {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    const array = /^Array\((.+)\)$/.exec(type);
    const ok = array ? Array.isArray(value) && value.every((v) => fits(v, array[1])) : fits(value, type);
    if (!ok) throw new Error(`Query "${kind}" needs ${name} as ${type}; got ${JSON.stringify(value)?.slice(0, 80) ?? 'nothing'}.`);
    used[name] = value as QueryParam;
  }
  return used;
}

function problemEvent(key: string, message: string): Uint8Array {
  return encoder.encode(`event: problem\ndata: ${JSON.stringify({ key, message })}\n\n`);
}

/** Series (tails and views) per ClickHouse request: up to ~2 KB of SQL each (a first view), well under max_query_size (256 KiB). */
const SERIES_PER_REQUEST = 64;
/** Row queries per ClickHouse request, and their SQL text at most (the largest built-in query is ~6 KB). */
const QUERIES_PER_REQUEST = 32;
const SQL_PER_REQUEST = 96 * 1024;

/**
 * Bound values per ClickHouse request, in characters: they travel in the URL as `param_*`, and
 * one viewer's long run ids must not push the shared poll's URL past what a proxy in front of
 * ClickHouse accepts (nginx: 8 KB a header line by default, percent-encoding triples some).
 */
const PARAM_CHARS_PER_REQUEST = 2048;

/**
 * A poll's plan in slices of at most `size` series and about PARAM_CHARS_PER_REQUEST characters
 * of run and metric names (a series is never split); views keep their order across slices.
 */
export function slicePlan(plan: FetchPlan, size: number, paramChars = PARAM_CHARS_PER_REQUEST): FetchPlan[] {
  const items = [...plan.tails.map((tail) => ({ tail, chars: tail.run.length + tail.metric.length })), ...plan.views.map((view) => ({ view, chars: view.run.length + view.metric.length }))];
  const slices: FetchPlan[] = [];
  let slice: FetchPlan | undefined;
  let count = 0;
  let chars = 0;
  for (const item of items) {
    if (!slice || count >= size || (count > 0 && chars + item.chars > paramChars)) {
      slice = { tails: [], views: [], tailLimit: plan.tailLimit };
      slices.push(slice);
      count = 0;
      chars = 0;
    }
    if ('tail' in item) slice.tails.push(item.tail);
    else slice.views.push(item.view);
    count++;
    chars += item.chars;
  }
  return slices.length ? slices : [plan];
}

/** Row queries in slices bounded in count and SQL text; answers come back in order. */
export function sliceQueries(queries: RowQuery[]): RowQuery[][] {
  const slices: RowQuery[][] = [];
  let current: RowQuery[] = [];
  let text = 0;
  for (const query of queries) {
    if (current.length && (current.length >= QUERIES_PER_REQUEST || text + query.sql.length > SQL_PER_REQUEST)) {
      slices.push(current);
      current = [];
      text = 0;
    }
    current.push(query);
    text += query.sql.length;
  }
  if (current.length || !slices.length) slices.push(current);
  return slices;
}

/** A held series as a view of `columns` columns: M4 over what the relay holds, raw when it fits. */
export function heldView(buffer: SeriesBuffer, columns: number): ViewChunk {
  const view = reduceChunk({ steps: buffer.steps, times: buffer.times, values: buffer.values }, columns);
  return {
    steps: view.steps.slice(),
    times: view.times.slice(),
    values: view.values.slice(),
    total: buffer.total,
    bucketSteps: Math.max(view.bucketSteps, buffer.bucketSteps),
    lastStep: buffer.watermark,
    beyond: buffer.beyond,
  };
}
