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
import type { RowQuery, TelemetrySource, ViewChunk } from '../../sources/source.js';
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
  /** Polls done and viewers evicted (health and benchmarks). */
  polls = 0;
  evicted = 0;

  constructor(
    readonly source: TelemetrySource,
    options: HubOptions,
    private readonly catalog: ReadonlyMap<string, string>,
  ) {
    this.options = { pointBudget: 20_000, logSize: 20_000, heartbeat: 15_000, stallTimeout: 3000, maxQueueBytes: 4 << 20, startTimeout: 10_000, linger: 15_000, ...options };
    this.pollInterval = options.pollInterval;
    // Stores come and go with their viewers; the connection to ClickHouse stays (REST routes use it too).
    const shared = this.source;
    this.sharedSource = {
      id: shared.id,
      label: shared.label,
      fetch: (plan, signal) => shared.fetch(plan, signal),
      rows: (queries, signal) => shared.rows(queries, signal),
      describeRuns: (runs, signal) => shared.describeRuns(runs, signal),
      close: async () => {},
    };
    this.statusBytes = this.statusEvent(this.lastHealth);
    this.timers.push(setInterval(() => this.sweep(), 250));
    this.timers.push(setInterval(() => this.broadcastRaw(encoder.encode(`: heartbeat ${Date.now()}\n\n`)), this.options.heartbeat));
  }

  /** The store disposes itself when its last subscriber leaves; the next subscription makes a new one. */
  private storeInstance: TelemetryStore | undefined;
  private requestsOfOldStores = 0;
  private lastHealth: StoreHealth = { failures: 0, nextPollAt: NaN, lastSuccessAt: NaN };

  private makeStore(): TelemetryStore {
    const store = new TelemetryStore(
      this.sharedSource,
      {
        pollInterval: this.pollInterval,
        pointBudget: this.options.pointBudget,
        onPoll: (health) => this.afterPoll(health),
      },
      () => {
        this.requestsOfOldStores += store.requests;
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

  /** Requests sent to ClickHouse so far. */
  get requests(): number {
    return this.requestsOfOldStores + (this.storeInstance?.requests ?? 0);
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
    checkParams(sub.kind, sql, sub.params);
    return { kind: sub.kind, sql, params: sub.params };
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

  /** Adds a viewer; its first events follow when its series are ready (or after startTimeout). */
  connect(socket: ViewerSocket, sub: Subscription, lastEventId?: string): Viewer {
    const resumeFrom = this.resumePoint(lastEventId);
    const viewer = new Viewer(socket, resumeFrom, sub.have ? new Set(sub.have) : undefined);
    this.viewers.add(viewer);
    socket.on('drain', () => {
      viewer.blockedSince = 0;
      viewer.allowance = 0;
    });
    socket.on('close', () => this.disconnect(viewer));
    this.write(viewer, encoder.encode(`retry: 2000\n\n`));
    this.write(viewer, this.statusBytes);
    for (const s of sub.series ?? []) {
      const state = this.seriesState(s);
      state.viewers.add(viewer);
      viewer.series.add(state);
      viewer.columns.set(state.key, s.columns ?? 2000);
      if (!state.loadedAt) viewer.pending.add(state.key);
    }
    for (const r of sub.rows ?? []) {
      const state = this.rowsState(r);
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

  private seriesState(sub: SeriesSubscription): SeriesState {
    const key = seriesKey(sub);
    let state = this.series.get(key);
    if (state) {
      clearTimeout(state.lingering);
      return state;
    }
    const created: SeriesState = { key, sub, unsubscribe: () => {}, loadedAt: 0, sentUntil: -1, viewers: new Set(), snapshots: new Map() };
    state = created;
    this.series.set(key, created);
    created.unsubscribe = this.liveStore.subscribe({ run: sub.run, metric: sub.metric }, (buffer) => this.onSeries(created, buffer), { columns: sub.columns });
    return created;
  }

  private rowsState(sub: RowsSubscription): RowsState {
    const key = rowsKey(sub);
    let state = this.rowStates.get(key);
    if (state) {
      clearTimeout(state.lingering);
      return state;
    }
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
    if (result.status !== 'ready') return;
    const text = JSON.stringify(result.rows);
    if (text === state.text) return;
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
    const payload = JSON.stringify({ key: state.key, ...encodePoints(view), total: view.total, bucketSteps: view.bucketSteps, lastStep: view.lastStep });
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
      error: health.lastError,
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

/**
 * Every `{name:Type}` of the SQL has a value of that type: all row queries of
 * a poll are one ClickHouse request, so one viewer's bad value must be refused
 * here rather than fail the poll for everybody.
 */
export function checkParams(kind: string, sql: string, params: Record<string, unknown>): void {
  for (const [, name, type] of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_()]+)\s*\}/g)) {
    const value = params[name];
    const array = /^Array\((.+)\)$/.exec(type);
    const fits = (v: unknown, t: string): boolean => {
      if (t === 'String') return typeof v === 'string';
      const int = /^(U?)Int(8|16|32|64)$/.exec(t);
      if (int) return typeof v === 'number' && Number.isSafeInteger(v) && (int[1] !== 'U' || v >= 0) && (int[2] !== '8' || Math.abs(v) < 256);
      if (/^Float(32|64)$/.test(t)) return typeof v === 'number' && Number.isFinite(v);
      return false;
    };
    const ok = array ? Array.isArray(value) && value.every((v) => fits(v, array[1])) : fits(value, type);
    if (!ok) throw new Error(`Query "${kind}" needs ${name} as ${type}; got ${JSON.stringify(value)?.slice(0, 80) ?? 'nothing'}.`);
  }
}

function problemEvent(key: string, message: string): Uint8Array {
  return encoder.encode(`event: problem\ndata: ${JSON.stringify({ key, message })}\n\n`);
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
  };
}
