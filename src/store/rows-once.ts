/**
 * One answer to a row query, for exports of the raw data behind an element.
 * It goes through the page's shared store, so it reads from ClickHouse or a
 * relay alike and rides along with the store's next poll, and is
 * unsubscribed as soon as it answers. (Every element's raw CSV export.)
 */
import { toNumber } from '../chart/format.js';
import type { QueryRow, RowQuery } from '../sources/source.js';
import { storeFor, type SourceConfig } from './registry.js';

/**
 * Most rows a raw export reads: beyond it the export stops with a message
 * rather than freeze the page. An object, not a constant, so tests can lower it.
 */
export const rawExportLimit = { rows: 100_000 };

export function rowsOnce(source: SourceConfig, query: RowQuery, timeout = 60_000): Promise<QueryRow[]> {
  const store = storeFor(source);
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    let done = false;
    const finish = (error: Error | undefined, rows: QueryRow[] = []) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Released after the listener returns, never from inside the store's notification loop.
      queueMicrotask(() => unsubscribe?.());
      if (error) reject(error);
      else resolve(rows);
    };
    const timer = setTimeout(() => finish(new Error(`The raw data did not arrive within ${timeout / 1000} s.`)), timeout);
    unsubscribe = store.subscribeRows(query, (result) => {
      if (result.status === 'ready') finish(undefined, result.rows);
      else if (result.status === 'error') finish(new Error(result.error ?? 'The raw data could not be read.'));
    });
  });
}

/** Throws a message saying what to do when a raw answer passed `limit` (queries ask for one row more). */
export function checkRawSize(rows: readonly unknown[], limit: number, what: string): void {
  if (rows.length > limit) {
    throw new Error(
      `The shown range holds more than ${limit.toLocaleString('en-US')} ${what}, too many to export raw: narrow it (window or step), export what is shown, or read the table with SQL.`,
    );
  }
}

/** A raw row's value (`v`), with NaN and ±Inf, which arrive as null, told apart by its text (`value_text`: nan, inf, -inf). */
export function rawValue(row: QueryRow): number {
  const n = toNumber(row.v);
  return Number.isNaN(n) ? toNumber(row.value_text) : n;
}
