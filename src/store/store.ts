/**
 * The singleton store: one per source on a page, shared by every element.
 *
 * Elements subscribe to series; the store polls the source for all of them in
 * one request per cycle. A new series first gets a view: its whole history
 * reduced in the database to the pixel columns a chart has (so opening a run
 * with millions of points moves thousands of rows); after that only the raw
 * points newer than what the store holds. Zoomed ranges are views too, asked
 * for in the same request. Each series keeps a bounded number of points. The
 * store stops polling while the tab is hidden, backs off with jitter on
 * errors, and forgets everything when the last subscriber leaves.
 *
 * Faults: a poll is all or nothing (an answer that fails validation changes
 * nothing); subscribers keep what they hold and are told the error; retries
 * wait `ceiling·(0.5 + 0.5·random)` with `ceiling = min(maxBackoff,
 * pollInterval·2^(failures-1))`, so an outage costs no more requests than
 * health and the first poll after the server is back comes within
 * `maxBackoff` (two poll intervals by default), or at once when the source
 * says so (`watch`). A poll with no answer after two poll intervals (4 s at
 * least) tells subscribers it is still waiting. A series or row query the
 * source says it cannot serve (a relay refusing a run id) is an error of
 * that subscription only: the rest is applied and the poll is no outage.
 */
import { DetailView, SeriesBuffer } from './series.js';
import { MAX_POLL_INTERVAL } from '../internal/invalid.js';
import { emptyChunk, queryId, seriesId, SourceError, type FetchPlan, type FetchResult, type QueryRow, type RowQuery, type RunInfo, type SeriesKey, type TelemetrySource, type ViewRequest } from '../sources/source.js';

/** The page's document where there is one: the relay runs this store in Node, without one. */
interface PageVisibility {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}
const page = (globalThis as { document?: PageVisibility }).document;

export type SeriesListener = (series: SeriesBuffer) => void;

/** The latest answer to a row query, as every subscriber of it sees it. */
export interface RowsResult {
  readonly query: RowQuery;
  /** `loading` until the first answer; an `error` keeps the last rows it had. */
  status: 'loading' | 'ready' | 'error';
  rows: QueryRow[];
  error?: string;
  /** When the rows last arrived, epoch ms (NaN before). */
  updatedAt: number;
  /** Bumped on each answer. */
  version: number;
}

export type RowsListener = (result: RowsResult) => void;

interface RowsEntry {
  result: RowsResult;
  listeners: Set<RowsListener>;
}

export interface StoreOptions {
  /** Poll interval while healthy, ms (default 2000; 250 ms to a day). */
  pollInterval?: number;
  /**
   * Longest wait between retries after errors, ms (default: two poll
   * intervals; never less than one, nor more than a day). A server that comes back is polled again
   * within this time, so a longer one means a slower recovery.
   */
  maxBackoff?: number;
  /** Points held per series before the oldest are reduced (default 60000). */
  pointBudget?: number;
  /** Pixel columns of a first view when no subscriber says (default 2000). */
  columns?: number;
  /** Most raw tail points per series in one poll (default 20000); a longer backlog comes over several polls. */
  tailLimit?: number;
  /** Called after every poll, answered or failed (the relay follows its ClickHouse's health with it). */
  onPoll?: (health: StoreHealth) => void;
}

export interface SubscribeOptions {
  /** Pixel columns the subscriber draws; the first view is reduced to the widest subscriber. */
  columns?: number;
}

interface Entry {
  buffer: SeriesBuffer;
  listeners: Set<SeriesListener>;
  columns: number;
  /** Zoomed ranges, most recently used last. */
  details: Map<string, DetailView>;
}

/** Zoomed ranges kept per series, so zooming back and forth does not refetch. */
const DETAILS_KEPT = 8;

export interface StoreHealth {
  /** Consecutive failed polls. */
  failures: number;
  lastError?: string;
  /** When the next poll is due, epoch ms (NaN when idle). */
  nextPollAt: number;
  /** When a poll last succeeded, epoch ms (NaN before the first). */
  lastSuccessAt: number;
  /** When the poll in flight was sent, epoch ms (NaN when none is): a slow server shows as a long wait. */
  waitingSince?: number;
}

/**
 * How long a poll may go unanswered before subscribers are told it is still
 * waiting, ms: overdue by a poll interval, and 4 s at least, so a large
 * first view or export on a busy server is not reported as a fault.
 */
export const waitingAfter = (pollInterval: number): number => Math.max(4000, 2 * pollInterval);

export class TelemetryStore {
  readonly source: TelemetrySource;
  readonly pollInterval: number;
  private readonly maxBackoff: number;
  private readonly pointBudget: number;
  private readonly columns: number;
  private readonly tailLimit: number;
  /** Requests sent (benchmarks and tests count them). */
  requests = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly rowEntries = new Map<string, RowsEntry>();
  private readonly runs = new Map<string, RunInfo | null>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: AbortController | undefined;
  private slowTimer: ReturnType<typeof setTimeout> | undefined;
  private polling = false;
  private disposed = false;
  private readonly onDispose: () => void;
  private readonly onPoll: (health: StoreHealth) => void;
  private readonly unwatch: () => void;
  readonly health: StoreHealth = { failures: 0, nextPollAt: NaN, lastSuccessAt: NaN, waitingSince: NaN };
  /** The wait before the next retry, given consecutive failures (exposed so tests check the schedule, not the clock). */
  readonly backoff: (failures: number) => number;

  constructor(source: TelemetrySource, options: StoreOptions = {}, onDispose: () => void = () => {}) {
    this.source = source;
    // A timer past 2^31 ms fires at once: a script's configure({ pollInterval: 3e9 }) would poll in a loop.
    this.pollInterval = clampDelay(options.pollInterval, 2000, 250);
    this.maxBackoff = clampDelay(options.maxBackoff, 2 * this.pollInterval, this.pollInterval);
    this.backoff = (failures) => {
      // Full jitter over the upper half: viewers that failed together do not retry together.
      const ceiling = Math.min(this.maxBackoff, this.pollInterval * 2 ** Math.min(Math.max(0, failures - 1), 20));
      return ceiling * (0.5 + 0.5 * Math.random());
    };
    this.pointBudget = options.pointBudget ?? 60_000;
    this.columns = options.columns ?? 2000;
    this.tailLimit = options.tailLimit ?? 20_000;
    this.onDispose = onDispose;
    this.onPoll = options.onPoll ?? (() => {});
    this.unwatch = source.watch?.(() => this.schedule(0, true)) ?? (() => {});
    page?.addEventListener('visibilitychange', this.onVisibility);
  }

  /** Subscribes to a series; returns the function that ends the subscription. */
  subscribe(key: SeriesKey, listener: SeriesListener, options: SubscribeOptions = {}): () => void {
    if (this.disposed) throw new Error('This store was disposed; get a new one with storeFor().');
    const id = seriesId(key);
    let entry = this.entries.get(id);
    const isNew = !entry;
    const columns = clampColumns(options.columns ?? this.columns);
    if (!entry) {
      entry = { buffer: new SeriesBuffer({ run: key.run, metric: key.metric }, this.pointBudget), listeners: new Set(), columns, details: new Map() };
      this.entries.set(id, entry);
    } else if (!entry.buffer.loaded) {
      entry.columns = Math.max(entry.columns, columns);
    }
    entry.listeners.add(listener);
    if (!isNew) queueMicrotask(() => entry.listeners.has(listener) && listener(entry.buffer));
    // A new series is fetched at once rather than at the next tick.
    if (isNew) this.schedule(0);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0) this.entries.delete(id);
      if (this.isEmpty) this.dispose();
    };
  }

  /**
   * Subscribes to a row query, asked again at every poll. Equal queries from
   * any number of elements are one query; all of a poll's row queries are one
   * request. Returns the function that ends the subscription.
   */
  subscribeRows(query: RowQuery, listener: RowsListener): () => void {
    if (this.disposed) throw new Error('This store was disposed; get a new one with storeFor().');
    const id = queryId(query);
    let entry = this.rowEntries.get(id);
    if (!entry) {
      entry = { result: { query, status: 'loading', rows: [], updatedAt: NaN, version: 0 }, listeners: new Set() };
      this.rowEntries.set(id, entry);
      this.schedule(0);
    } else {
      const known = entry;
      queueMicrotask(() => known.listeners.has(listener) && listener(known.result));
    }
    const held = entry;
    held.listeners.add(listener);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      held.listeners.delete(listener);
      if (held.listeners.size === 0) this.rowEntries.delete(id);
      if (this.isEmpty) this.dispose();
    };
  }

  private get isEmpty(): boolean {
    return this.entries.size === 0 && this.rowEntries.size === 0;
  }

  series(key: SeriesKey): SeriesBuffer | undefined {
    return this.entries.get(seriesId(key))?.buffer;
  }

  /**
   * A step range of a subscribed series at `columns` resolution, for a zoomed
   * chart. Cached per series: asking again for a recent range costs nothing.
   * Returns undefined when the series is not subscribed. Subscribers hear of
   * it through their listener when it arrives.
   */
  view(key: SeriesKey, fromStep: number, toStep: number, columns: number): DetailView | undefined {
    const entry = this.entries.get(seriesId(key));
    if (!entry) return undefined;
    const cols = clampColumns(columns);
    const id = DetailView.id(fromStep, toStep, cols);
    let detail = entry.details.get(id);
    if (detail) {
      entry.details.delete(id);
      entry.details.set(id, detail);
      // A failed range is asked for again by the next poll, at the backed-off pace, not at once:
      // charts call this on every render.
      return detail;
    }
    detail = new DetailView(entry.buffer.key, fromStep, toStep, cols);
    entry.details.set(id, detail);
    while (entry.details.size > DETAILS_KEPT) entry.details.delete(entry.details.keys().next().value!);
    this.schedule(0);
    return detail;
  }

  /** What is known of a run after an empty answer: null = no such run, undefined = not asked yet. */
  runInfo(run: string): RunInfo | null | undefined {
    return this.runs.get(run);
  }

  get subscriptionCount(): number {
    let n = 0;
    for (const entry of this.entries.values()) n += entry.listeners.size;
    for (const entry of this.rowEntries.values()) n += entry.listeners.size;
    return n;
  }

  get seriesCount(): number {
    return this.entries.size;
  }

  /** True while a timer or request is outstanding (tests use it to prove teardown). */
  get active(): boolean {
    return this.timer !== undefined || this.inflight !== undefined;
  }

  /** Polls now (after any poll in flight) instead of waiting for the timer. */
  refresh(): void {
    this.schedule(0);
  }

  private readonly onVisibility = () => {
    if (page?.visibilityState === 'visible' && !this.isEmpty) this.schedule(0);
  };

  /** `woken`: the source said something changed (it is back, new data), which cuts a backoff short. */
  private schedule(delay: number, woken = false) {
    if (this.disposed) return;
    if (this.polling) {
      if (delay === 0) this.pollAgain = true;
      if (woken) this.woken = true;
      return;
    }
    if (this.timer !== undefined) {
      // While failing, a new subscriber or a refresh does not cut the backoff short: no retry storms.
      if (delay >= this.health.nextPollAt - Date.now() || (this.health.failures > 0 && !woken)) return;
      clearTimeout(this.timer);
    }
    this.health.nextPollAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
  }

  private pollAgain = false;
  /** The source woke the store during the poll in flight: poll again at once even if it fails. */
  private woken = false;

  private async poll() {
    if (this.disposed || this.isEmpty) return;
    if (page?.visibilityState === 'hidden') {
      // Hidden tabs do not poll; visibilitychange resumes.
      this.health.nextPollAt = NaN;
      return;
    }
    this.polling = true;
    this.pollAgain = false;
    this.woken = false;
    const controller = new AbortController();
    this.inflight = controller;
    const entries = [...this.entries.values()];
    const plan: FetchPlan = { tails: [], views: [], tailLimit: this.tailLimit };
    const firstViews: Entry[] = [];
    const viewing = new Set<Entry>();
    const details: DetailView[] = [];
    for (const entry of entries) {
      const { buffer } = entry;
      if (!buffer.loaded) {
        firstViews.push(entry);
        viewing.add(entry);
        // A first view holds up to 5 points a column (M4 and a NaN); it must fit the point budget it is not reduced to.
        plan.views.push({ ...buffer.key, fromStep: 0, toStep: Infinity, columns: Math.min(entry.columns, Math.floor(this.pointBudget / 5)) });
      } else {
        plan.tails.push({ ...buffer.key, afterStep: buffer.lastStep });
      }
      for (const detail of entry.details.values()) {
        if (detail.status === 'ready') continue;
        details.push(detail);
        plan.views.push(detailRequest(detail));
      }
    }
    const rowEntries = [...this.rowEntries.values()];
    const hasPoints = plan.tails.length > 0 || plan.views.length > 0;
    if (hasPoints) this.requests++;
    if (rowEntries.length) this.requests++;
    this.health.waitingSince = Date.now();
    this.slowTimer = setTimeout(() => this.stillWaiting(entries, rowEntries), waitingAfter(this.pollInterval));
    try {
      // Points and rows are two requests at most, sent together.
      const [result, rows] = await Promise.all([
        hasPoints ? this.source.fetch(plan, controller.signal) : Promise.resolve<FetchResult>({ tails: new Map(), views: [] }),
        rowEntries.length ? this.source.rows(rowEntries.map((e) => e.result.query), controller.signal) : Promise.resolve([]),
      ]);
      if (this.disposed) return;
      const failed = result.failed ?? NONE_FAILED;
      const failure = (key: SeriesKey) => {
        const why = failed.get(seriesId(key));
        return why === undefined ? undefined : describeError(why, this.source.label);
      };
      // Runs whose series stay empty are described before anything is applied: a poll is all or nothing.
      const emptyRuns = new Set<string>();
      firstViews.forEach((entry, i) => {
        if (!result.views[i]?.steps.length && !failed.has(seriesId(entry.buffer.key))) emptyRuns.add(entry.buffer.key.run);
      });
      for (const entry of entries) {
        if (viewing.has(entry) || entry.buffer.length || failed.has(seriesId(entry.buffer.key))) continue;
        if (!result.tails.get(seriesId(entry.buffer.key))?.steps.length) emptyRuns.add(entry.buffer.key.run);
      }
      for (const run of emptyRuns) if (this.runs.has(run)) emptyRuns.delete(run);
      if (emptyRuns.size) await this.describe([...emptyRuns], controller.signal);
      if (this.disposed) return;
      rowEntries.forEach((entry, i) => {
        const answer = rows[i] ?? [];
        // A query the source could not serve keeps its last rows, as after any error.
        if (answer instanceof Error) Object.assign(entry.result, { status: 'error', error: describeError(answer, this.source.label), version: entry.result.version + 1 });
        else Object.assign(entry.result, { status: 'ready', rows: answer, error: undefined, updatedAt: Date.now(), version: entry.result.version + 1 });
      });
      const now = Date.now();
      let backlog = false;
      firstViews.forEach((entry, i) => failed.has(seriesId(entry.buffer.key)) || entry.buffer.loadView(result.views[i]));
      for (const id of result.resets ?? []) {
        const entry = this.entries.get(id);
        if (!entry || viewing.has(entry) || failed.has(id)) continue;
        // Asked for again from the start at the next poll, which comes at once.
        entry.buffer.loaded = false;
        viewing.add(entry);
        this.pollAgain = true;
      }
      details.forEach((detail, i) => {
        const why = failure(detail.key);
        if (why === undefined) detail.load(result.views[firstViews.length + i]);
        else detail.fail(why);
      });
      for (const entry of entries) {
        const { buffer } = entry;
        const why = failure(buffer.key);
        if (why !== undefined) {
          // Keeps what it holds, as after any error; asked for again at the next poll.
          buffer.fail(why);
          continue;
        }
        buffer.checkedAt = now;
        if (!viewing.has(entry)) {
          const chunk = result.tails.get(seriesId(buffer.key));
          buffer.append(chunk ?? EMPTY);
          if (chunk && chunk.steps.length >= this.tailLimit) backlog = true;
        }
      }
      this.health.failures = 0;
      this.health.lastError = undefined;
      this.health.lastSuccessAt = Date.now();
      this.notify(entries, details.length > 0);
      this.notifyRows(rowEntries);
      // A backlog longer than one answer is fetched at once rather than a slice per interval.
      if (backlog) this.pollAgain = true;
      this.finishPoll(this.pollInterval);
    } catch (error) {
      if (this.disposed) return;
      this.health.failures++;
      const message = describeError(error, this.source.label);
      this.health.lastError = message;
      for (const entry of entries) entry.buffer.fail(message);
      for (const detail of details) detail.fail(message);
      for (const entry of rowEntries) Object.assign(entry.result, { status: 'error', error: message, version: entry.result.version + 1 });
      this.notify(entries, details.length > 0);
      this.notifyRows(rowEntries);
      // Whatever asked for a poll meanwhile waits for the backoff too, unless the source said it changed.
      this.pollAgain = this.woken;
      this.finishPoll(this.backoff(this.health.failures));
    }
  }

  /** A poll unanswered for a while: subscribers that show data say they are waiting (the answer clears it). */
  private stillWaiting(entries: Entry[], rowEntries: RowsEntry[]) {
    this.slowTimer = undefined;
    const message = `Waiting for ${this.source.label}: no answer for ${Math.round(waitingAfter(this.pollInterval) / 1000)} s…`;
    const shown = entries.filter((e) => e.buffer.status !== 'loading');
    for (const entry of shown) entry.buffer.fail(message);
    const rows = rowEntries.filter((e) => e.result.status !== 'loading');
    for (const entry of rows) Object.assign(entry.result, { status: 'error', error: message, version: entry.result.version + 1 });
    this.notify(shown, false);
    this.notifyRows(rows);
  }

  private finishPoll(delay: number) {
    clearTimeout(this.slowTimer);
    this.slowTimer = undefined;
    this.health.waitingSince = NaN;
    this.polling = false;
    this.inflight = undefined;
    this.schedule(this.pollAgain ? 0 : delay);
    this.onPoll(this.health);
  }

  private async describe(runs: string[], signal: AbortSignal) {
    const infos = await this.source.describeRuns(runs, signal);
    for (const run of runs) this.runs.set(run, infos.find((info) => info.run === run) ?? null);
  }

  private notify(entries: Entry[], detailsChanged: boolean) {
    for (const entry of entries) {
      const version = entry.buffer.version;
      if (!detailsChanged && notified.get(entry.buffer) === version) continue;
      notified.set(entry.buffer, version);
      for (const listener of [...entry.listeners]) listener(entry.buffer);
    }
  }

  private notifyRows(entries: RowsEntry[]) {
    for (const entry of entries) for (const listener of [...entry.listeners]) listener(entry.result);
  }

  private dispose() {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.slowTimer);
    this.slowTimer = undefined;
    this.health.waitingSince = NaN;
    this.inflight?.abort();
    this.inflight = undefined;
    page?.removeEventListener('visibilitychange', this.onVisibility);
    this.unwatch();
    this.onDispose();
    void this.source.close();
  }
}

/** A delay option in ms: `fallback` when unset or not a number, else within [`least`, a day]. */
function clampDelay(value: number | undefined, fallback: number, least: number): number {
  return Math.min(MAX_POLL_INTERVAL, Math.max(least, value == null || Number.isNaN(value) ? fallback : value));
}

function clampColumns(columns: number): number {
  return Math.min(8192, Math.max(16, Math.floor(columns) || 0));
}

function detailRequest(detail: DetailView): ViewRequest {
  return { ...detail.key, fromStep: detail.fromStep, toStep: detail.toStep, columns: detail.columns };
}

const EMPTY = emptyChunk();
const NONE_FAILED = new Map<string, string>();
const notified = new WeakMap<SeriesBuffer, number>();

/** Turns a transport failure into a sentence a user can act on. */
export function describeError(error: unknown, label: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0].slice(0, 300);
  if (error instanceof SourceError) {
    if (error.kind === 'timeout') return `${label} did not answer within ${first}. Retrying…`;
    if (error.kind === 'status') return `${label} answered ${first}. Retrying…`;
    if (error.kind === 'cut') return `The answer from ${label} was cut off (${first}). Retrying…`;
    if (error.kind === 'garbled') return `The answer from ${label} was garbled (${first}); nothing of it was used. Retrying…`;
    return `${label} failed while answering: ${first}`;
  }
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (code === '516' || /Authentication failed|AUTHENTICATION_FAILED/.test(message)) {
    return `${label} refused the credentials: ${first.trim().replace(/\.?$/, '.')} Check the user and password.`;
  }
  if (code === '164' || /\(READONLY\)|readonly mode/.test(message)) {
    return `${label} refused the query for a read-only user: ${first.trim().replace(/\.?$/, '.')}`;
  }
  // An HTML error page (a proxy or load balancer in front of ClickHouse), as a client without the status reports it.
  if (/^\s*<(!doctype|html)/i.test(message)) {
    const title = /<title>([^<]{1,80})<\/title>/i.exec(message)?.[1].trim();
    return `${label} answered ${title ?? 'with an HTML error page'}. Retrying…`;
  }
  if (/^Timeout error/.test(message)) return `${label} did not answer in time. Retrying…`;
  if (/ECONNRESET|socket hang up|terminated|other side closed|^aborted$/i.test(message)) return `${label} dropped the connection. Retrying…`;
  if (/Failed to fetch|NetworkError|ECONNREFUSED|Load failed|fetch failed|EHOSTUNREACH|ENOTFOUND/i.test(message)) {
    return `Cannot reach ${label}. Retrying…`;
  }
  // A refusal with an empty body (a proxy's 431 or 413 before ClickHouse saw the request).
  if (!first.trim()) return `${label} refused the request without saying why. Retrying…`;
  return `${label}: ${first}`;
}
