/**
 * The store at scale against the real (embedded) ClickHouse: a first view
 * moves rows in proportion to pixels, not history, and keeps every spike;
 * zooming fetches raw points when they fit; many series cost one request
 * per poll; the live tail continues the view with no gap and no duplicate.
 */
import { expect } from '@open-wc/testing';
import { CLICKHOUSE_URL } from 'trainwatch-test-env';
import { ClickHouseSource } from '../../src/sources/clickhouse-source.js';
import { TelemetryStore } from '../../src/store/store.js';
import type { SeriesBuffer } from '../../src/store/series.js';
import { insertPoints, uniqueRun, waitFor, writer } from './helpers.js';

/** n points of a slow sine around 2, at steps 0 … n−1, with one value of 42 at `spike`; written by ClickHouse itself. */
async function insertSeries(run: string, metric: string, n: number, spike: number) {
  await writer.command({
    query: `INSERT INTO training_observability.metric_points (run_id, metric, step, value, event_time)
            SELECT {run:String}, {metric:String}, number, if(number = {spike:UInt64}, 42, 2 + sin(number / 100)),
                   toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(number * 100)
            FROM numbers({n:UInt64})`,
    query_params: { run, metric, n, spike },
  });
}

const expected = (step: number, spike: number) => (step === spike ? 42 : 2 + Math.sin(step / 100));

function storeOn(pollInterval = 300): TelemetryStore {
  return new TelemetryStore(new ClickHouseSource({ url: CLICKHOUSE_URL }), { pollInterval });
}

async function firstView(store: TelemetryStore, run: string, metric: string, columns: number): Promise<[SeriesBuffer, () => void]> {
  const unsubscribe = store.subscribe({ run, metric }, () => {}, { columns });
  const buffer = await waitFor(() => {
    const s = store.series({ run, metric });
    return s?.loaded && s;
  }, 'the first view');
  return [buffer, unsubscribe];
}

describe('store at scale', () => {
  it('opens a 300k-point series with at most ~4 rows per pixel column, keeping the spike', async () => {
    const run = uniqueRun('big');
    const n = 300_000;
    const spike = 123_457;
    await insertSeries(run, 'loss', n, spike);
    const store = storeOn();
    const [buffer, unsubscribe] = await firstView(store, run, 'loss', 500);
    try {
      expect(buffer.total).to.equal(n);
      expect(buffer.length).to.be.at.most(4 * 500);
      expect(buffer.length).to.be.greaterThan(500);
      expect(buffer.bucketSteps).to.equal(Math.ceil(n / 500));
      expect(buffer.reduced).to.equal(true);
      const steps = Array.from(buffer.steps);
      expect(steps[0]).to.equal(0);
      expect(steps[steps.length - 1]).to.equal(n - 1);
      expect(buffer.values[steps.indexOf(spike)]).to.equal(42);
      // Every point held is a real point of the series.
      steps.forEach((step, i) => expect(buffer.values[i]).to.be.closeTo(expected(step, spike), 1e-9));
    } finally {
      unsubscribe();
    }
  });

  it('zooms to raw points when they fit, and reduces a wide zoom with the spike kept', async () => {
    const run = uniqueRun('zoom');
    const spike = 150_123;
    await insertSeries(run, 'loss', 200_000, spike);
    const store = storeOn();
    const [, unsubscribe] = await firstView(store, run, 'loss', 400);
    try {
      const narrow = store.view({ run, metric: 'loss' }, 50_000, 50_300, 400)!;
      const wide = store.view({ run, metric: 'loss' }, 100_000, 180_000, 400)!;
      await waitFor(() => narrow.status === 'ready' && wide.status === 'ready', 'both zoomed ranges');
      const narrowSteps = Array.from(narrow.data!.steps);
      expect(narrowSteps).to.deep.equal(Array.from({ length: 301 }, (_, i) => 50_000 + i));
      narrowSteps.forEach((step, i) => expect(narrow.data!.values[i]).to.be.closeTo(expected(step, spike), 1e-9));
      expect(narrow.data!.bucketSteps).to.equal(1);
      expect(narrow.data!.total).to.equal(301);
      expect(wide.data!.total).to.equal(80_001);
      expect(wide.data!.steps.length).to.be.at.most(4 * 400);
      expect(wide.data!.values[Array.from(wide.data!.steps).indexOf(spike)]).to.equal(42);
      // Asking again for a range just seen costs no request.
      const before = store.requests;
      expect(store.view({ run, metric: 'loss' }, 50_000, 50_300, 400)).to.equal(narrow);
      await new Promise((r) => setTimeout(r, 50));
      expect(store.requests).to.equal(before);
    } finally {
      unsubscribe();
    }
  });

  it('continues a reduced view with the raw live tail, no gap and no duplicate', async () => {
    const run = uniqueRun('tail');
    await insertSeries(run, 'loss', 10_000, 99_999_999);
    const store = storeOn();
    const [buffer, unsubscribe] = await firstView(store, run, 'loss', 100);
    try {
      expect(buffer.reduced).to.equal(true);
      const newer = Array.from({ length: 50 }, (_, i) => ({ step: 10_000 + i, value: 1 + i / 100 }));
      await insertPoints(run, 'loss', newer);
      await waitFor(() => buffer.total === 10_050, 'the tail');
      const tail = Array.from(buffer.steps.subarray(buffer.length - 50));
      expect(tail).to.deep.equal(newer.map((p) => p.step));
      expect(Array.from(buffer.values.subarray(buffer.length - 50))).to.deep.equal(newer.map((p) => p.value));
      expect(buffer.steps[buffer.length - 51]).to.equal(9_999);
    } finally {
      unsubscribe();
    }
  });

  it('polls any number of series on one source with one HTTP request per cycle', async () => {
    const runs = [uniqueRun('co'), uniqueRun('co'), uniqueRun('co')];
    const metrics = ['loss', 'loss_t+1', 'val_loss', 'tokens_per_s'];
    for (const run of runs) for (const metric of metrics) await insertPoints(run, metric, [{ step: 0, value: 1 }, { step: 1, value: 2 }]);
    const store = storeOn(250);
    const unsubscribers = runs.flatMap((run) => metrics.map((metric) => store.subscribe({ run, metric }, () => {})));
    try {
      await waitFor(() => runs.every((run) => metrics.every((metric) => store.series({ run, metric })?.loaded)), 'all 12 series');
      const origin = new URL(CLICKHOUSE_URL).origin;
      const seen: PerformanceEntry[] = [];
      const observer = new PerformanceObserver((list) => seen.push(...list.getEntries().filter((e) => e.name.startsWith(origin))));
      observer.observe({ type: 'resource' });
      const requestsBefore = store.requests;
      const started = performance.now();
      await new Promise((r) => setTimeout(r, 2000));
      observer.disconnect();
      const cycles = (performance.now() - started) / 250;
      const sent = store.requests - requestsBefore;
      // 12 series polled on their own would be 12 requests a cycle.
      expect(sent).to.be.at.most(Math.ceil(cycles) + 1);
      expect(sent).to.be.at.least(3);
      expect(seen.length, 'HTTP requests seen by the browser').to.be.within(sent - 1, sent + 1);
    } finally {
      for (const unsubscribe of unsubscribers) unsubscribe();
    }
  });

  it('treats SQL-looking run and metric names as plain names', async () => {
    const run = `x' OR 1=1 --{r0:String}`;
    const store = storeOn();
    const [buffer, unsubscribe] = await firstView(store, run, "loss') OR ('1'='1", 100);
    try {
      expect(buffer.length).to.equal(0);
      expect(buffer.total).to.equal(0);
      expect(buffer.status).to.equal('empty');
    } finally {
      unsubscribe();
    }
  });
});
