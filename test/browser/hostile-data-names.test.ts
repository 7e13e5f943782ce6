/**
 * Hostile data, part 2: one pattern matching 100,000 distinct metric names,
 * and one run reporting from 100,000 hosts. Elements show a bounded number of
 * series with a note saying how many matched, and stay responsive. Speed
 * figures are logged (for the README), not asserted.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from './helpers.js';
import { liveStores } from '../../src/store/registry.js';
import type { MetricChart } from '../../src/elements/metric-chart/metric-chart.component.js';
import type { GpuUtil } from '../../src/elements/gpu-util/gpu-util.component.js';
import type { HostPicker } from '../../src/elements/trainwatch-filters/host-picker.component.js';
import '../../src/elements/metric-chart/metric-chart.js';
import '../../src/elements/gpu-util/gpu-util.js';
import '../../src/elements/trainwatch-filters/host-picker.js';

const TABLE = 'training_observability.metric_points';
const N = 100_000;

/** Longest main-thread task while `work` runs, and how long it took (ms). */
async function measure<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; longestTask: number }> {
  let longestTask = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestTask = Math.max(longestTask, entry.duration);
  });
  observer.observe({ type: 'longtask' });
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  return { result, ms, longestTask };
}

describe('hostile data: 100,000 names under one pattern', function () {
  this.timeout(60_000);
  const run = uniqueRun('names');

  before(async () => {
    // layer.<i>.grad for i < N, 3 points each at minutes 0, 1, 2; i % 7 is the value at minute 0.
    await writer.command({
      query: `INSERT INTO ${TABLE} (run_id, metric, host, step, value, event_time)
        SELECT {run:String}, concat('layer.', toString(number % ${N}), '.grad'), concat('h', toString(number % ${N})), intDiv(number, ${N}),
          (number % ${N}) % 7 + intDiv(number, ${N}), toDateTime64('2026-01-01 00:00:00', 3) + intDiv(number, ${N}) * 60
        FROM numbers(${3 * N})`,
      query_params: { run },
    });
  });

  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('<metric-chart> draws a bounded number of lines and says how many matched', async () => {
    const { result: el, ms, longestTask } = await measure(async () => {
      const el = await fixture<MetricChart>(html`<metric-chart style="width: 640px" src=${SOURCE_URL} run=${run} metric="layer.*.grad" window="all" poll-interval="60000"></metric-chart>`);
      await waitFor(() => el.state !== 'loading' && el.chartData, 'metric-chart to draw', 30_000);
      return el;
    });
    console.log(`metric-chart, ${N} names: ready in ${ms.toFixed(0)} ms, longest task ${longestTask.toFixed(0)} ms, ${el.lines.length} lines`);
    expect(el.state).to.equal('ready');
    expect(el.lines).to.have.length(60);
    expect(el.shadowRoot!.querySelector('.note')!.textContent).to.contain('100,000 series match; showing the first 60: narrow the pattern');
    expect(el.shadowRoot!.querySelectorAll('.legend li')).to.have.length(60);
    // Each line drawn is its own metric's values: layer.i at minutes 0, 1, 2 is i % 7, +1, +2.
    const data = el.chartData!;
    el.lines.forEach((line, l) => {
      const i = Number(/^layer\.(\d+)\.grad$/.exec(line.metric)![1]);
      expect(line.host).to.equal(`h${i}`);
      const drawn = (data[l + 1] as Array<number | null | undefined>).filter((v) => typeof v === 'number');
      expect(drawn, line.metric).to.deep.equal([i % 7, (i % 7) + 1, (i % 7) + 2]);
    });
  });

  it('<gpu-util> with a pattern matching 100,000 names', async () => {
    const { result: el, ms, longestTask } = await measure(async () => {
      const el = await fixture<GpuUtil>(html`<gpu-util style="width: 640px" src=${SOURCE_URL} run=${run} metric="layer.*" window="all" poll-interval="60000"></gpu-util>`);
      await waitFor(() => el.state !== 'loading', 'gpu-util to settle', 30_000);
      return el;
    });
    console.log(`gpu-util, ${N} names/hosts: ${el.state} in ${ms.toFixed(0)} ms, longest task ${longestTask.toFixed(0)} ms`);
    expect(el.state).to.equal('ready');
    // One series per (host, device): 100,000 hosts, of which the first 512 are drawn, and the footer says so.
    expect(el.model!.series).to.have.length(512);
    expect(el.shadowRoot!.textContent).to.contain('first 512 series');
  });

  it('<host-picker> with 100,000 hosts', async () => {
    const { result: el, ms, longestTask } = await measure(async () => {
      const el = await fixture<HostPicker>(html`<host-picker src=${SOURCE_URL} run=${run} poll-interval="60000"></host-picker>`);
      await waitFor(() => el.shadowRoot!.querySelectorAll('option').length > 1, 'host-picker to list', 30_000);
      return el;
    });
    console.log(`host-picker, ${N} hosts: listed in ${ms.toFixed(0)} ms, longest task ${longestTask.toFixed(0)} ms`);
    const options = [...el.shadowRoot!.querySelectorAll('option')].map((o) => o.textContent!.trim());
    // "All hosts" and the first 1,000 hosts by name.
    expect(options[0]).to.equal('All hosts');
    expect(options.slice(1)).to.deep.equal(Array.from({ length: N }, (_, i) => `h${i}`).sort().slice(0, 1000));
  });
});
