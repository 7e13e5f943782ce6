/**
 * Hostile data, part 1: numbers a careless trainer writes (NaN, ±Inf, 1e308
 * next to −1e308, denormals, values a log axis cannot place), several ranks
 * and repeated writes at one step, and a run paused for days. Each chart's
 * drawn data is checked against values computed here from what was inserted.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from './helpers.js';
import { liveStores } from '../../src/store/registry.js';
import type { LossChart } from '../../src/elements/loss-chart/loss-chart.component.js';
import type { MetricChart } from '../../src/elements/metric-chart/metric-chart.component.js';
import '../../src/elements/loss-chart/loss-chart.js';
import '../../src/elements/metric-chart/metric-chart.js';

const TABLE = 'training_observability.metric_points';
const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** Rows as JSON; NaN/Inf as the strings ClickHouse reads them from. */
async function insert(run: string, metric: string, rows: Array<{ step: number; value: number; time?: number; rank?: number }>) {
  await writer.insert({
    table: TABLE,
    format: 'JSONEachRow',
    values: rows.map((r) => ({
      run_id: run,
      metric,
      step: r.step,
      rank: r.rank ?? 0,
      value: Number.isFinite(r.value) ? r.value : String(r.value).replace('Infinity', 'inf').toLowerCase(),
      event_time: at(r.time ?? T0 + r.step * 1000),
    })),
  });
}

async function lossChart(run: string, attrs: { xAxis?: string; log?: boolean } = {}) {
  const el = await fixture<LossChart>(html`<loss-chart style="width: 640px" src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="300" x-axis=${attrs.xAxis ?? 'step'} ?log-scale=${attrs.log}></loss-chart>`);
  await waitFor(() => el.state === 'ready' && el.chartData, 'the chart to draw');
  return el;
}

/** uPlot's y scale as drawn (read from the instance: what reached the canvas). */
const yScale = (el: LossChart) => (el as unknown as { chart: { plot: { scales: { y: { min: number; max: number } } } } }).chart.plot.scales.y;
const ys = (el: LossChart) => Array.from(el.chartData![1] as Array<number | null>);
/** The note under the title, once drawn (it follows the drawing by a render). */
const note = (el: LossChart) => waitFor(() => el.shadowRoot!.querySelector('.note')?.textContent, 'the note');
const summary = (el: LossChart) => el.shadowRoot!.querySelector('#summary')!.textContent!;

describe('hostile data: numbers, duplicates and pauses', function () {
  this.timeout(30_000);
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('NaN, +Inf and −Inf are gaps in the line, marked and counted, never drawn as 0', async () => {
    const run = uniqueRun('nan');
    const values = [0, 0.1, 0.2, NaN, 0.4, Infinity, 0.6, -Infinity, 0.8, 0.9];
    await insert(run, 'loss', values.map((value, step) => ({ step, value })));
    const el = await lossChart(run);
    expect(ys(el)).to.deep.equal(values.map((v) => (Number.isFinite(v) ? v : null)));
    expect(await note(el)).to.contain('3 NaN/Inf marked');
    expect(summary(el)).to.contain('lowest 0, highest 0.9; 3 NaN/Inf overall');
  });

  it('1e308 next to −1e308 and denormals: drawn to scale (an exact power of two), axis finite, values told in full', async () => {
    const run = uniqueRun('huge');
    const values = [1e308, -1e308, 5e-324, 1e-300, 1, 2];
    await insert(run, 'loss', values.map((value, step) => ({ step, value })));
    const el = await lossChart(run);
    const drawn = ys(el) as number[];
    // One factor for every point, a power of two (so nothing is rounded), that brings the span near 1.
    const factor = drawn[0] / values[0];
    expect(Math.log2(factor) % 1).to.equal(0);
    expect(drawn[1]).to.equal(values[1] * factor);
    expect(drawn[4]).to.equal(values[4] * factor);
    const { min, max } = yScale(el);
    expect(Number.isFinite(min) && Number.isFinite(max) && min < drawn[1] && max > drawn[0], `y scale ${min}…${max}`).to.equal(true);
    expect(summary(el)).to.contain('lowest -1.000e+308, highest 1.000e+308');
  });

  it('values all below 1e-300 are drawn to scale, not flattened onto a 0–100 axis', async () => {
    const run = uniqueRun('tiny');
    const values = [5e-324, 1e-300, 2e-300, 0, -1e-310];
    await insert(run, 'loss', values.map((value, step) => ({ step, value })));
    const el = await lossChart(run);
    const drawn = ys(el) as number[];
    const factor = drawn[2] / values[2];
    expect(Math.log2(factor) % 1).to.equal(0);
    values.forEach((v, i) => expect(drawn[i]).to.equal(v * factor));
    const { min, max } = yScale(el);
    expect(min <= drawn[4] && max >= drawn[2] && max - min < 10 * (drawn[2] - drawn[4]), `y scale ${min}…${max}`).to.equal(true);
  });

  it('a log axis leaves out ≤ 0 and values beyond 1e±30, and says how many', async () => {
    const run = uniqueRun('log');
    const values = [1e308, -1, 0, 5e-324, 1, 2, 10];
    await insert(run, 'loss', values.map((value, step) => ({ step, value })));
    const el = await lossChart(run, { log: true });
    expect(ys(el)).to.deep.equal([null, null, null, null, 1, 2, 10]);
    expect(await note(el)).to.contain('4 ≤ 0 or beyond 1e±30: not on the log scale');
  });

  it('several ranks and repeated writes at one step draw one point per step: the mean, also after later polls', async () => {
    const run = uniqueRun('ranks');
    await insert(run, 'loss', [0, 1, 2].map((step) => ({ step, value: step })));
    const el = await lossChart(run);
    // Live: step 3 from three ranks, rank 0 twice; step 4 once.
    const later = [
      { step: 3, value: 3, rank: 0 },
      { step: 3, value: 6, rank: 1 },
      { step: 3, value: 9, rank: 2 },
      { step: 3, value: 12, rank: 0, time: T0 + 3500 },
      { step: 4, value: 4 },
    ];
    await insert(run, 'loss', later);
    await waitFor(() => el.chartData![0].length === 5, 'the new steps');
    await new Promise((r) => setTimeout(r, 1000)); // more polls: nothing may repeat
    expect(Array.from(el.chartData![0])).to.deep.equal([0, 1, 2, 3, 4]);
    expect(ys(el)).to.deep.equal([0, 1, 2, (3 + 6 + 9 + 12) / 4, 4]);
  });

  for (const xAxis of ['time', 'relative']) {
    it(`a run paused for 3 days is two segments on the ${xAxis} axis, not a line across the pause`, async () => {
      const run = uniqueRun('pause');
      const rows = Array.from({ length: 20 }, (_, step) => ({ step, value: step, time: T0 + step * 10_000 + (step >= 10 ? 3 * DAY : 0) }));
      await insert(run, 'loss', rows);
      const el = await lossChart(run, { xAxis });
      const [x, y] = [Array.from(el.chartData![0]), ys(el)];
      const origin = xAxis === 'time' ? 0 : T0;
      const before = (T0 + 90_000 - origin) / 1000;
      const after = (T0 + 100_000 + 3 * DAY - origin) / 1000;
      // Every point inserted, in order, and exactly one null between step 9 and step 10.
      expect(y.filter((v) => v !== null)).to.deep.equal(rows.map((r) => r.value));
      const gap = y.indexOf(null);
      expect(gap).to.be.greaterThan(-1);
      expect(y.lastIndexOf(null)).to.equal(gap);
      expect(x[gap - 1]).to.equal(before);
      expect(x[gap + 1]).to.equal(after);
      expect(x[gap] > before && x[gap] < after).to.equal(true);
    });
  }

  it('<metric-chart>: a 3-day pause breaks the line; missing buckets between points do not', async () => {
    const run = uniqueRun('mc-pause');
    const MIN = 60_000;
    const rows = Array.from({ length: 40 }, (_, i) => ({ step: i, value: i % 5, time: T0 + i * MIN + (i >= 20 ? 3 * DAY : 0) }));
    await insert(run, 'gpu.util', rows);
    const el = await fixture<MetricChart>(html`<metric-chart style="width: 640px" src=${SOURCE_URL} run=${run} metric="gpu.util" window="all" poll-interval="60000"></metric-chart>`);
    const data = await waitFor(() => el.state === 'ready' && el.chartData, 'metric-chart to draw');
    const y = Array.from(data[1] as Array<number | null | undefined>);
    const x = Array.from(data[0]);
    expect(y.filter((v) => v === null)).to.have.length(1);
    const gap = y.indexOf(null);
    const lastBefore = x.filter((_t, i) => i < gap && typeof y[i] === 'number').pop()!;
    const firstAfter = x.find((_t, i) => i > gap && typeof y[i] === 'number')!;
    expect(firstAfter - lastBefore).to.be.greaterThan((3 * DAY) / 1000 - 60);
    // Bucket means of the values inserted, buckets aligned to multiples of their width.
    const width = (el as unknown as { model: { bucketMs: number } }).model.bucketMs;
    const buckets = new Map<number, number[]>();
    for (const r of rows) buckets.set(Math.floor(r.time / width), [...(buckets.get(Math.floor(r.time / width)) ?? []), r.value]);
    const means = [...buckets.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
    expect(y.filter((v) => typeof v === 'number')).to.deep.equal(means);
  });
});
