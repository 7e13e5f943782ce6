/**
 * Two ways careless trainers' data could make a chart wrong, in the page:
 * several ranks writing one metric at one step (the first load must draw the
 * mean per step, as the live tail does), and steps past 2^53 − 1 (a step of −1
 * in the UInt64 column is 2^64 − 1), which must leave the other charts of the
 * page alone and be counted in the chart's note. Expected values are computed
 * here from what was inserted.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from './helpers.js';
import { liveStores } from '../../src/store/registry.js';
import type { LossChart } from '../../src/elements/loss-chart/loss-chart.component.js';
import '../../src/elements/loss-chart/loss-chart.js';

const TABLE = 'training_observability.metric_points';
const T0 = Date.UTC(2026, 0, 1);

/** Rows as VALUES text, so a step may be any UInt64 (2^64 − 1 is no JavaScript number). */
async function insert(run: string, rows: Array<{ step: number | bigint; value: number; rank?: number }>) {
  const literal = (v: number) => (Number.isNaN(v) ? 'nan' : String(v));
  const values = rows.map((r) => `('${run}', 'loss', ${r.rank ?? 0}, ${r.step}, ${literal(r.value)}, fromUnixTimestamp64Milli(toInt64(${T0 + (typeof r.step === 'number' ? r.step : 0) * 1000 + (r.rank ?? 0)}), 'UTC'))`);
  await writer.command({ query: `INSERT INTO ${TABLE} (run_id, metric, rank, step, value, event_time) VALUES ${values.join(',')}` });
}

async function lossChart(run: string) {
  return fixture<LossChart>(html`<loss-chart style="width: 640px" src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="300"></loss-chart>`);
}

const ready = (el: LossChart) => waitFor(() => el.state === 'ready' && el.chartData, `${el.run} to draw`);
const xs = (el: LossChart) => Array.from(el.chartData![0]);
const ys = (el: LossChart) => Array.from(el.chartData![1] as Array<number | null>);
const note = (el: LossChart) => el.shadowRoot!.querySelector('.note')?.textContent ?? '';

describe('careless steps and ranks', function () {
  this.timeout(30_000);
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('four ranks at every step: the first load draws the mean per step (a NaN rank makes its step a NaN marker)', async () => {
    const run = uniqueRun('ranks');
    const steps = Array.from({ length: 30 }, (_, s) => s);
    // Rank r writes 10·r + s at step s; rank 3 writes NaN at step 7.
    const value = (s: number, r: number) => (s === 7 && r === 3 ? NaN : 10 * r + s);
    await insert(run, steps.flatMap((step) => [0, 1, 2, 3].map((rank) => ({ step, rank, value: value(step, rank) }))));
    const el = await lossChart(run);
    await ready(el);
    const means = steps.map((s) => (s === 7 ? null : [0, 1, 2, 3].reduce((sum, r) => sum + value(s, r), 0) / 4));
    expect(xs(el)).to.deep.equal(steps);
    expect(ys(el)).to.deep.equal(means);
    expect(means[29]).to.equal(44, 'the mean, not a rank (29, 39, 49 or 59)');
    await waitFor(() => note(el).includes('1 NaN/Inf marked'), 'the NaN marker counted');
  });

  it('rows at 2^53 + 1 and 2^64 − 1: the chart draws 0..19 and says 2 points were not drawn; the chart of another run is unaffected', async () => {
    const careless = uniqueRun('beyond');
    const other = uniqueRun('other');
    await insert(careless, [
      ...Array.from({ length: 20 }, (_, step) => ({ step, value: step / 2 })),
      { step: 9007199254740993n, value: 1 },
      { step: 18446744073709551615n, value: 1 },
    ]);
    await insert(other, Array.from({ length: 10 }, (_, step) => ({ step, value: 100 - step })));
    const a = await lossChart(careless);
    const b = await lossChart(other);
    await ready(a);
    await ready(b);
    expect(xs(a)).to.deep.equal(Array.from({ length: 20 }, (_, s) => s));
    expect(ys(a)).to.deep.equal(Array.from({ length: 20 }, (_, s) => s / 2));
    await waitFor(() => note(a).includes('2 points at steps past 2^53 not drawn'), 'the note about steps past 2^53');
    expect(xs(b)).to.deep.equal(Array.from({ length: 10 }, (_, s) => s));
    expect(ys(b)).to.deep.equal(Array.from({ length: 10 }, (_, s) => 100 - s));
    expect(b.state).to.equal('ready');
    expect(note(b)).to.not.contain('2^53');
  });

  it('a run that only ever wrote step −1: an empty chart that says why, not an error', async () => {
    const run = uniqueRun('minus-one');
    await insert(run, [0, 1, 2].map((rank) => ({ step: 18446744073709551615n, value: rank, rank })));
    const el = await lossChart(run);
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.contain('3 points at steps past 2^53 not drawn');
  });
});
