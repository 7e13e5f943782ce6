/**
 * Row queries against the real (embedded) ClickHouse: many queries of a poll
 * are one request, equal queries are one query, values are bound parameters,
 * and a failing poll keeps the last rows while saying what went wrong.
 */
import { expect } from '@open-wc/testing';
import { CLICKHOUSE_URL, PROXY_URL } from 'trainwatch-test-env';
import { ClickHouseSource } from '../../src/sources/clickhouse-source.js';
import type { RowQuery } from '../../src/sources/source.js';
import { TelemetryStore, type RowsResult } from '../../src/store/store.js';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';

const latest = (run: string, metric: string): RowQuery => ({
  kind: 'latest',
  sql: `SELECT argMax(value, step) AS last_value, max(step) AS last_step, count() AS n FROM {{table}} WHERE run_id = {run:String} AND metric = {metric:String}`,
  params: { run, metric },
});

describe('row queries', () => {
  it('answers several queries in one request, each with its own bound values', async () => {
    const run = uniqueRun('rows');
    await insertPoints(run, 'a', [{ step: 1, value: 10 }, { step: 2, value: 20 }]);
    await insertPoints(run, "b' OR 1=1 --", [{ step: 5, value: 7 }]);
    const store = new TelemetryStore(new ClickHouseSource({ url: CLICKHOUSE_URL }), { pollInterval: 60_000 });
    const seen: Record<string, RowsResult> = {};
    const offA = store.subscribeRows(latest(run, 'a'), (r) => (seen.a = r));
    const offB = store.subscribeRows(latest(run, "b' OR 1=1 --"), (r) => (seen.b = r));
    const offC = store.subscribeRows(latest(run, 'missing'), (r) => (seen.c = r));
    try {
      await waitFor(() => seen.a?.status === 'ready' && seen.b?.status === 'ready' && seen.c, 'three answers');
      expect(store.requests).to.equal(1);
      expect(seen.a.rows).to.have.length(1);
      expect(Number(seen.a.rows[0].last_value)).to.equal(20);
      expect(Number(seen.a.rows[0].last_step)).to.equal(2);
      expect(Number(seen.b.rows[0].last_value)).to.equal(7);
      expect(Number(seen.b.rows[0].n)).to.equal(1);
      expect(Number(seen.c.rows[0].n)).to.equal(0);
    } finally {
      offA();
      offB();
      offC();
    }
    expect(store.active).to.equal(false);
  });

  it('fetches an equal query once however many subscribe, and keeps rows and order per query', async () => {
    const run = uniqueRun('rows-shared');
    await insertPoints(run, 'x', [3, 1, 2].map((step) => ({ step, value: step * 100 })));
    const source = new ClickHouseSource({ url: CLICKHOUSE_URL });
    const built = source.buildRowsQuery([latest(run, 'x'), latest(run, 'x')]);
    expect(Object.keys(built.params).sort()).to.deep.equal(['q0_metric', 'q0_run', 'q1_metric', 'q1_run']);
    expect(built.query).not.to.contain(run);
    const store = new TelemetryStore(source, { pollInterval: 60_000 });
    const ordered: RowQuery = { kind: 'list', sql: 'SELECT step FROM {{table}} WHERE run_id = {run:String} ORDER BY step DESC', params: { run } };
    const results: RowsResult[] = [];
    const offs = [1, 2, 3].map(() => store.subscribeRows(ordered, (r) => results.push(r)));
    try {
      await waitFor(() => results.filter((r) => r.status === 'ready').length >= 3, 'every subscriber told');
      expect(store.requests).to.equal(1);
      expect(results.at(-1)!.rows.map((r) => Number(r.step))).to.deep.equal([3, 2, 1]);
    } finally {
      offs.forEach((off) => off());
    }
  });

  it('keeps the last rows and reports the error while the server is away, then recovers', async () => {
    const run = uniqueRun('rows-outage');
    await insertPoints(run, 'loss', [{ step: 1, value: 1.5 }]);
    const store = new TelemetryStore(new ClickHouseSource({ url: PROXY_URL }), { pollInterval: 300, maxBackoff: 600 });
    let last: RowsResult | undefined;
    const off = store.subscribeRows(latest(run, 'loss'), (r) => (last = { ...r }));
    try {
      await waitFor(() => last?.status === 'ready', 'first answer');
      await fetch('/__proxy/down');
      await waitFor(() => last?.status === 'error', 'the error');
      expect(last!.error).to.match(/Cannot reach ClickHouse/);
      expect(Number(last!.rows[0].last_value)).to.equal(1.5);
      await insertPoints(run, 'loss', [{ step: 2, value: 2.5 }]);
      await fetch('/__proxy/up');
      await waitFor(() => last?.status === 'ready' && Number(last.rows[0].last_value) === 2.5, 'recovery with the new row');
    } finally {
      await fetch('/__proxy/up');
      off();
    }
  });
});
