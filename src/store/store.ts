/**
 * The singleton store: one per source on a page, shared by every element.
 *
 * Elements subscribe to series; the store polls the source for all of them in
 * one request per cycle, asking only for steps newer than what it holds, and
 * notifies subscribers of the series that changed. It stops polling while the
 * tab is hidden, backs off with jitter on errors, and forgets everything when
 * the last subscriber leaves.
 */
import { SeriesBuffer } from './series.js';
import { seriesId, type RunInfo, type SeriesKey, type TelemetrySource } from '../sources/source.js';

export type SeriesListener = (series: SeriesBuffer) => void;

export interface StoreOptions {
  /** Poll interval while healthy, ms (default 2000). */
  pollInterval?: number;
  /** Longest wait between retries after errors, ms (default 30000). */
  maxBackoff?: number;
}

interface Entry {
  buffer: SeriesBuffer;
  listeners: Set<SeriesListener>;
}

export interface StoreHealth {
  /** Consecutive failed polls. */
  failures: number;
  lastError?: string;
  /** When the next poll is due, epoch ms (NaN when idle). */
  nextPollAt: number;
}

export class TelemetryStore {
  readonly source: TelemetrySource;
  readonly pollInterval: number;
  private readonly maxBackoff: number;
  private readonly entries = new Map<string, Entry>();
  private readonly runs = new Map<string, RunInfo | null>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: AbortController | undefined;
  private polling = false;
  private disposed = false;
  private readonly onDispose: () => void;
  readonly health: StoreHealth = { failures: 0, nextPollAt: NaN };

  constructor(source: TelemetrySource, options: StoreOptions = {}, onDispose: () => void = () => {}) {
    this.source = source;
    this.pollInterval = Math.max(250, options.pollInterval ?? 2000);
    this.maxBackoff = options.maxBackoff ?? 30_000;
    this.onDispose = onDispose;
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.onVisibility);
  }

  /** Subscribes to a series; returns the function that ends the subscription. */
  subscribe(key: SeriesKey, listener: SeriesListener): () => void {
    if (this.disposed) throw new Error('This store was disposed; get a new one with storeFor().');
    const id = seriesId(key);
    let entry = this.entries.get(id);
    const isNew = !entry;
    if (!entry) {
      entry = { buffer: new SeriesBuffer({ run: key.run, metric: key.metric }), listeners: new Set() };
      this.entries.set(id, entry);
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
      if (this.entries.size === 0) this.dispose();
    };
  }

  series(key: SeriesKey): SeriesBuffer | undefined {
    return this.entries.get(seriesId(key))?.buffer;
  }

  /** What is known of a run after an empty answer: null = no such run, undefined = not asked yet. */
  runInfo(run: string): RunInfo | null | undefined {
    return this.runs.get(run);
  }

  get subscriptionCount(): number {
    let n = 0;
    for (const entry of this.entries.values()) n += entry.listeners.size;
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
    if (document.visibilityState === 'visible' && this.entries.size) this.schedule(0);
  };

  private schedule(delay: number) {
    if (this.disposed) return;
    if (this.polling) {
      if (delay === 0) this.pollAgain = true;
      return;
    }
    if (this.timer !== undefined) {
      if (delay >= this.health.nextPollAt - Date.now()) return;
      clearTimeout(this.timer);
    }
    this.health.nextPollAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
  }

  private pollAgain = false;

  private async poll() {
    if (this.disposed || this.entries.size === 0) return;
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      // Hidden tabs do not poll; visibilitychange resumes.
      this.health.nextPollAt = NaN;
      return;
    }
    this.polling = true;
    this.pollAgain = false;
    const controller = new AbortController();
    this.inflight = controller;
    const entries = [...this.entries.values()];
    try {
      const chunks = await this.source.fetchSeries(
        entries.map((e) => ({ ...e.buffer.key, afterStep: e.buffer.lastStep })),
        controller.signal,
      );
      if (this.disposed) return;
      const now = Date.now();
      const emptyRuns = new Set<string>();
      for (const entry of entries) {
        const chunk = chunks.get(seriesId(entry.buffer.key));
        entry.buffer.checkedAt = now;
        entry.buffer.append(chunk ?? EMPTY);
        if (entry.buffer.length === 0 && !this.runs.has(entry.buffer.key.run)) emptyRuns.add(entry.buffer.key.run);
      }
      if (emptyRuns.size) await this.describe([...emptyRuns], controller.signal);
      this.health.failures = 0;
      this.health.lastError = undefined;
      this.notify(entries);
      this.finishPoll(this.pollInterval);
    } catch (error) {
      if (this.disposed) return;
      this.health.failures++;
      const message = describeError(error, this.source.label);
      this.health.lastError = message;
      for (const entry of entries) entry.buffer.fail(message);
      this.notify(entries);
      // Exponential backoff with full jitter, so many viewers do not retry in step.
      const ceiling = Math.min(this.maxBackoff, this.pollInterval * 2 ** Math.min(this.health.failures, 10));
      this.finishPoll(this.pollInterval / 2 + Math.random() * ceiling);
    }
  }

  private finishPoll(delay: number) {
    this.polling = false;
    this.inflight = undefined;
    this.schedule(this.pollAgain ? 0 : delay);
  }

  private async describe(runs: string[], signal: AbortSignal) {
    const infos = await this.source.describeRuns(runs, signal);
    for (const run of runs) this.runs.set(run, infos.find((info) => info.run === run) ?? null);
  }

  private notify(entries: Entry[]) {
    for (const entry of entries) {
      const version = entry.buffer.version;
      if (notified.get(entry.buffer) === version) continue;
      notified.set(entry.buffer, version);
      for (const listener of [...entry.listeners]) listener(entry.buffer);
    }
  }

  private dispose() {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.inflight?.abort();
    this.inflight = undefined;
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.onVisibility);
    this.onDispose();
    void this.source.close();
  }
}

const EMPTY = { steps: new Float64Array(0), times: new Float64Array(0), values: new Float64Array(0) };
const notified = new WeakMap<SeriesBuffer, number>();

/** Turns a transport failure into a sentence a user can act on. */
export function describeError(error: unknown, label: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Failed to fetch|NetworkError|ECONNREFUSED|Load failed|fetch failed/i.test(message)) {
    return `Cannot reach ${label}. Retrying…`;
  }
  if (/Authentication failed|AUTHENTICATION_FAILED|516/.test(message)) {
    return `${label} refused the credentials: ${message.split('\n')[0]}`;
  }
  return `${label}: ${message.split('\n')[0]}`;
}
