/**
 * What `<loss-chart>` exports. "What is shown" is the points the chart drew.
 * "Raw points in range" is every point of a step range, asked of the store as
 * zoomed views (the requests a zoom sends, so it works through a relay too),
 * page by page: a view comes back raw when its range holds at most twice its
 * columns, so a range that does not fit is split by its point count until
 * every page does.
 */
import type { LineSpec, ShownLine } from '../../chart/line-chart.js';
import { formatCount } from '../../chart/format.js';
import { xValues, type XAxisMode } from '../../chart/series-data.js';
import { isoTime, toCsv } from '../../internal/export.js';
import type { SeriesChunk, SeriesKey, ViewChunk } from '../../sources/source.js';
import type { TelemetryStore } from '../../store/store.js';

/** Most raw points one export fetches; past it the user is asked to zoom in. */
export const RAW_POINT_LIMIT = 1_000_000;
/** Columns of a page: the most a relay serves, so a page is raw up to 16,384 points. */
const PAGE_COLUMNS = 8192;
/** Points a split aims a page at, below the 16,384 that fit, so uneven ranges rarely split twice. */
const PAGE_TARGET = 12_000;
/** Pages in flight per series: the store keeps 8 zoomed ranges per series, one of them the chart's own. */
const IN_FLIGHT = 4;

/** The points drawn, per line shown: run, metric, step, time, value (and the smoothed value). */
export function shownCsv(shown: readonly ShownLine[], smoothed: boolean): string {
  const header = ['run', 'metric', 'step', 'time', 'value', ...(smoothed ? ['smoothed'] : [])];
  const rows: unknown[][] = [];
  for (const { line, points, hidden } of shown) {
    if (hidden) continue;
    for (let i = 0; i < points.x.length; i++) {
      const row: unknown[] = [line.run, line.metric, points.steps[i], isoTime(points.times[i]), points.raw[i]];
      if (smoothed) row.push(points.smooth?.[i]);
      rows.push(row);
    }
  }
  return toCsv(header, rows);
}

/** A series' raw points to fetch: a step range, and optionally which of its points to keep (a time range). */
export interface RawRequest {
  key: SeriesKey;
  fromStep: number;
  toStep: number;
  keep?: (step: number, time: number) => boolean;
}

/**
 * What to fetch for each line: its step range in view (everything when not
 * zoomed), up to `newest(key)`. A time range is found among the steps of the
 * points held, and its points picked by time once fetched.
 */
export function rawRequests(lines: readonly LineSpec[], axis: XAxisMode, zoom: readonly [number, number] | undefined, newest: (key: SeriesKey) => number): RawRequest[] {
  return lines.map((line): RawRequest => {
    const key = { run: line.run, metric: line.metric };
    const last = newest(key);
    if (!zoom) return { key, fromStep: 0, toStep: last };
    if (axis === 'step') return { key, fromStep: Math.max(0, Math.ceil(zoom[0])), toStep: Math.min(last, Math.floor(zoom[1])) };
    const { steps } = line.data;
    const xs = xValues(line.data, axis, line.origin);
    let fromStep = 0;
    let toStep = last;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] < zoom[0]) fromStep = Math.max(fromStep, steps[i]);
      else if (xs[i] > zoom[1]) toStep = Math.min(toStep, steps[i]);
    }
    const origin = axis === 'relative' ? line.origin : 0;
    return {
      key,
      fromStep,
      toStep,
      keep: (_step, time) => {
        const x = (time - origin) / 1000;
        return x >= zoom[0] && x <= zoom[1];
      },
    };
  });
}

/** Raw points of each request, in request order, as CSV: run, metric, step, time, value. */
export function rawCsv(requests: readonly RawRequest[], chunks: readonly SeriesChunk[]): string {
  const rows: unknown[][] = [];
  requests.forEach(({ key, keep }, r) => {
    const { steps, times, values } = chunks[r];
    for (let i = 0; i < steps.length; i++) {
      if (keep && !keep(steps[i], times[i])) continue;
      rows.push([key.run, key.metric, steps[i], isoTime(times[i]), values[i]]);
    }
  });
  return toCsv(['run', 'metric', 'step', 'time', 'value'], rows);
}

/**
 * Every raw point of each request's step range, fetched through the store.
 * Throws a sentence for the user when the ranges hold more than `limit` points.
 */
export async function fetchRawPoints(store: TelemetryStore, requests: readonly RawRequest[], limit = RAW_POINT_LIMIT): Promise<SeriesChunk[]> {
  const pager = new Pager(store, requests.map((r) => r.key));
  try {
    // The whole range first: small ones are done, and every answer says how many points its range holds.
    const firsts = await Promise.all(requests.map((r) => pager.page(r.key, r.fromStep, r.toStep)));
    const total = firsts.reduce((n, v) => n + (v?.total ?? 0), 0);
    if (total > limit) {
      throw new Error(`The range holds ${formatCount(total)} raw points; a raw export stops at ${formatCount(limit)}. Zoom in to a narrower range and export again.`);
    }
    return await Promise.all(requests.map((r, i) => collect(pager, r, firsts[i])));
  } finally {
    pager.close();
  }
}

/** The raw points of one range, splitting pages that came back reduced. */
async function collect(pager: Pager, request: RawRequest, first: ViewChunk | undefined): Promise<SeriesChunk> {
  if (!first) return concat([]);
  if (isRaw(first)) return first;
  const queue = split(first, request.fromStep, request.toStep);
  const pages: Array<{ from: number; chunk: SeriesChunk }> = [];
  const worker = async () => {
    for (let range = queue.shift(); range; range = queue.shift()) {
      const [from, to] = range;
      const view = await pager.page(request.key, from, to);
      if (!view) continue;
      if (isRaw(view)) pages.push({ from, chunk: view });
      else queue.push(...split(view, from, to));
    }
  };
  // Workers take ranges as they free up; a split range goes back on the queue (and may outlive the workers).
  while (queue.length) await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, queue.length) }, worker));
  pages.sort((a, b) => a.from - b.from);
  return concat(pages.map((p) => p.chunk));
}

function isRaw(view: ViewChunk): boolean {
  return view.bucketSteps <= 1;
}

/** Sub-ranges of a reduced answer, each expected to hold about PAGE_TARGET points. */
function split(view: ViewChunk, from: number, to: number): Array<[number, number]> {
  if (view.total <= 0 || view.lastStep < 0) return [];
  const lo = Math.max(from, view.steps.length ? view.steps[0] : from);
  const hi = Math.min(to, view.lastStep);
  const span = hi - lo + 1;
  if (!(span > 0)) return [];
  const pieces = Math.min(span, Math.max(2, Math.ceil(view.total / PAGE_TARGET)));
  return Array.from({ length: pieces }, (_, i): [number, number] => [lo + Math.floor((i * span) / pieces), lo + Math.floor(((i + 1) * span) / pieces) - 1]);
}

function concat(chunks: readonly SeriesChunk[]): SeriesChunk {
  const n = chunks.reduce((sum, c) => sum + c.steps.length, 0);
  const out = { steps: new Float64Array(n), times: new Float64Array(n), values: new Float64Array(n) };
  let at = 0;
  for (const c of chunks) {
    out.steps.set(c.steps, at);
    out.times.set(c.times, at);
    out.values.set(c.values, at);
    at += c.steps.length;
  }
  return out;
}

/**
 * Asks the store for views and waits for them. It holds a subscription to
 * each series meanwhile (so the store keeps polling even if the chart goes),
 * and checks again whenever the store tells its subscribers something arrived.
 */
class Pager {
  private readonly store: TelemetryStore;
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribers: Array<() => void>;

  constructor(store: TelemetryStore, keys: readonly SeriesKey[]) {
    this.store = store;
    this.unsubscribers = keys.map((key) => store.subscribe(key, () => this.wake()));
  }

  /** A view of [from, to] at page resolution; undefined for an empty range. */
  page(key: SeriesKey, from: number, to: number): Promise<ViewChunk | undefined> {
    if (!(to >= from)) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      // A range that failed before is asked again by the next poll: only an error of a later poll counts.
      const requests = this.store.requests;
      const check = () => {
        // Asked each time: the store may have dropped the range from its cache, and then asks anew.
        const detail = this.store.view(key, from, to, PAGE_COLUMNS);
        if (!detail) return settle(() => reject(new Error(`The store no longer holds ${key.run} / ${key.metric}.`)));
        if (detail.status === 'ready' && detail.data) return settle(() => resolve(detail.data));
        if (detail.status === 'error' && this.store.requests > requests) return settle(() => reject(new Error(detail.error ?? 'The range could not be read.')));
      };
      const settle = (done: () => void) => {
        this.waiters.delete(check);
        done();
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    for (const unsubscribe of this.unsubscribers) unsubscribe();
  }

  private wake() {
    for (const waiter of [...this.waiters]) waiter();
  }
}
