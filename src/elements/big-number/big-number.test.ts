import { expect, fixture, fixtureCleanup } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { FixtureSource } from '../../sources/fixture-source.js';
import { liveStores, registerTransport } from '../../store/registry.js';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import type { BigNumber } from './big-number.component.js';
import './big-number.js';

registerTransport('fixture:', (config) => FixtureSource.fromUrl(config.url));

const GREEN = 'rgb(26, 127, 55)';
const YELLOW = 'rgb(154, 103, 0)'; // #9a6700: 4.9:1 on white (#bf8700 was 3.1:1)
const RED = 'rgb(207, 34, 46)';
const GREY = 'rgb(101, 109, 118)'; // the light theme's muted text

/** Points ending `endAgo` ms before now, `spacing` ms apart, values from `f`. */
function recent(n: number, f: (i: number) => number, spacing = 1000, endAgo = 0): Point[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({ step: i, value: f(i), time: now - endAgo - (n - 1 - i) * spacing }));
}

async function mount(attrs: Record<string, string>): Promise<BigNumber> {
  const el = document.createElement('big-number');
  el.setAttribute('src', SOURCE_URL);
  el.setAttribute('theme', 'light');
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  return fixture<BigNumber>(el);
}

async function ready(el: BigNumber): Promise<BigNumber> {
  await waitFor(() => el.state === 'ready', `the ready state of <big-number run="${el.run}">`);
  await el.updateComplete;
  return el;
}

const $ = (el: BigNumber, selector: string) => el.shadowRoot!.querySelector<HTMLElement>(selector);
const $$ = (el: BigNumber, selector: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
const valueText = (el: BigNumber) => $(el, '[part="value"]')?.textContent?.trim();
const valueColor = (el: BigNumber) => getComputedStyle($(el, '[part="value"]')!).color;

describe('<big-number>', () => {
  afterEach(() => fixtureCleanup());

  it('has documented defaults, and attributes and properties agree', async () => {
    const el = await fixture<BigNumber>(document.createElement('big-number'));
    expect(el.metric).to.equal('');
    expect(el.aggregate).to.equal('last');
    expect(el.direction).to.equal('higher-is-better');
    expect(el.staleAfter).to.equal(undefined);
    expect(el.window).to.equal(undefined);
    expect(el.state).to.equal('empty');
    expect($(el, '.message')!.textContent).to.contain('No run selected');
    el.setAttribute('stale-after', '1h');
    el.setAttribute('decimals', '2');
    el.setAttribute('thresholds', '1,2');
    await el.updateComplete;
    expect(el.staleAfter).to.equal('1h');
    expect(el.decimals).to.equal(2);
    el.metric = 'tokens_per_s';
    el.window = '1h';
    el.direction = 'lower-is-better';
    await el.updateComplete;
    expect(el.getAttribute('metric')).to.equal('tokens_per_s');
    expect(el.getAttribute('window')).to.equal('1h');
    expect(el.getAttribute('direction')).to.equal('lower-is-better');
    expect(liveStores()).to.have.length(0);
  });

  it('shows the latest point by step, formatted with the unit column, and the unit attribute overrides it', async () => {
    const run = uniqueRun('bn-latest');
    const now = Date.now();
    // Step 9 was written last in time but step 10 is the latest point.
    await insertPoints(run, 'tokens_per_s', [
      { step: 8, value: 398_000, time: now - 3000 },
      { step: 10, value: 412_345, time: now - 2000 },
      { step: 9, value: 1, time: now - 1000 },
    ], { unit: 'tok/s' });
    await insertPoints(run, 'tokens_total', [{ step: 10, value: 3_204_118_272, time: now }], { unit: 'tok' });
    const el = await ready(await mount({ run, metric: 'tokens_per_s' }));
    expect(valueText(el)).to.equal('412k tok/s');
    expect($(el, '.title')!.textContent).to.equal('tokens_per_s');
    expect($(el, '.age')!.textContent).to.match(/^step 10 · \d+s ago$/);
    el.unit = 'samples/s';
    el.label = 'Throughput';
    await el.updateComplete;
    expect(valueText(el)).to.equal('412k samples/s');
    expect($(el, '.title')!.textContent).to.equal('Throughput');
    const total = await ready(await mount({ run, metric: 'tokens_total' }));
    expect(valueText(total)).to.equal('3.2B tok');
    total.decimals = 0;
    await total.updateComplete;
    expect(valueText(total)).to.equal('3,204,118,272 tok');
  });

  it('colours the value green / yellow / red by the thresholds in both directions, at a threshold on the better side', async () => {
    const [low, high] = [70, 90];
    const expected = (v: number, dir: string) =>
      dir === 'lower-is-better' ? (v <= low ? GREEN : v <= high ? YELLOW : RED) : v >= high ? GREEN : v >= low ? YELLOW : RED;
    const values = [95, 90, 80, 70, 50];
    const runs = await Promise.all(
      values.map(async (v) => {
        const run = uniqueRun('bn-thr');
        await insertPoints(run, 'util', recent(3, (i) => (i === 2 ? v : 0)), { unit: '%' });
        return run;
      }),
    );
    for (const direction of ['higher-is-better', 'lower-is-better']) {
      const els = await Promise.all(runs.map((run) => mount({ run, metric: 'util', thresholds: `${low},${high}`, direction })));
      await Promise.all(els.map(ready));
      els.forEach((el, i) => {
        expect(valueText(el)).to.equal(`${values[i]}%`);
        expect(valueColor(el), `${values[i]} ${direction}`).to.equal(expected(values[i], direction));
      });
    }
    // One threshold splits green from red; the order of two does not matter.
    const one = await ready(await mount({ run: runs[2], metric: 'util', thresholds: '85' }));
    expect(valueColor(one)).to.equal(RED);
    const reversed = await ready(await mount({ run: runs[2], metric: 'util', thresholds: '90,70' }));
    expect(valueColor(reversed)).to.equal(YELLOW);
  });

  it('greys out a stale value whatever its thresholds say, and a run without data', async () => {
    const stale = uniqueRun('bn-stale');
    const fresh = uniqueRun('bn-fresh');
    await insertPoints(stale, 'util', recent(3, () => 99, 1000, 10 * 60_000));
    await insertPoints(fresh, 'util', recent(3, () => 99));
    const el = await ready(await mount({ run: stale, metric: 'util', thresholds: '70,90' }));
    expect(valueText(el)).to.equal('99');
    expect(valueColor(el)).to.equal(GREY);
    expect($(el, '.age')!.textContent).to.match(/10m( \d+s)? ago · stale$/);
    el.staleAfter = '1h';
    await el.updateComplete;
    expect(valueColor(el)).to.equal(GREEN);
    const several = await ready(await mount({ run: `${fresh},missing-${stale}`, metric: 'util', thresholds: '70,90' }));
    const values = $$(several, '[part="value"]');
    expect(values.map((v) => v.textContent!.trim())).to.deep.equal(['99', '–']);
    expect(values.map((v) => getComputedStyle(v).color)).to.deep.equal([GREEN, GREY]);
    expect($$(several, '.name').map((n) => n.textContent!.trim())).to.deep.equal([fresh, `missing-${stale}`]);
  });

  it('shows a NaN or infinite latest value as such, in red', async () => {
    const nanRun = uniqueRun('bn-nan');
    const infRun = uniqueRun('bn-inf');
    await insertPoints(nanRun, 'loss', recent(4, (i) => (i === 3 ? NaN : 2)));
    await insertPoints(infRun, 'loss', recent(4, (i) => (i === 3 ? Infinity : 2)));
    for (const direction of ['higher-is-better', 'lower-is-better']) {
      const nan = await ready(await mount({ run: nanRun, metric: 'loss', thresholds: '1,3', direction }));
      expect(valueText(nan)).to.equal('NaN');
      expect(valueColor(nan)).to.equal(RED);
      const inf = await ready(await mount({ run: infRun, metric: 'loss', direction }));
      expect(valueText(inf)).to.equal('+Inf');
      expect(valueColor(inf)).to.equal(RED);
    }
  });

  it('counts every point by default with aggregate="count", and takes the max over the window', async () => {
    const run = uniqueRun('bn-agg');
    // 20 points a minute apart: the last 15 minutes hold the newest 16 (0 … 15 minutes back).
    const points = recent(20, (i) => (i === 2 ? 500 : i), 60_000);
    await insertPoints(run, 'checkpoint.saved', points, { unit: 'B' });
    const newest = points.at(-1)!.time!;
    const inWindow = points.filter((p) => p.time! >= newest - 15 * 60_000);
    const count = await ready(await mount({ run, metric: 'checkpoint.saved', aggregate: 'count' }));
    expect(valueText(count)).to.equal(String(points.length));
    expect($(count, '.caption')!.textContent).to.contain('count over all points');
    expect($(count, '.age')!.classList.contains('stale'), 'counts are never stale by default').to.equal(false);
    expect($(count, '[part="sparkline"]')!.getAttribute('aria-label')).to.contain('running count over all');
    count.window = '15m';
    await waitFor(() => valueText(count) === String(inWindow.length), 'the count over 15 minutes');
    const max = await ready(await mount({ run, metric: 'checkpoint.saved', aggregate: 'max', window: '15m', unit: '' }));
    expect(valueText(max)).to.equal(String(Math.max(...inWindow.map((p) => p.value))));
    max.window = 'all';
    await waitFor(() => valueText(max) === '500', 'the max over all points');
  });

  it('draws one sparkline point per bucket with data, and the change over the window', async () => {
    const run = uniqueRun('bn-spark');
    // 15m window = 60 buckets of 15 s; points 40 s apart never share one.
    const points = recent(40, (i) => 100 + i, 40_000);
    await insertPoints(run, 'tokens_per_s', points);
    const newest = points.at(-1)!;
    const inWindow = points.filter((p) => p.time! >= newest.time! - 15 * 60_000);
    const el = await ready(await mount({ run, metric: 'tokens_per_s' }));
    const spark = $(el, '[part="sparkline"]')!;
    expect(Number(spark.getAttribute('data-points'))).to.equal(inWindow.length);
    expect(spark.querySelector('path')!.getAttribute('d')!.match(/[ML]/g)).to.have.length(inWindow.length);
    const percent = ((newest.value - inWindow[0].value) / inWindow[0].value) * 100;
    expect($(el, '.change')!.textContent).to.equal(`▲ ${+percent.toPrecision(2)}%`);
    expect(getComputedStyle($(el, '.change')!).color).to.equal(GREEN);
    el.direction = 'lower-is-better';
    await el.updateComplete;
    expect(getComputedStyle($(el, '.change')!).color).to.equal(RED);
  });

  it('reads one host’s points with the host attribute, every host without it', async () => {
    const run = uniqueRun('bn-host');
    const a = [12, 14, 16];
    const b = [70, 60, 50, 40];
    await insertPoints(run, 'sys.cpu_percent', recent(a.length, (i) => a[i], 1000, 5000), { host: 'node-a', unit: '%' });
    await insertPoints(run, 'sys.cpu_percent', recent(b.length, (i) => b[i]), { host: 'node-b', unit: '%' });
    const el = await ready(await mount({ run, metric: 'sys.cpu_percent', aggregate: 'max', window: 'all', host: 'node-a' }));
    expect(el.shownHost).to.equal('node-a');
    expect(el.values.map((v) => [v.value, v.last, v.count])).to.deep.equal([[Math.max(...a), a.at(-1), a.length]]);
    expect($(el, '.header .meta')!.textContent).to.equal('host node-a');
    el.host = '';
    await waitFor(() => el.values[0]?.count === a.length + b.length, 'every host');
    // The latest point of all: node-b's, at the highest step.
    expect(el.values.map((v) => [v.value, v.last])).to.deep.equal([[Math.max(...a, ...b), b.at(-1)]]);
    expect($(el, '.header .meta')).to.equal(null);
    el.host = 'node-x';
    await waitFor(() => el.state === 'empty', 'the empty state of an unknown host');
    expect(el.stateMessage).to.equal(`No "sys.cpu_percent" points for run "${run}" on host "node-x".`);
  });

  it('shows a row per run when given several, each in its own order and colour', async () => {
    const a = uniqueRun('bn-a');
    const b = uniqueRun('bn-b');
    await insertPoints(a, 'data.bucket', recent(3, () => 2));
    await insertPoints(b, 'data.bucket', recent(3, (i) => i + 1));
    const el = await ready(await mount({ run: `${b},${a}`, metric: 'data.bucket' }));
    expect($$(el, '.name').map((n) => n.textContent!.trim())).to.deep.equal([b, a]);
    expect($$(el, '[part="value"]').map((v) => v.textContent!.trim())).to.deep.equal(['3', '2']);
    expect($$(el, '[part="sparkline"]')).to.have.length(2);
  });

  it('shows loading, empty and error states', async () => {
    const loading = await mount({ src: 'fixture:loading', run: 'r', metric: 'm' });
    expect(loading.state).to.equal('loading');
    expect($(loading, '.message')!.textContent).to.equal('Loading…');
    const empty = await mount({ run: uniqueRun('bn-none'), metric: 'tokens_per_s' });
    await waitFor(() => empty.state === 'empty', 'the empty state');
    expect($(empty, '.message')!.textContent).to.contain('No "tokens_per_s" points for run');
    const noMetric = await mount({ run: 'r' });
    expect($(noMetric, '.message')!.textContent).to.contain('No metric selected');
    const error = await mount({ src: 'http://127.0.0.1:9', run: 'r', metric: 'm' });
    await waitFor(() => error.state === 'error', 'the error state');
    expect($(error, '[role="alert"]')!.textContent).to.contain('Cannot reach ClickHouse at http://127.0.0.1:9');
  });

  it('explains invalid attributes instead of throwing, and queries nothing', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ thresholds: 'high,90' }, 'thresholds must be one or two numbers'],
      [{ thresholds: '1,2,3' }, 'thresholds must be one or two numbers'],
      [{ window: 'banana' }, 'Invalid window "banana"'],
      [{ aggregate: 'median' }, 'aggregate must be one of last, count, sum, max, mean'],
      [{ direction: 'up' }, 'direction must be higher-is-better or lower-is-better'],
      [{ 'stale-after': 'soon' }, 'stale-after must be a duration'],
      [{ decimals: '-1' }, 'decimals must be a whole number from 0 to 10'],
    ];
    for (const [attrs, message] of cases) {
      const el = await mount({ run: 'r', metric: 'm', ...attrs });
      expect(el.state).to.equal('error');
      expect($(el, '[role="alert"]')!.textContent).to.contain(message);
    }
    expect(liveStores()).to.have.length(0);
  });

  it('shows markup in data as text', async () => {
    const markup = '<img src=x onerror=alert(1)>';
    const run = uniqueRun(markup);
    await insertPoints(run, markup, recent(2, () => 5), { unit: markup });
    const el = await ready(await mount({ run: `${run},other`, metric: markup }));
    expect($(el, '.title')!.textContent).to.equal(markup);
    expect(valueText(el)).to.equal(`5 ${markup}`);
    expect($$(el, '.name')[0].textContent!.trim()).to.equal(run);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });

  it('releases its timer and subscription when removed', async () => {
    const run = uniqueRun('bn-teardown');
    await insertPoints(run, 'x', recent(2, () => 1));
    const el = await ready(await mount({ run, metric: 'x' }));
    expect(el.holdsResources).to.equal(true);
    expect(liveStores()).to.have.length(1);
    fixtureCleanup();
    expect(el.holdsResources).to.equal(false);
    expect(liveStores()).to.have.length(0);
  });

  it('is accessible', async () => {
    const run = uniqueRun('bn-a11y');
    await insertPoints(run, 'x', recent(5, (i) => i));
    const el = await ready(await mount({ run, metric: 'x', thresholds: '1,2' }));
    await expect(el).to.be.accessible();
  });
});
