/**
 * One element's row query that ClickHouse refuses (its SQL or values) is that query's error
 * only: the store gives its neighbours their rows and stays healthy. Against the real engine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { ClickHouseSource } from '../../src/sources/clickhouse-source.js';
import type { RowQuery } from '../../src/sources/source.js';
import { TelemetryStore, type RowsResult } from '../../src/store/store.js';

let ch: EmbeddedClickHouse;
before(async () => {
  ch = await startClickHouseServer({ port: 0 });
});
after(async () => {
  await ch.close();
});

const good: RowQuery = { kind: 'good', sql: 'SELECT number AS n FROM numbers({count:UInt32}) ORDER BY n', params: { count: 3 } };
const bad: RowQuery = { kind: 'bad', sql: 'SELECT no_such_column FROM {{table}} WHERE run_id = {run:String}', params: { run: 'r' } };

async function settle(store: TelemetryStore, queries: RowQuery[]): Promise<RowsResult[]> {
  const results: RowsResult[] = [];
  const offs = queries.map((query, i) => store.subscribeRows(query, (result) => (results[i] = result)));
  const deadline = Date.now() + 15_000;
  while (queries.some((_, i) => !results[i] || results[i].status === 'loading')) {
    if (Date.now() > deadline) throw new Error('the row queries did not settle');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const settled = results.map((r) => ({ ...r, rows: [...r.rows] }));
  offs.forEach((off) => off());
  return settled;
}

describe('row queries that ClickHouse refuses', () => {
  it('a bad query beside a good one: the good one gets its rows, the bad one its own error, the store stays healthy', async () => {
    const store = new TelemetryStore(new ClickHouseSource({ url: ch.url }), { pollInterval: 250 });
    const [ok, broken] = await settle(store, [good, bad]);
    assert.equal(ok.status, 'ready');
    assert.deepEqual(ok.rows.map((row) => Number(row.n)), [0, 1, 2]);
    assert.equal(broken.status, 'error');
    assert.match(broken.error ?? '', /no_such_column/);
    assert.equal(store.health.failures, 0);
  });

  it('when every query fails the same way it is the whole poll’s error, as before', async () => {
    const store = new TelemetryStore(new ClickHouseSource({ url: ch.url }), { pollInterval: 250 });
    const [a, b] = await settle(store, [bad, { ...bad, params: { run: 'other' } }]);
    assert.equal(a.status, 'error');
    assert.equal(b.status, 'error');
    assert.ok(store.health.failures >= 1);
  });

  it('an account refusal (a wrong password) is not split into one request per query', async () => {
    let requests = 0;
    const source = new ClickHouseSource({ url: ch.url, password: 'wrong' });
    const exec = (source as unknown as { connection: { exec: (...args: unknown[]) => Promise<Uint8Array> } }).connection;
    const original = exec.exec.bind(exec);
    exec.exec = (...args: unknown[]) => {
      requests++;
      return original(...args);
    };
    const store = new TelemetryStore(source, { pollInterval: 250 });
    const [a] = await settle(store, [good, { ...good, params: { count: 4 } }]);
    assert.equal(a.status, 'error');
    assert.match(a.error ?? '', /credentials/);
    assert.equal(requests, 1, 'one request for the poll, not one per query');
  });
});
