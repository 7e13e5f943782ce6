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

  it('a query refused alone, or every query of a poll refused: each its own error, and points keep flowing', async () => {
    const source = new ClickHouseSource({ url: ch.url });
    const store = new TelemetryStore(source, { pollInterval: 250 });
    const [only] = await settle(store, [bad]);
    assert.equal(only.status, 'error');
    assert.match(only.error ?? '', /no_such_column/);
    const both = await settle(new TelemetryStore(source, { pollInterval: 250 }), [bad, { ...bad, params: { run: 'other' } }]);
    assert.deepEqual(both.map((r) => r.status), ['error', 'error']);
    assert.equal(store.health.failures, 0);
  });

  it('a refused query is asked alone from then on: one request more per poll, not one per query', async () => {
    let requests = 0;
    const source = new ClickHouseSource({ url: ch.url });
    const connection = (source as unknown as { connection: { exec: (...args: unknown[]) => Promise<Uint8Array> } }).connection;
    const original = connection.exec.bind(connection);
    connection.exec = (...args: unknown[]) => {
      requests++;
      return original(...args);
    };
    const queries = [good, { ...good, params: { count: 4 } }, { ...good, params: { count: 5 } }, bad];
    const signal = new AbortController().signal;
    const first = await source.rows(queries, signal);
    assert.equal(first.filter((a) => a instanceof Error).length, 1);
    const afterFirst = requests;
    const second = await source.rows(queries, signal);
    assert.deepEqual(second.map((a) => (a instanceof Error ? 'error' : a.length)), [3, 4, 5, 'error']);
    assert.equal(requests - afterFirst, 2, 'the three good queries together, the refused one alone');
  });

  it('a password in the URL never reaches a message', async () => {
    const source = new ClickHouseSource({ url: 'http://someone:hunter2@127.0.0.1:9' });
    assert.equal(source.label, 'ClickHouse at http://127.0.0.1:9');
    await source.close();
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
