import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { ifDefined } from 'lit/directives/if-defined.js';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import type { MetricDetail, ZoomChangeDetail } from './metric-detail.component.js';
import { rangeParams, statsQuery } from './metric-detail.queries.js';
import './metric-detail.js';
import '../loss-chart/loss-chart.js';

const BASE_TIME = Date.UTC(2026, 0, 1);

/** Deterministic noise in [-1, 1) (a small LCG), so runs are reproducible and values distinct. */
function noise(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 31 - 1;
  };
}

/** ClickHouse's quantileExactInclusive, written out: h = p(n − 1) + 1, interpolated between the values at ⌊h⌋ and ⌊h⌋ + 1 (1-based). */
function quantileInclusive(sorted: number[], p: number): number {
  const h = p * (sorted.length - 1) + 1;
  const n = Math.floor(h);
  if (n >= sorted.length) return sorted[sorted.length - 1];
  if (n < 1) return sorted[0];
  return sorted[n - 1] + (h - n) * (sorted[n] - sorted[n - 1]);
}

/** What the strip should say of rows: computed here, from what the test inserted. */
function expectedStats(points: Point[]) {
  const finite = points.map((p) => p.value).filter(Number.isFinite);
  const sorted = [...finite].sort((a, b) => a - b);
  const last = points.reduce((a, b) => (b.step >= a.step ? b : a));
  return {
    count: points.length,
    nan: points.filter((p) => Number.isNaN(p.value)).length,
    inf: points.filter((p) => p.value === Infinity || p.value === -Infinity).length,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: finite.reduce((a, b) => a + b, 0) / finite.length,
    p50: quantileInclusive(sorted, 0.5),
    p90: quantileInclusive(sorted, 0.9),
    p99: quantileInclusive(sorted, 0.99),
    last: last.value,
  };
}

function checkStats(el: MetricDetail, points: Point[]) {
  const got = el.rangeStats!;
  const want = expectedStats(points);
  expect(got.count, 'count').to.equal(want.count);
  expect(got.nan, 'NaN').to.equal(want.nan);
  expect(got.inf, 'Inf').to.equal(want.inf);
  expect(got.min, 'min').to.equal(want.min);
  expect(got.max, 'max').to.equal(want.max);
  expect(got.mean, 'mean').to.be.closeTo(want.mean, Math.abs(want.mean) * 1e-12);
  expect(got.p50, 'p50').to.be.closeTo(want.p50, 1e-12);
  expect(got.p90, 'p90').to.be.closeTo(want.p90, 1e-12);
  expect(got.p99, 'p99').to.be.closeTo(want.p99, 1e-12);
  if (Number.isNaN(want.last)) expect(got.last).to.be.NaN;
  else expect(got.last, 'last').to.equal(want.last);
}

async function detailFor(run: string, attrs: Partial<Record<string, string>> = {}) {
  return fixture<MetricDetail>(html`
    <metric-detail
      style="width: 800px"
      src=${SOURCE_URL}
      run=${run}
      metric=${attrs.metric ?? 'loss'}
      poll-interval="300"
      x-axis=${attrs.xAxis ?? 'step'}
      from=${ifDefined(attrs.from)}
      to=${ifDefined(attrs.to)}
      host=${attrs.host ?? ''}
      spike-threshold=${attrs.spikeThreshold ?? '6'}
    ></metric-detail>
  `);
}

const ready = (el: MetricDetail) => waitFor(() => el.state === 'ready' && el.chartData, `${el.run} to draw`);
const shadow = (el: MetricDetail) => el.shadowRoot!;
const rangeText = (el: MetricDetail) => shadow(el).querySelector('.stats .range')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
/** Waits for statistics of `range` (undefined: everything) that count `count` rows. */
const statsOf = (el: MetricDetail, range: readonly [number, number] | undefined, count: number) =>
  waitFor(() => {
    const s = el.rangeStats;
    const same = range ? s?.range?.[0] === range[0] && s?.range?.[1] === range[1] : s && !s.range;
    return same && s?.count === count && s;
  }, `statistics of ${range ?? 'everything'} with ${count} rows`, 10_000);

/** n steps of a noisy decaying loss, with NaN at two steps and +Inf, −Inf at two more (extra rows at those steps; 300, 1200, 700, 1500 of 2,000). */
function lossPoints(n = 2000): Point[] {
  const rand = noise(7);
  const points: Point[] = Array.from({ length: n }, (_, i) => ({ step: i, value: 2 + Math.exp(-i / 400) + 0.05 * rand() }));
  const at = (fraction: number) => Math.round(n * fraction);
  points.push({ step: at(0.15), value: NaN }, { step: at(0.6), value: NaN }, { step: at(0.35), value: Infinity }, { step: at(0.75), value: -Infinity });
  return points;
}

describe('<metric-detail>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults and asks for a run without one', async () => {
    const el = await fixture<MetricDetail>(html`<metric-detail></metric-detail>`);
    expect(el.metric).to.equal('loss');
    expect(el.xAxis).to.equal('step');
    expect(el.smoothing).to.equal(0);
    expect(el.spikeThreshold).to.equal(6);
    expect(el.checkpointMetric).to.equal('checkpoint.saved');
    expect(el.from).to.equal(undefined);
    expect(el.state).to.equal('empty');
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain('No run selected');
    expect(getComputedStyle(shadow(el).querySelector('.plot')!).height).to.equal('420px');
    el.setAttribute('x-axis', 'relative');
    await el.updateComplete;
    expect(el.state).to.equal('error');
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain('x-axis must be one of step, time');
    expect(liveStores()).to.have.length(0);
  });

  it('says a pattern is not one metric, and clamps a range from a URL into what ClickHouse holds', async () => {
    const el = await fixture<MetricDetail>(html`<metric-detail src=${SOURCE_URL} run="r" metric="sys.gpu.*.util_percent"></metric-detail>`);
    await el.updateComplete;
    expect(el.state).to.equal('error');
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain('"sys.gpu.*.util_percent" is a pattern');
    // A huge zoom from a hand-edited link stays within Int64 and the year 9999 instead of failing the page's poll.
    expect(rangeParams({ run: 'r', metric: 'm', host: '', axis: 'step', range: [1e21, 2e21] })).to.include({ from_step: Number.MAX_SAFE_INTEGER, to_step: Number.MAX_SAFE_INTEGER });
    expect(rangeParams({ run: 'r', metric: 'm', host: '', axis: 'time', range: [-5, 1e300] })).to.include({ from_ms: 1, to_ms: 253_402_300_799_999 });
  });

  it('shows statistics of all rows computed in ClickHouse, then of the zoomed range, and fires the zoom event', async () => {
    const run = uniqueRun('stats');
    const points = lossPoints();
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run);
    await ready(el);
    await statsOf(el, undefined, points.length);
    checkStats(el, points);
    expect(rangeText(el)).to.equal('visible range: all steps (0–1,999)');
    const cells = Object.fromEntries([...shadow(el).querySelectorAll('.stats dl div')].map((d) => [d.querySelector('dt')!.textContent, d.querySelector('dd')!.textContent]));
    expect(cells.count).to.equal('2,004');
    expect(cells['NaN/Inf']).to.equal('4');
    expect(cells.min).to.equal(expectedStats(points).min.toPrecision(4).replace(/\.?0+$/, ''));

    const event = oneEvent(el, 'trainwatch-zoom-change');
    el.setZoom([250.4, 900.6]);
    const { detail } = (await event) as CustomEvent<ZoomChangeDetail>;
    expect(detail).to.deep.equal({ from: 250.4, to: 900.6, axis: 'step' });
    expect(el.from).to.equal(250.4);
    expect(el.to).to.equal(900.6);
    // Steps 251…900, as ClickHouse was asked; the NaN at 300 and the Inf at 700 are among them.
    const inRange = points.filter((p) => p.step >= 251 && p.step <= 900);
    await statsOf(el, [250.4, 900.6], inRange.length);
    checkStats(el, inRange);
    expect(el.rangeStats!.nan).to.equal(1);
    expect(el.rangeStats!.inf).to.equal(1);
    expect(rangeText(el)).to.equal('visible range: steps 251–900');

    const reset = oneEvent(el, 'trainwatch-zoom-change');
    shadow(el).querySelector<HTMLButtonElement>('.reset')!.click();
    expect(((await reset) as CustomEvent<ZoomChangeDetail>).detail).to.deep.equal({ axis: 'step' });
    expect(el.from).to.equal(undefined);
    await statsOf(el, undefined, points.length);
  });

  it('zooms to the from/to attributes, at once and whenever they change, without echoing them as an event', async () => {
    const run = uniqueRun('fromto');
    const points = lossPoints(1000);
    await insertPoints(run, 'loss', points);
    let events = 0;
    const el = await detailFor(run, { from: '100', to: '199' });
    el.addEventListener('trainwatch-zoom-change', () => events++);
    await ready(el);
    expect(el.zoomRange).to.deep.equal([100, 199]);
    const first = points.filter((p) => p.step >= 100 && p.step <= 199);
    await statsOf(el, [100, 199], first.length);
    checkStats(el, first);
    // The chart draws the range: points outside it are at most one neighbour on each side.
    const xs = Array.from(el.chartData![0]).filter((x) => x >= 100 && x <= 199);
    expect(xs.length).to.equal(100);

    el.setAttribute('from', '600');
    el.setAttribute('to', '899');
    await el.updateComplete;
    expect(el.zoomRange).to.deep.equal([600, 899]);
    const second = points.filter((p) => p.step >= 600 && p.step <= 899);
    await statsOf(el, [600, 899], second.length);
    checkStats(el, second);

    // Only `from`: the range runs to the newest step.
    el.removeAttribute('to');
    await el.updateComplete;
    await waitFor(() => el.zoomRange?.[1] === 999, 'to to be completed by the data');
    expect(el.zoomRange).to.deep.equal([600, 999]);
    el.removeAttribute('from');
    await el.updateComplete;
    expect(el.zoomRange).to.equal(undefined);
    expect(events, 'from/to are the page speaking: no event back').to.equal(0);
  });

  it('fires the zoom event for keyboard zoom and says so', async () => {
    const run = uniqueRun('keys');
    await insertPoints(run, 'loss', lossPoints(1000));
    const el = await detailFor(run);
    await ready(el);
    const changes: ZoomChangeDetail[] = [];
    el.addEventListener('trainwatch-zoom-change', (e) => changes.push(e.detail));
    shadow(el).querySelector<HTMLElement>('.plot')!.focus();
    await sendKeys({ press: '+' });
    expect(changes).to.have.length(1);
    expect(changes[0].axis).to.equal('step');
    expect(changes[0].to! - changes[0].from!).to.be.closeTo(999 / 2, 1e-9);
    expect(shadow(el).querySelector('[aria-live="polite"]')!.textContent).to.contain('Zoomed to steps');
    await sendKeys({ press: 'Escape' });
    expect(changes[1]).to.deep.equal({ axis: 'step' });
  });

  it('follows a zoom of its group, says so with the event, and counts rows that arrive later', async () => {
    const run = uniqueRun('group');
    const points = lossPoints(1000);
    await insertPoints(run, 'loss', points);
    const group = uniqueRun('g');
    const wrap = await fixture<HTMLDivElement>(html`<div style="width: 800px">
      <loss-chart src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="300" group=${group}></loss-chart>
      <metric-detail src=${SOURCE_URL} run=${run} poll-interval="300" group=${group}></metric-detail>
    </div>`);
    const chart = wrap.querySelector('loss-chart')!;
    const el = wrap.querySelector('metric-detail')!;
    await ready(el);
    await waitFor(() => chart.state === 'ready' && chart.chartData, 'the loss chart');
    const event = oneEvent(el, 'trainwatch-zoom-change');
    chart.setZoom([300, 500]);
    expect(((await event) as CustomEvent<ZoomChangeDetail>).detail).to.deep.equal({ from: 300, to: 500, axis: 'step' });
    await statsOf(el, [300, 500], points.filter((p) => p.step >= 300 && p.step <= 500).length);

    // Statistics are asked again at every poll: rows of the range that arrive later count.
    const later = Array.from({ length: 10 }, (_, i) => ({ step: 400 + i, value: 100 + i }));
    await insertPoints(run, 'loss', later);
    const all = [...points, ...later].filter((p) => p.step >= 300 && p.step <= 500);
    await statsOf(el, [300, 500], all.length);
    checkStats(el, all);
  });

  it('finds the spikes where they were inserted, lists them as buttons that zoom to them, and circles them', async () => {
    const run = uniqueRun('spikes');
    const rand = noise(11);
    const points: Point[] = Array.from({ length: 3000 }, (_, i) => ({ step: i, value: 2 + Math.exp(-i / 500) + 0.02 * rand() }));
    const spikes = new Map([
      [480, 4.5],
      [1700, -1],
      [2650, 9],
    ]);
    for (const [step, value] of spikes) points[step].value = value;
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run);
    await ready(el);
    await statsOf(el, undefined, points.length);
    expect(el.spikes.map((s) => [s.step, s.value])).to.deep.equal([...spikes]);
    const buttons = [...shadow(el).querySelectorAll<HTMLButtonElement>('[part="spikes"] button')];
    expect(buttons.map((b) => b.textContent!.replace(/\s+/g, ' ').trim())).to.deep.equal(['step 480: 4.5', 'step 1,700: -1', 'step 2,650: 9']);
    expect(shadow(el).querySelector('[part="spikes"] .label')!.textContent).to.equal('Spikes (3):');

    const event = oneEvent(el, 'trainwatch-zoom-change');
    buttons[1].click();
    // The spike's window: the 25 points on each side.
    expect(((await event) as CustomEvent<ZoomChangeDetail>).detail).to.deep.equal({ from: 1675, to: 1725, axis: 'step' });
    const zoomed = points.filter((p) => p.step >= 1675 && p.step <= 1725);
    await statsOf(el, [1675, 1725], zoomed.length);
    checkStats(el, zoomed);
    expect(el.spikes.map((s) => s.step)).to.deep.equal([1700]);
  });

  it('finds no spike in smooth noisy data, and a lower threshold finds some', async () => {
    const run = uniqueRun('smooth');
    const rand = noise(3);
    const points: Point[] = Array.from({ length: 2500 }, (_, i) => ({ step: i, value: 1 + 2 * Math.exp(-i / 300) + 0.1 * Math.sin(i / 40) + 0.01 * rand() }));
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run);
    await ready(el);
    await statsOf(el, undefined, points.length);
    expect(el.spikes).to.deep.equal([]);
    expect(shadow(el).querySelector('[part="spikes"]')!.textContent).to.contain('none in the visible range');
    // Uniform noise reaches 1.73 robust σ at most: a threshold of 1 must find points, or the search is not running.
    el.spikeThreshold = 1;
    await waitFor(() => el.spikes.length > 0, 'a low threshold to find points');
  });

  it('draws a dashed line at each checkpoint step and lists those in view', async () => {
    const run = uniqueRun('ckpt');
    await insertPoints(run, 'loss', lossPoints(1000));
    const steps = [100, 250, 400, 900];
    await insertPoints(run, 'checkpoint.saved', steps.map((step) => ({ step, value: 1e9 })));
    const el = await detailFor(run);
    await ready(el);
    await waitFor(() => el.checkpointMarks.length === steps.length, 'checkpoint lines');
    expect(el.checkpointMarks.map((m) => m.x)).to.deep.equal(steps);
    expect(el.checkpointMarks.map((m) => m.label)).to.deep.equal(['ckpt 100', 'ckpt 250', 'ckpt 400', 'ckpt 900']);
    expect(shadow(el).querySelector('.checkpoints')!.textContent).to.contain('4 at steps 100, 250, 400, 900');
    el.setZoom([200, 500]);
    await el.updateComplete;
    expect(shadow(el).querySelector('.checkpoints')!.textContent).to.contain('2 at steps 250, 400');
    // On the time axis, at the checkpoints' wall times (1 s per step from 2026-01-01).
    el.xAxis = 'time';
    await waitFor(() => el.checkpointMarks[0]?.x === (BASE_TIME + 100_000) / 1000, 'checkpoint lines on the time axis');
    expect(el.checkpointMarks.map((m) => m.x)).to.deep.equal(steps.map((s) => (BASE_TIME + s * 1000) / 1000));
    // Back on the step axis the old zoom does not come back: chart, list and statistics all show everything.
    el.xAxis = 'step';
    await waitFor(() => el.checkpointMarks[0]?.x === 100, 'checkpoint lines on the step axis again');
    expect(el.zoomRange).to.equal(undefined);
    await waitFor(() => shadow(el).querySelector('.checkpoints')?.textContent?.includes('4 at steps 100, 250, 400, 900'), 'every checkpoint listed again');
  });

  it('zooms the time axis by epoch seconds and counts the rows of that time range', async () => {
    const run = uniqueRun('time');
    const points = lossPoints(1000);
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run, { xAxis: 'time' });
    await ready(el);
    const from = (BASE_TIME + 200_000) / 1000;
    const to = (BASE_TIME + 499_000) / 1000;
    const event = oneEvent(el, 'trainwatch-zoom-change');
    el.setZoom([from, to]);
    expect(((await event) as CustomEvent<ZoomChangeDetail>).detail).to.deep.equal({ from, to, axis: 'time' });
    const inRange = points.filter((p) => p.step >= 200 && p.step <= 499);
    await statsOf(el, [from, to], inRange.length);
    checkStats(el, inRange);
    expect(rangeText(el)).to.equal('visible range: 2026-01-01 00:03:20 UTC – 2026-01-01 00:08:19 UTC');
  });

  it('counts only the rows of `host` in the statistics when set', async () => {
    const run = uniqueRun('host');
    const a = Array.from({ length: 200 }, (_, i) => ({ step: i, value: 1 + i / 100 }));
    // Half a second after node-a's row of the same step: node-b's is the newest row of each step.
    const b = Array.from({ length: 200 }, (_, i) => ({ step: i, value: 50 + i, time: BASE_TIME + i * 1000 + 500 }));
    await insertPoints(run, 'loss', a, { host: 'node-a' });
    await insertPoints(run, 'loss', b, { host: 'node-b' });
    const el = await detailFor(run, { host: 'node-b' });
    await ready(el);
    await statsOf(el, undefined, 200);
    checkStats(el, b);
    expect(rangeText(el)).to.contain('host node-b');
    el.host = '';
    await statsOf(el, undefined, 400);
    checkStats(el, [...a, ...b]);
  });

  it('zooms to raw points of a long run and exports the raw points of the visible range', async () => {
    const run = uniqueRun('long');
    const points = Array.from({ length: 20_000 }, (_, i) => ({ step: i, value: 3 + Math.sin(i / 77) }));
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run);
    await ready(el);
    expect(el.chartData![0].length).to.be.lessThan(5000);
    el.setZoom([12_000, 12_300]);
    const data = await waitFor(() => {
      const d = el.chartData;
      return d && Array.from(d[0]).filter((x) => x >= 12_000 && x <= 12_300).length === 301 && d;
    }, 'raw points of the zoomed range');
    const xs = Array.from(data[0]);
    for (let step = 12_000; step <= 12_300; step += 50) expect((data[1] as number[])[xs.indexOf(step)]).to.equal(points[step].value);
    const csv = await el.toCSV({ raw: true });
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).to.equal('run,metric,step,time,value');
    expect(lines.length - 1).to.equal(301);
    expect(lines[1].split(',').slice(2, 3)).to.deep.equal(['12000']);
  });

  it('keeps data text as text and says when the run does not exist', async () => {
    const run = `<img src=x onerror="window.__pwned=1">${uniqueRun('x')}`;
    const el = await detailFor(run);
    await waitFor(() => el.state === 'empty', 'the empty state');
    // Quoted as a JSON string (its quotes escaped), so where the name ends is never in doubt.
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain(`Run "<img src=x onerror=\\"window.__pwned=1\\">${run.slice(run.indexOf('>') + 1)}" not found`);
    expect(shadow(el).querySelector('img')).to.equal(null);
    expect(shadow(el).querySelector('.title')!.textContent).to.equal(`loss · ${run}`);
    expect((window as unknown as { __pwned?: number }).__pwned).to.equal(undefined);
  });

  it('names the first NaN/Inf step, marks it, and its button zooms around it', async () => {
    const run = uniqueRun('nan');
    const k = 1237;
    const rand = noise(5);
    const points: Point[] = Array.from({ length: 2000 }, (_, i) => ({ step: i, value: 3 + 0.1 * rand() }));
    // Two ranks write NaN at step k; the later one is inserted first. A later +Inf, a later NaN.
    points[k] = { step: k, value: NaN, time: BASE_TIME + k * 1000 + 400 };
    points.push({ step: k, value: NaN, time: BASE_TIME + k * 1000 });
    points[1500].value = Infinity;
    points[1800].value = NaN;
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run);
    await ready(el);
    await statsOf(el, undefined, points.length);
    const at = BASE_TIME + k * 1000;
    expect(el.firstNonFinite).to.deep.equal({ step: k, time: at });
    const label = `First NaN/Inf: step 1,237 · ${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    expect(label).to.equal('First NaN/Inf: step 1,237 · 2026-01-01 00:20:37 UTC');
    const button = await waitFor(() => shadow(el).querySelector<HTMLButtonElement>('[part="first-non-finite"] button'), 'the first NaN/Inf button');
    expect(button.textContent!.trim()).to.equal(label);
    expect(button.getAttribute('aria-label')).to.equal(`Zoom to the first NaN/Inf: step 1,237 · 2026-01-01 00:20:37 UTC (NaN)`);
    await waitFor(() => el.nonFiniteMark, 'the first NaN mark');
    expect(el.nonFiniteMark).to.deep.equal({ x: k, label: 'first NaN' });
    // The checkpoint lines stay checkpoint lines.
    expect(el.checkpointMarks).to.deep.equal([]);

    const event = oneEvent(el, 'trainwatch-zoom-change');
    button.click();
    expect(((await event) as CustomEvent<ZoomChangeDetail>).detail).to.deep.equal({ from: k - 25, to: k + 25, axis: 'step' });
    expect(el.zoomRange).to.deep.equal([k - 25, k + 25]);
    const zoomed = points.filter((p) => p.step >= k - 25 && p.step <= k + 25);
    await statsOf(el, [k - 25, k + 25], zoomed.length);
    expect(el.rangeStats!.nan).to.equal(2);
    expect(el.firstNonFinite).to.deep.equal({ step: k, time: at });
    // The chart draws the zoomed window, with the NaN step in it.
    await waitFor(() => el.chartData && Array.from(el.chartData[0]).includes(k), 'the NaN step drawn');

    // A range after it: the +Inf at 1,500 is its first.
    el.setZoom([1400, 1700]);
    await statsOf(el, [1400, 1700], 301);
    expect(el.firstNonFinite).to.deep.equal({ step: 1500, time: BASE_TIME + 1_500_000 });
    await waitFor(() => el.nonFiniteMark?.x === 1500, 'the mark to move');
    expect(el.nonFiniteMark!.label).to.equal('first +Inf');
    expect(shadow(el).querySelector('[part="first-non-finite"] button')!.textContent!.trim()).to.equal('First NaN/Inf: step 1,500 · 2026-01-01 00:25:00 UTC');
  });

  it('says there is no NaN/Inf, with no button, for a finite series', async () => {
    const run = uniqueRun('finite');
    const points = Array.from({ length: 300 }, (_, i) => ({ step: i, value: 1 + i / 300 }));
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run);
    await ready(el);
    await statsOf(el, undefined, points.length);
    expect(el.firstNonFinite).to.equal(undefined);
    expect(el.rangeStats!.firstNonFinite).to.equal(undefined);
    expect(shadow(el).querySelector('[part="first-non-finite"] button')).to.equal(null);
    expect(shadow(el).querySelector('[part="first-non-finite"]')!.textContent!.trim()).to.equal('First NaN/Inf: none in the visible range.');
    expect(el.nonFiniteMark).to.equal(undefined);
  });

  it('reports a NaN at step 0 as step 0', async () => {
    const run = uniqueRun('nan0');
    const points = Array.from({ length: 300 }, (_, i) => ({ step: i, value: i === 0 ? NaN : 1 + i / 300 }));
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run);
    await ready(el);
    await statsOf(el, undefined, points.length);
    expect(el.firstNonFinite).to.deep.equal({ step: 0, time: BASE_TIME });
    const button = shadow(el).querySelector<HTMLButtonElement>('[part="first-non-finite"] button')!;
    expect(button.textContent!.trim()).to.equal('First NaN/Inf: step 0 · 2026-01-01 00:00:00 UTC');
    const event = oneEvent(el, 'trainwatch-zoom-change');
    button.click();
    expect(((await event) as CustomEvent<ZoomChangeDetail>).detail).to.deep.equal({ from: 0, to: 25, axis: 'step' });
  });

  it('zooms to the first NaN/Inf on the time axis, from the keyboard', async () => {
    const run = uniqueRun('nantime');
    const k = 640;
    // Two seconds per step: the window is the time of 25 steps on each side.
    const points: Point[] = Array.from({ length: 1000 }, (_, i) => ({ step: i, value: i === k ? -Infinity : 2 - i / 1000, time: BASE_TIME + i * 2000 }));
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run, { xAxis: 'time' });
    await ready(el);
    await statsOf(el, undefined, points.length);
    const at = BASE_TIME + k * 2000;
    expect(el.firstNonFinite).to.deep.equal({ step: k, time: at });
    const button = shadow(el).querySelector<HTMLButtonElement>('[part="first-non-finite"] button')!;
    expect(button.textContent!.trim()).to.equal(`First NaN/Inf: step 640 · ${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    await waitFor(() => el.nonFiniteMark, 'the mark');
    expect(el.nonFiniteMark).to.deep.equal({ x: at / 1000, label: 'first -Inf' });
    const event = oneEvent(el, 'trainwatch-zoom-change');
    button.focus();
    expect(shadow(el).activeElement).to.equal(button);
    await sendKeys({ press: 'Enter' });
    expect(((await event) as CustomEvent<ZoomChangeDetail>).detail).to.deep.equal({ from: at / 1000 - 50, to: at / 1000 + 50, axis: 'time' });
    const zoomed = points.filter((p) => p.time! >= at - 50_000 && p.time! <= at + 50_000);
    expect(zoomed.map((p) => p.step)).to.include(k);
    await statsOf(el, [at / 1000 - 50, at / 1000 + 50], zoomed.length);
    expect(el.firstNonFinite).to.deep.equal({ step: k, time: at });
  });

  it('sends statistics SQL that does not depend on the values asked for', () => {
    const a = statsQuery({ run: 'a', metric: 'loss', host: '', axis: 'step' });
    const b = statsQuery({ run: "b'); DROP", metric: 'grad_norm', host: 'h', axis: 'time', range: [10, 20] });
    expect(a.sql).to.equal(b.sql);
    expect(b.params.run).to.equal("b'); DROP");
  });

  it('is accessible when ready and releases everything when removed', async () => {
    const run = uniqueRun('a11y');
    const points = lossPoints(500);
    await insertPoints(run, 'loss', points);
    const el = await detailFor(run);
    await ready(el);
    await statsOf(el, undefined, 504);
    await expect(el).to.be.accessible();
    // The plot's description: the line in words; the statistics, spikes and checkpoints are text next to it.
    const expected = expectedStats(points);
    const summary = shadow(el).querySelector('#summary')!.textContent!;
    const [, latest, lowest, highest] = summary.match(/^loss: latest ([\d.]+) at step 499; overall lowest ([\d.]+), highest ([\d.]+); 4 NaN\/Inf overall\.$/) ?? [];
    expect(Number(latest), summary).to.be.closeTo(points[499].value, 1e-3);
    expect(Number(lowest)).to.be.closeTo(expected.min, 1e-3);
    expect(Number(highest)).to.be.closeTo(expected.max, 1e-3);
    expect(shadow(el).querySelector('[part="stats"]')!.getAttribute('aria-label')).to.equal('Statistics of the visible range');
    expect(shadow(el).querySelector('[part="spikes"]')!.textContent).to.contain('none in the visible range');
    el.remove();
    expect(el.holdsResources).to.equal(false);
  });
});
