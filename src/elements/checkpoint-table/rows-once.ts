/**
 * One answer to a row query, outside the poll loop's subscriptions: what the
 * tables' "raw" CSV export asks for (every row, not only the `limit` shown).
 *
 * It goes through the page's shared store like any subscription, so it rides
 * the next poll's single request, works the same over a relay (which runs the
 * SQL of a known kind with these values), and is released after the answer.
 * Shared by <checkpoint-table>, <sample-viewer> and <run-picker>.
 */
import type { QueryRow, RowQuery } from '../../sources/source.js';
import { storeFor, type SourceConfig } from '../../store/registry.js';

/** Resolves with the rows of the first answer; rejects with the store's message when the poll fails. */
export function rowsOnce(source: SourceConfig, query: RowQuery, timeoutMs = 60_000): Promise<QueryRow[]> {
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Released after the listener returns, never from inside the store's notification loop.
      queueMicrotask(() => unsubscribe?.());
      settle();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`No answer within ${Math.round(timeoutMs / 1000)} s.`))), timeoutMs);
    unsubscribe = storeFor(source).subscribeRows(query, (result) => {
      if (result.status === 'ready') finish(() => resolve(result.rows));
      else if (result.status === 'error') finish(() => reject(new Error(result.error ?? 'The query failed.')));
    });
  });
}
