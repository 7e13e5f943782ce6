/**
 * <metric-chart> and <loss-chart> follow the page filters of an enclosing
 * <trainwatch-filters> (run, window, host) unless they set their own.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import '../loss-chart/loss-chart.js';
import type { LossChart } from '../loss-chart/loss-chart.component.js';
import '../trainwatch-filters/trainwatch-filters.js';
import type { TrainwatchFilters } from '../trainwatch-filters/trainwatch-filters.component.js';
import { liveStores } from '../../store/registry.js';
import type { MetricChart } from './metric-chart.component.js';
import './metric-chart.js';

const T0 = Date.UTC(2026, 0, 1);
const minutes = (values: number[]): Point[] => values.map((value, i) => ({ step: i, value, time: T0 + i * 60_000 }));

describe('charts inside <trainwatch-filters>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores()).to.have.length(0);
  });

  it("metric-chart takes the filter's run and host, and its own attributes win", async () => {
    const run = uniqueRun('filters-metric');
    await insertPoints(run, 'sys.mem_percent', minutes([10, 20, 30]), { host: 'node-a' });
    await insertPoints(run, 'sys.mem_percent', minutes([70, 80, 90]), { host: 'node-b' });
    const host = await fixture<TrainwatchFilters>(html`<trainwatch-filters run=${run} host="node-b">
      <metric-chart class="follows" style="width: 600px" src=${SOURCE_URL} metric="sys.mem_percent" poll-interval="300"></metric-chart>
      <metric-chart class="own" style="width: 600px" src=${SOURCE_URL} metric="sys.mem_percent" host="node-a" poll-interval="300"></metric-chart>
    </trainwatch-filters>`);
    const follows = host.querySelector<MetricChart>('.follows')!;
    const own = host.querySelector<MetricChart>('.own')!;
    const drawn = (el: MetricChart) => waitFor(() => el.state === 'ready' && el.chartData, `${el.className} to draw (${el.state}: ${el.stateMessage})`, 10_000);
    const followed = await drawn(follows);
    expect(follows.lines.map((l) => l.label)).to.deep.equal(['sys.mem_percent · node-b']);
    expect(Array.from(followed[1] as number[])).to.deep.equal([70, 80, 90]);
    const owned = await drawn(own);
    expect(own.lines.map((l) => l.label)).to.deep.equal(['sys.mem_percent · node-a']);
    expect(Array.from(owned[1] as number[])).to.deep.equal([10, 20, 30]);
    // Changing the filter moves the follower, not the one with its own host.
    host.host = '';
    await waitFor(() => follows.lines.length === 2, 'both hosts after the host filter is cleared', 10_000);
    expect(own.lines.map((l) => l.label)).to.deep.equal(['sys.mem_percent · node-a']);
  });

  it("loss-chart takes the filter's runs", async () => {
    const [a, b] = [uniqueRun('filters-loss-a'), uniqueRun('filters-loss-b')];
    await insertPoints(a, 'loss', [0, 1, 2].map((step) => ({ step, value: 3 - step })));
    await insertPoints(b, 'loss', [0, 1].map((step) => ({ step, value: 5 - step })));
    const host = await fixture<TrainwatchFilters>(html`<trainwatch-filters run=${`${a},${b}`}>
      <loss-chart src=${SOURCE_URL} smoothing="0"></loss-chart>
    </trainwatch-filters>`);
    const chart = host.querySelector<LossChart>('loss-chart')!;
    await waitFor(() => chart.state === 'ready' && chart.chartData?.length === 3, `both runs (${chart.state}: ${chart.stateMessage})`, 10_000);
    expect(chart.runs).to.deep.equal([a, b]);
    expect(Array.from(chart.chartData![0])).to.deep.equal([0, 1, 2]);
  });
});
