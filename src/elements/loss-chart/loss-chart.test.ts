import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { CLICKHOUSE_URL, PROXY_URL, SOURCE_URL } from 'trainwatch-test-env';
import { countRows, insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import { LossChart } from './loss-chart.component.js';
import './loss-chart.js';

const ramp = (n: number, f: (i: number) => number, from = 0): Point[] => Array.from({ length: n }, (_, i) => ({ step: from + i, value: f(from + i) }));

async function chartFor(run: string, attrs: Partial<Record<string, string>> = {}) {
  const el = await fixture<LossChart>(html`
    <loss-chart
      style="width: 640px"
      src=${attrs.src ?? SOURCE_URL}
      run=${run}
      metric=${attrs.metric ?? 'loss'}
      smoothing=${attrs.smoothing ?? '0'}
      poll-interval=${attrs.pollInterval ?? '300'}
      x-axis=${attrs.xAxis ?? 'step'}
    ></loss-chart>
  `);
  return el;
}

const ready = (el: LossChart) => waitFor(() => el.state === 'ready' && el.chartData, `${el.run} to draw`);

describe('<loss-chart>', () => {
  afterEach(() => {
    fixtureCleanup();
    // With every test's elements gone, nothing may keep polling.
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults and reflects attributes to properties', async () => {
    const el = await fixture<LossChart>(html`<loss-chart></loss-chart>`);
    expect(el.metric).to.equal('loss');
    expect(el.xAxis).to.equal('step');
    expect(el.smoothing).to.equal(0.6);
    expect(el.logScale).to.equal(false);
    expect(el.state).to.equal('empty');
    el.setAttribute('run', 'a, b ,a');
    el.setAttribute('x-axis', 'time');
    el.setAttribute('log-scale', '');
    el.setAttribute('smoothing', '0.9');
    await el.updateComplete;
    expect(el.runs).to.deep.equal(['a', 'b']);
    expect(el.xAxis).to.equal('time');
    expect(el.logScale).to.equal(true);
    expect(el.smoothing).to.equal(0.9);
    el.metric = 'loss,val_loss';
    await el.updateComplete;
    expect(el.getAttribute('metric')).to.equal('loss,val_loss');
  });

  it('says what to do when no run is set', async () => {
    const el = await fixture<LossChart>(html`<loss-chart></loss-chart>`);
    const overlay = el.shadowRoot!.querySelector('.overlay')!;
    expect(overlay.textContent).to.contain('No run selected');
    expect(liveStores()).to.have.length(0);
  });

  it('draws exactly the points inserted when they fit the width', async () => {
    const run = uniqueRun('exact');
    const points = ramp(50, (i) => 3 - i * 0.01 + (i % 7) * 0.001);
    await insertPoints(run, 'loss', points);
    const el = await chartFor(run);
    const data = await ready(el);
    expect(Array.from(data[0])).to.deep.equal(points.map((p) => p.step));
    expect(Array.from(data[1] as number[])).to.deep.equal(points.map((p) => p.value));
  });

  it('above the pixel width draws first, last, min and max of every pixel column', async () => {
    const run = uniqueRun('m4');
    const n = 20_000;
    const points = ramp(n, (i) => 2 + Math.sin(i / 50) * 0.1);
    points[12_345].value = 9.5; // a spike
    points[777].value = -4.25; // a dip
    const spikes = Array.from({ length: 40 }, (_, i) => 1000 + i * 450 + ((i * 7919) % 300));
    spikes.forEach((step, i) => (points[step].value = i % 2 ? 5 + i / 10 : -1 - i / 10));
    await insertPoints(run, 'loss', points);
    const el = await chartFor(run);
    const data = await ready(el);
    const xs = Array.from(data[0]);
    const ys = data[1] as number[];
    const width = el.shadowRoot!.querySelector<HTMLElement>('.plot')!.clientWidth;
    expect(xs.length).to.be.at.most(4 * width);
    expect(xs.length).to.be.greaterThan(width);
    expect(xs[0]).to.equal(0);
    expect(xs[xs.length - 1]).to.equal(n - 1);
    expect(ys[xs.indexOf(12_345)]).to.equal(9.5);
    expect(ys[xs.indexOf(777)]).to.equal(-4.25);
    // Every drawn point is a real inserted point.
    xs.forEach((x, i) => expect(ys[i]).to.equal(points[x].value));
    // Isolated one-step spikes and dips anywhere in the run are each drawn at their own step.
    for (const step of spikes) expect(ys[xs.indexOf(step)], `spike at ${step}`).to.equal(points[step].value);
    expect(el.shadowRoot!.querySelector('.note')?.textContent).to.match(/of 20,000 points/);
  });

  it('smooths with a debiased EMA and keeps the raw line', async () => {
    const run = uniqueRun('ema');
    const values = [4, 2, 3, 1, 5, 2, 2];
    await insertPoints(run, 'loss', values.map((value, step) => ({ step, value })));
    const el = await chartFor(run, { smoothing: '0.5' });
    const data = await ready(el);
    expect(data.length).to.equal(3);
    expect(Array.from(data[1] as number[])).to.deep.equal(values);
    // TensorBoard's formula, written out independently: s_t = (w s_{t-1} + (1-w) v_t), divided by 1 - w^t.
    let acc = 0;
    const expected = values.map((v, i) => {
      acc = acc * 0.5 + 0.5 * v;
      return acc / (1 - 0.5 ** (i + 1));
    });
    (data[2] as number[]).forEach((y, i) => expect(y).to.be.closeTo(expected[i], 1e-12));
  });

  it('aligns metrics logged at different steps on one x axis', async () => {
    const run = uniqueRun('align');
    await insertPoints(run, 'loss', ramp(30, (i) => 3 - i / 30));
    await insertPoints(run, 'val_loss', [10, 20].map((step) => ({ step, value: 2.5 })));
    const el = await chartFor(run, { metric: 'loss,val_loss' });
    const data = await waitFor(() => el.chartData?.length === 3 && el.chartData, 'two lines');
    const xs = Array.from(data[0]);
    expect(xs).to.have.length(30);
    expect((data[2] as Array<number | undefined>)[xs.indexOf(10)]).to.equal(2.5);
    expect((data[2] as Array<number | undefined>)[xs.indexOf(11)]).to.equal(undefined);
    const legend = el.shadowRoot!.querySelectorAll('.legend button');
    expect(legend).to.have.length(2);
  });

  it('shows NaN as a gap, not as a silently dropped point', async () => {
    const run = uniqueRun('nan');
    await insertPoints(run, 'loss', [
      { step: 0, value: 1 },
      { step: 1, value: NaN },
      { step: 2, value: Infinity },
      { step: 3, value: 0.5 },
    ]);
    const el = await chartFor(run);
    const data = await ready(el);
    expect(Array.from(data[0])).to.deep.equal([0, 1, 2, 3]);
    expect(data[1]).to.deep.equal([1, null, null, 0.5]);
    await waitFor(() => el.shadowRoot!.querySelector('.note'), 'the note');
    expect(el.shadowRoot!.querySelector('.note')!.textContent).to.contain('2 NaN/Inf marked');
  });

  it('zooms into a reduced range at full resolution, and back out without a refetch', async () => {
    const run = uniqueRun('zoom');
    const points = ramp(20_000, (i) => 3 + Math.cos(i / 37));
    await insertPoints(run, 'loss', points);
    const el = await chartFor(run);
    const full = await ready(el);
    const fullXs = Array.from(full[0]);
    expect(fullXs.length).to.be.lessThan(5000);
    const store = liveStores()[0];
    el.setZoom([5000, 5200]);
    const zoomed = await waitFor(() => {
      const d = el.chartData;
      return d && Array.from(d[0]).filter((x) => x >= 5000 && x <= 5200).length === 201 && d;
    }, 'raw points of the zoomed range');
    const xs = Array.from(zoomed[0]);
    const ys = zoomed[1] as number[];
    for (let step = 5000; step <= 5200; step++) expect(ys[xs.indexOf(step)]).to.equal(points[step].value);
    expect(el.shadowRoot!.querySelector('.note')!.textContent).to.contain('zoomed');
    const requests = store.requests;
    el.setZoom(undefined);
    await waitFor(() => el.chartData && el.chartData[0].length === fullXs.length, 'the full view again');
    expect(Array.from(el.chartData![0])).to.deep.equal(fullXs);
    expect(store.requests - requests, 'zooming out refetches nothing (a poll may fall in between)').to.be.at.most(1);
    expect(el.shadowRoot!.querySelector('.reset')).to.equal(null);
  });

  it('marks a run that stopped reporting as stale', async () => {
    const quiet = uniqueRun('quiet');
    const fresh = uniqueRun('fresh');
    const now = Date.now();
    await insertPoints(quiet, 'loss', ramp(5, () => 1).map((p) => ({ ...p, time: now - 10 * 60_000 + p.step })));
    await insertPoints(fresh, 'loss', ramp(5, () => 1).map((p) => ({ ...p, time: now - 1000 + p.step })));
    const quietEl = await chartFor(quiet);
    const freshEl = await chartFor(fresh);
    await ready(quietEl);
    await ready(freshEl);
    await waitFor(() => quietEl.shadowRoot!.querySelector('.meta'), 'the data age');
    expect(quietEl.shadowRoot!.querySelector('.meta')!.textContent).to.match(/last point 10m( \d+s)? ago · stale/);
    expect(quietEl.shadowRoot!.querySelector('.meta.stale')).to.not.equal(null);
    expect(freshEl.shadowRoot!.querySelector('.meta')!.textContent).to.not.contain('stale');
  });

  it('grows live as new rows arrive, fetching only what is new', async () => {
    const run = uniqueRun('live');
    await insertPoints(run, 'loss', ramp(10, (i) => 5 - i * 0.1));
    const el = await chartFor(run);
    await ready(el);
    await insertPoints(run, 'loss', ramp(5, (i) => 5 - i * 0.1, 10));
    const data = await waitFor(() => el.chartData?.[0].length === 15 && el.chartData, 'the live tail');
    expect(Array.from(data[0])).to.deep.equal(ramp(15, (i) => i).map((p) => p.step));
  });

  it('says an unknown run is unknown, and treats an SQL-looking run id as just a name', async () => {
    const before = await countRows();
    const el = await chartFor("x' OR 1=1 --");
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.contain(`Run "x' OR 1=1 --" not found`);
    expect(await countRows()).to.be.at.least(before);
    expect(el.chartData).to.equal(undefined);
  });

  it('names the metrics a run has when the asked metric is missing', async () => {
    const run = uniqueRun('metrics');
    await insertPoints(run, 'loss', ramp(3, () => 1));
    const el = await chartFor(run, { metric: 'val_loss' });
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.contain('"val_loss"');
    expect(el.stateMessage).to.contain('has: loss');
  });

  it('reports an unreachable server and recovers when it comes back', async () => {
    const run = uniqueRun('outage');
    await insertPoints(run, 'loss', ramp(5, () => 1));
    await fetch('/__proxy/down');
    try {
      const el = await chartFor(run, { src: PROXY_URL });
      await waitFor(() => el.state === 'error', 'the error state');
      expect(el.stateMessage).to.contain(`Cannot reach ClickHouse at ${PROXY_URL}`);
      expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('Cannot reach');
      await fetch('/__proxy/up');
      await waitFor(() => el.state === 'ready', 'recovery', 15_000);
      expect(el.chartData![0]).to.have.length(5);
    } finally {
      await fetch('/__proxy/up').catch(() => undefined);
    }
  });

  it('rejects a bad x-axis value with a clear message', async () => {
    const el = await chartFor('r', { xAxis: 'banana' });
    expect(el.state).to.equal('error');
    expect(el.stateMessage).to.contain('x-axis must be one of step, time, relative');
    expect(liveStores()).to.have.length(0);
  });

  it('shares one series between elements asking for the same thing', async () => {
    const run = uniqueRun('shared');
    await insertPoints(run, 'loss', ramp(5, () => 1));
    const wrap = await fixture<HTMLDivElement>(html`<div>
      <loss-chart src=${SOURCE_URL} run=${run} poll-interval="300"></loss-chart>
      <loss-chart src=${SOURCE_URL} run=${run} poll-interval="300"></loss-chart>
    </div>`);
    const [a, b] = wrap.querySelectorAll('loss-chart');
    await ready(a);
    await ready(b);
    const stores = liveStores();
    expect(stores).to.have.length(1);
    expect(stores[0].seriesCount).to.equal(1);
    expect(stores[0].subscriptionCount).to.equal(2);
  });

  it('works for a read-only ClickHouse user', async () => {
    const run = uniqueRun('viewer');
    await insertPoints(run, 'loss', ramp(4, () => 2));
    const el = await fixture<LossChart>(html`<loss-chart src=${CLICKHOUSE_URL} user="viewer" password="viewer-secret" run=${run} smoothing="0"></loss-chart>`);
    const data = await ready(el);
    expect(Array.from(data[0])).to.deep.equal([0, 1, 2, 3]);
  });

  it('reports wrong credentials as such', async () => {
    const el = await fixture<LossChart>(html`<loss-chart src=${CLICKHOUSE_URL} user="viewer" password="nope" run="r"></loss-chart>`);
    await waitFor(() => el.state === 'error', 'the error state');
    expect(el.stateMessage).to.contain('refused the credentials');
  });

  it('fires trainwatch-state as its data state changes', async () => {
    const run = uniqueRun('events');
    await insertPoints(run, 'loss', ramp(3, () => 1));
    const el = document.createElement('loss-chart');
    el.src = SOURCE_URL;
    el.run = run;
    const fired = oneEvent(el, 'trainwatch-state');
    document.body.append(el);
    try {
      const event = await fired;
      expect(['loading', 'ready']).to.include(event.detail.state);
      await ready(el);
    } finally {
      el.remove();
    }
  });

  it('toggles a line from its legend button', async () => {
    const run = uniqueRun('toggle');
    await insertPoints(run, 'loss', ramp(5, () => 1));
    const el = await chartFor(run);
    await ready(el);
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('.legend button')!;
    expect(button.getAttribute('aria-pressed')).to.equal('true');
    button.click();
    await el.updateComplete;
    expect(button.getAttribute('aria-pressed')).to.equal('false');
  });

  it('releases its subscription, timers and observers when removed', async () => {
    const run = uniqueRun('teardown');
    await insertPoints(run, 'loss', ramp(3, () => 1));
    const el = await chartFor(run);
    await ready(el);
    const store = liveStores()[0];
    expect(el.holdsResources).to.equal(true);
    el.remove();
    expect(el.holdsResources).to.equal(false);
    expect(liveStores()).to.have.length(0);
    expect(store.active).to.equal(false);
  });

  it('is accessible', async () => {
    const run = uniqueRun('a11y');
    await insertPoints(run, 'loss', ramp(5, () => 1));
    const el = await chartFor(run);
    await ready(el);
    await expect(el).to.be.accessible();
    expect(el.shadowRoot!.querySelector('[role="img"]')!.getAttribute('aria-label')).to.contain('loss 1 at step 4');
  });
});
