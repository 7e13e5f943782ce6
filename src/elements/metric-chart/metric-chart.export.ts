/**
 * What `<metric-chart>` exports. "What is shown" is the bucket values the
 * chart drew. "Raw points in range" is every row its attributes match in the
 * visible time range (NaN/Inf included), read through the store as row
 * queries a page at a time, so it works through a relay that serves the
 * `metric-chart-raw` kind.
 */
import { formatCount, toNumber } from '../../chart/format.js';
import { isoTime, toCsv } from '../../internal/export.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';
import type { TelemetryStore } from '../../store/store.js';
import type { ChartModel } from './metric-chart.data.js';
import { metricRawQuery, type MetricRawQueryInput, type RawCursor } from './metric-chart.queries.js';

/** Most raw rows one export reads; past it the user is asked to zoom in. */
export const RAW_ROW_LIMIT = 1_000_000;
/**
 * Rows per page. A relay pushes each page as one event and drops a viewer
 * that falls 4 MiB behind, so pages through it stay small.
 */
const PAGE_ROWS = { direct: 100_000, relay: 10_000 };

/** The values drawn, per line shown: run, series, metric, host, bucket start time, value. */
export function shownCsv(model: ChartModel, hidden: ReadonlySet<string>): string {
  const rows: unknown[][] = [];
  for (const line of model.lines) {
    if (hidden.has(line.id)) continue;
    line.values.forEach((value, i) => {
      if (value !== null) rows.push([line.run, line.name, line.metric, line.host, isoTime(model.times[i] * 1000), value]);
    });
  }
  return toCsv(['run', 'series', 'metric', 'host', 'time', 'value'], rows);
}

export type RawRange = Omit<MetricRawQueryInput, 'limit' | 'after'>;

/** Every raw row of the range as CSV: run, metric, host, rank, device, step, time, value, unit. */
export async function rawCsv(store: () => TelemetryStore | undefined, range: RawRange): Promise<string> {
  const rows = await fetchRawRows(store, range);
  return toCsv(
    ['run', 'metric', 'host', 'rank', 'device', 'step', 'time', 'value', 'unit'],
    rows.map((r) => [r.run, r.m, r.h, r.r, r.d, r.s, isoTime(toNumber(r.t)), toNumber(r.v), r.u]),
  );
}

export interface RawPaging {
  /** Most rows (default 1,000,000). */
  limit?: number;
  /** Rows per page (default: 100,000 from ClickHouse, 10,000 through a relay). */
  pageRows?: number;
}

/**
 * The rows a page at a time; throws a sentence when the range holds more than
 * `limit`. `store` is asked before each page: the element's store is replaced
 * when its own query changes (a resize, a zoom).
 */
export async function fetchRawRows(store: () => TelemetryStore | undefined, range: RawRange, paging: RawPaging = {}): Promise<QueryRow[]> {
  const limit = paging.limit ?? RAW_ROW_LIMIT;
  let input: RawRange = range;
  let after: RawCursor | undefined;
  const rows: QueryRow[] = [];
  for (;;) {
    const current = store();
    if (!current) throw new Error('The chart stopped reading its source.');
    const pageRows = paging.pageRows ?? (current.source.id.startsWith('relay:') ? PAGE_ROWS.relay : PAGE_ROWS.direct);
    const page = await answerOnce(current, metricRawQuery({ ...input, limit: pageRows, after }));
    if (!after) {
      const total = toNumber(page[0]?.total ?? 0);
      if (total > limit) {
        throw new Error(`The range holds ${formatCount(total)} raw points; a raw export stops at ${formatCount(limit)}. Zoom in to a narrower range and export again.`);
      }
      // Later pages keep the window where the first page found it, however the run grows meanwhile.
      const lo = toNumber(page[0]?.lo_ms ?? 0);
      if (input.windowSeconds && lo > 0) input = { ...input, windowSeconds: 0, fromMs: Math.max(lo, input.fromMs ?? 0) };
    }
    for (const row of page) rows.push(row);
    if (page.length < pageRows) return rows;
    if (rows.length > limit) throw new Error(`More than ${formatCount(limit)} raw points arrived while exporting; zoom in to a narrower range and export again.`);
    const last = page[page.length - 1];
    after = { run: String(last.run), metric: String(last.m), host: String(last.h), rank: toNumber(last.r), device: toNumber(last.d), step: toNumber(last.s), timeMs: toNumber(last.t) };
  }
}

/** One answer to a row query: subscribes, takes the first answer (or failure), unsubscribes so it is not asked again. */
function answerOnce(store: TelemetryStore, query: RowQuery): Promise<QueryRow[]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const unsubscribe = store.subscribeRows(query, (result) => {
      if (settled || result.status === 'loading') return;
      settled = true;
      unsubscribe();
      if (result.status === 'error') reject(new Error(result.error ?? 'The rows could not be read.'));
      else resolve(result.rows);
    });
  });
}
