import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { countRows, insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import type { BigNumber } from '../big-number/big-number.component.js';
import { bigNumberQuery } from '../big-number/big-number.queries.js';
import '../big-number/big-number.js';
import type { CheckpointTable } from '../checkpoint-table/checkpoint-table.component.js';
import '../checkpoint-table/checkpoint-table.js';
import type { GpuUtil } from '../gpu-util/gpu-util.component.js';
import { gridQuery, idleQuery } from '../gpu-util/gpu-util.queries.js';
import '../gpu-util/gpu-util.js';
import type { MilestoneBar } from '../milestone-bar/milestone-bar.component.js';
import '../milestone-bar/milestone-bar.js';
import type { MoeHeatmap } from '../moe-heatmap/moe-heatmap.component.js';
import '../moe-heatmap/moe-heatmap.js';
import type { MoeTokens } from '../moe-tokens/moe-tokens.component.js';
import '../moe-tokens/moe-tokens.js';
import type { RunPicker } from '../run-picker/run-picker.component.js';
import '../run-picker/run-picker.js';
import type { SampleViewer } from '../sample-viewer/sample-viewer.component.js';
import '../sample-viewer/sample-viewer.js';
import type { TimeRange } from '../time-range/time-range.component.js';
import '../time-range/time-range.js';
import { liveStores } from '../../store/registry.js';
import type { HostPicker } from './host-picker.component.js';
import { hostsQuery } from './host-picker.queries.js';
import './host-picker.js';
import type { TrainwatchFilters } from './trainwatch-filters.component.js';
import './trainwatch-filters.js';

/** Past times only: the run picker tests expect their own (future) runs to be the newest. */
const T0 = Date.UTC(2026, 0, 3);

/** `n` loss points one second apart, values `value(i)`; returns the run. */
async function lossRun(prefix: string, n: number, value: (i: number) => number): Promise<string> {
  const run = uniqueRun(prefix);
  await insertPoints(run, 'loss', Array.from({ length: n }, (_, i) => ({ step: i, value: value(i), time: T0 + i * 1000 })));
  return run;
}

/** Points of the last `seconds` of a run logged every second for `n` seconds (the window starts at newest − seconds). */
const inLast = (n: number, seconds: number) => Math.min(n, seconds + 1);

const inside = <T extends Element>(root: Element, selector: string) => root.querySelector<T>(selector)!;

async function value(el: BigNumber, run: string): Promise<number> {
  await waitFor(() => el.state === 'ready' && el.values.some((v) => v.run === run), `<big-number> to show ${run.slice(0, 60)} (state ${el.state}: ${el.stateMessage})`, 10_000);
  return el.values.find((v) => v.run === run)!.value;
}

async function shows(el: BigNumber, runs: string[], what: (v: BigNumber['values'][number]) => number, expected: number[]) {
  await waitFor(
    () => el.state === 'ready' && JSON.stringify(el.values.map((v) => v.run)) === JSON.stringify([...runs].sort()) && JSON.stringify([...runs].sort().map((r) => what(el.values.find((v) => v.run === r)!))) === JSON.stringify(expected),
    `<big-number> to show ${JSON.stringify(expected)} for ${runs.length} run(s); it shows ${JSON.stringify(el.values.map((v) => [v.run, what(v)]))} (${el.state}: ${el.stateMessage})`,
    10_000,
  );
}

const radios = (el: TimeRange) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[role="radio"]')];
const checked = (el: TimeRange) => radios(el).filter((r) => r.getAttribute('aria-checked') === 'true').map((r) => r.textContent!.trim());
const badge = (el: RunPicker, run: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button[part="badge"]')].find((b) => b.querySelector('.name')!.textContent === run);
const pressed = (el: RunPicker) =>
  [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button[aria-pressed="true"]')].map((b) => b.querySelector('.name')!.textContent);

describe('<trainwatch-filters>', () => {
  const original = location.href;

  afterEach(() => {
    fixtureCleanup();
    history.replaceState(null, '', original);
    expect(liveStores()).to.have.length(0);
  });

  it('hands its run to every element inside that has none', async () => {
    const run = await lossRun('filters-run', 3, (i) => 1 / (i + 2));
    const root = await fixture<HTMLDivElement>(html`<div>
      <trainwatch-filters run=${run}>
        <big-number src=${SOURCE_URL} metric="loss" poll-interval="300"></big-number>
        <gpu-util src=${SOURCE_URL} style="width: 600px" poll-interval="300"></gpu-util>
        <checkpoint-table src=${SOURCE_URL} poll-interval="300"></checkpoint-table>
        <milestone-bar src=${SOURCE_URL} poll-interval="300"></milestone-bar>
        <sample-viewer src=${SOURCE_URL} poll-interval="300"></sample-viewer>
        <moe-heatmap src=${SOURCE_URL} poll-interval="300"></moe-heatmap>
        <moe-tokens src=${SOURCE_URL} poll-interval="300"></moe-tokens>
      </trainwatch-filters>
      <big-number class="outside" src=${SOURCE_URL} metric="loss"></big-number>
    </div>`);
    const filters = inside<TrainwatchFilters>(root, 'trainwatch-filters');
    // The last loss point: 1 / (2 + 2).
    expect(await value(inside<BigNumber>(filters, 'big-number'), run)).to.equal(0.25);
    // The others have no data of their kind for this run, and say so naming it: they asked for it.
    for (const tag of ['gpu-util', 'checkpoint-table', 'milestone-bar', 'sample-viewer', 'moe-heatmap', 'moe-tokens']) {
      const el = inside<GpuUtil | CheckpointTable | MilestoneBar | SampleViewer | MoeHeatmap | MoeTokens>(filters, tag);
      await waitFor(() => el.state === 'empty' && el.stateMessage.includes(`"${run}"`), `<${tag}> to name the filters' run (state ${el.state}: ${el.stateMessage})`, 10_000);
      expect(el.run).to.equal('', `<${tag}>'s own run stays unset`);
    }
    // Outside the filters nothing is handed down.
    const outside = inside<BigNumber>(root, '.outside');
    await waitFor(() => outside.state === 'empty', 'the element outside');
    expect(outside.stateMessage).to.equal('No run selected: set the run attribute.');
  });

  it('lets an element’s own run and window win', async () => {
    const a = await lossRun('filters-own-a', 60, () => 1);
    const b = await lossRun('filters-own-b', 30, () => 2);
    const root = await fixture<TrainwatchFilters>(html`<trainwatch-filters run=${a} window="all">
      <big-number class="inherits" src=${SOURCE_URL} metric="loss" aggregate="count" poll-interval="300"></big-number>
      <big-number class="own-window" src=${SOURCE_URL} metric="loss" aggregate="count" window="10s" poll-interval="300"></big-number>
      <big-number class="own-run" src=${SOURCE_URL} run=${b} metric="loss" aggregate="count" poll-interval="300"></big-number>
    </trainwatch-filters>`);
    await shows(inside<BigNumber>(root, '.inherits'), [a], (v) => v.value, [60]);
    await shows(inside<BigNumber>(root, '.own-window'), [a], (v) => v.value, [inLast(60, 10)]);
    // Its own run, the filters' window.
    await shows(inside<BigNumber>(root, '.own-run'), [b], (v) => v.value, [30]);
  });

  it('layers inner filters over outer ones, field by field', async () => {
    const a = await lossRun('filters-outer', 40, () => 1);
    const b = await lossRun('filters-inner', 50, () => 1);
    const root = await fixture<TrainwatchFilters>(html`<trainwatch-filters run=${a} window="5s" host="">
      <big-number class="outer" src=${SOURCE_URL} metric="loss" aggregate="count" poll-interval="300"></big-number>
      <trainwatch-filters run=${b}>
        <big-number class="inner" src=${SOURCE_URL} metric="loss" aggregate="count" poll-interval="300"></big-number>
      </trainwatch-filters>
    </trainwatch-filters>`);
    const inner = inside<TrainwatchFilters>(root, 'trainwatch-filters');
    await shows(inside<BigNumber>(root, '.outer'), [a], (v) => v.value, [inLast(40, 5)]);
    // The inner run, the outer window.
    await shows(inside<BigNumber>(root, '.inner'), [b], (v) => v.value, [inLast(50, 5)]);
    expect(inner.filters).to.deep.equal({ run: b, window: '5s' });
    // The outer window changes: the inner filters say so, and their elements follow it too.
    const innerChange = oneEvent(inner, 'trainwatch-filters-change');
    root.window = '20s';
    expect((await innerChange).detail).to.deep.equal({ run: b, host: '', window: '20s' });
    await shows(inside<BigNumber>(root, '.inner'), [b], (v) => v.value, [inLast(50, 20)]);
  });

  it('moves its elements when it changes, and says so once per change', async () => {
    const a = await lossRun('filters-move-a', 10, (i) => i);
    const b = await lossRun('filters-move-b', 10, (i) => 100 + i);
    const root = await fixture<TrainwatchFilters>(html`<trainwatch-filters run=${a}>
      <big-number src=${SOURCE_URL} metric="loss" poll-interval="300"></big-number>
    </trainwatch-filters>`);
    const number = inside<BigNumber>(root, 'big-number');
    expect(await value(number, a)).to.equal(9);
    const changes: unknown[] = [];
    root.addEventListener('trainwatch-filters-change', (e) => changes.push(e.detail));
    root.run = `${a},${b}`;
    await shows(number, [a, b], (v) => v.value, [a, b].sort().map((r) => (r === a ? 9 : 109)));
    root.run = b;
    root.window = '3s';
    await shows(number, [b], (v) => v.count, [inLast(10, 3)]);
    expect(changes).to.deep.equal([
      { run: `${a},${b}`, host: '', window: '' },
      { run: b, host: '', window: '3s' },
    ]);
  });

  it('with url-sync reads the URL at load, over its attributes, and leaves the other parameters alone', async () => {
    const a = await lossRun('filters-url-a', 30, () => 1);
    const b = await lossRun('filters-url-b', 30, () => 2);
    const url = new URL(original);
    const search = `${url.search}&keep=1&x=a%20b+c&tw-run=${encodeURIComponent(a)}&tw-window=10s`;
    history.replaceState(null, '', `${url.pathname}${search}#frag`);
    const root = await fixture<TrainwatchFilters>(html`<trainwatch-filters url-sync url-prefix="tw-" run=${b} window="all">
      <big-number src=${SOURCE_URL} metric="loss" aggregate="count" poll-interval="300"></big-number>
    </trainwatch-filters>`);
    const number = inside<BigNumber>(root, 'big-number');
    await shows(number, [a], (v) => v.value, [inLast(30, 10)]);
    expect(root.filters).to.deep.equal({ run: a, window: '10s' });
    // Nothing changed: the URL is as the page left it, byte for byte.
    expect(location.search).to.equal(search);
    expect(location.hash).to.equal('#frag');
    // Without url-sync the URL is not read.
    const plain = await fixture<TrainwatchFilters>(html`<trainwatch-filters url-prefix="tw-" run=${b}></trainwatch-filters>`);
    expect(plain.filters).to.deep.equal({ run: b });
    // Once removed, it no longer listens to the history.
    root.remove();
    history.replaceState(null, '', `${url.pathname}${url.search}&tw-run=other`);
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect(root.run).to.equal(a);
  });

  it('with url-sync writes the controls’ changes to the URL, and back / forward restores them', async () => {
    const a = await lossRun('filters-sync-a', 30, () => 1);
    const b = await lossRun('filters-sync-b', 30, () => 2);
    const url = new URL(original);
    const before = `${url.search}&keep=1&q=%E2%9C%93`;
    history.replaceState(null, '', `${url.pathname}${before}#section-2`);
    const root = await fixture<TrainwatchFilters>(html`<trainwatch-filters url-sync url-prefix="tw-" run=${a}>
      <run-picker src=${SOURCE_URL} limit="1000" poll-interval="300"></run-picker>
      <time-range></time-range>
      <big-number src=${SOURCE_URL} metric="loss" aggregate="count" poll-interval="300"></big-number>
    </trainwatch-filters>`);
    const picker = inside<RunPicker>(root, 'run-picker');
    const range = inside<TimeRange>(root, 'time-range');
    const number = inside<BigNumber>(root, 'big-number');
    // The filters had no window: the time range gives them its own, so the elements show what it says;
    // the URL gets the whole view, after the page's parameters.
    await waitFor(() => root.window === '1h', 'the time range to set the window');
    await root.updateComplete;
    expect(location.search).to.equal(`${before}&tw-run=${a}&tw-window=1h`);
    await shows(number, [a], (v) => v.value, [30]);
    // The picker shows the filters' run (its own selection was never set).
    await waitFor(() => badge(picker, b), 'the picker to list the runs', 10_000);
    await picker.updateComplete;
    expect(pressed(picker)).to.deep.equal([a]);

    // A click in the picker: the filters, the elements and the URL follow.
    badge(picker, b)!.click();
    await waitFor(() => root.run === `${a},${b}`, 'the picker to set the filters');
    await shows(number, [a, b], (v) => v.value, [a, b].sort().map(() => 30));
    await root.updateComplete;
    // In place, the comma readable.
    const afterPick = `${before}&tw-run=${a},${b}&tw-window=1h`;
    expect(location.search).to.equal(afterPick);
    expect(location.hash).to.equal('#section-2');
    await picker.updateComplete;
    expect(pressed(picker).sort()).to.deep.equal([a, b].sort());

    // A click in the time range.
    radios(range).find((r) => r.textContent!.trim() === '15m')!.click();
    await waitFor(() => root.window === '15m', 'the time range to set the window');
    await root.updateComplete;
    const afterRange = `${before}&tw-run=${a},${b}&tw-window=15m`;
    expect(location.search).to.equal(afterRange);
    expect(location.hash).to.equal('#section-2');
    await range.updateComplete;
    expect(checked(range)).to.deep.equal(['15m']);

    // Another entry in the history (a page's own navigation), then back to it and back again.
    history.pushState(null, '', `${url.pathname}${url.search}&tw-run=${b}&tw-window=5s#elsewhere`);
    history.pushState(null, '', `${url.pathname}${url.search}&unrelated=1`);
    let popped = oneEvent(window, 'popstate');
    history.back();
    await popped;
    await waitFor(() => root.run === b && root.window === '5s', `back: the filters to read the URL (run ${root.run}, window ${root.window})`);
    await shows(number, [b], (v) => v.value, [inLast(30, 5)]);
    await picker.updateComplete;
    await range.updateComplete;
    expect(pressed(picker)).to.deep.equal([b]);
    expect(checked(range)).to.deep.equal(['5s']);
    // Reading is not a change: that entry is left as it was.
    expect(location.search).to.equal(`${url.search}&tw-run=${b}&tw-window=5s`);
    popped = oneEvent(window, 'popstate');
    history.back();
    await popped;
    await waitFor(() => root.run === `${a},${b}` && root.window === '15m', 'back again: the first view');
    await shows(number, [a, b], (v) => v.value, [30, 30]);
    expect(location.search).to.equal(afterRange);
  });

  it('restricts <gpu-util> and <big-number> to the filters’ host, which a <host-picker> sets', async () => {
    const run = uniqueRun('filters-host');
    const util = (host: string, device: number, value: (i: number) => number) =>
      insertPoints(run, `sys.gpu.${device}.util_percent`, Array.from({ length: 30 }, (_, i) => ({ step: i, value: value(i), time: T0 + i * 10_000 })), {
        host,
        device,
        rank: device,
        unit: '%',
      });
    const gpus: Record<string, Array<(i: number) => number>> = {
      'node-a': [(i) => (i % 5) * 10, (i) => 40 + (i % 3)],
      'node-b': [(i) => 80 + (i % 2) * 10, () => 97],
    };
    for (const [host, devices] of Object.entries(gpus)) for (const [device, f] of devices.entries()) await util(host, device, f);
    // Host-wide CPU: node-b reports longer, so its point is the run's latest.
    const cpu = { 'node-a': Array.from({ length: 20 }, (_, i) => 10 + i), 'node-b': Array.from({ length: 25 }, (_, i) => 50 + i) };
    for (const [host, values] of Object.entries(cpu)) {
      await insertPoints(run, 'sys.cpu_percent', values.map((value, i) => ({ step: i, value, time: T0 + i * 10_000 })), { host, unit: '%' });
    }
    const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
    const seriesMean = (host: string) => gpus[host].map((f) => mean(Array.from({ length: 30 }, (_, i) => f(i))));
    const fleetMean = (hosts: string[]) => mean(hosts.flatMap(seriesMean));

    const root = await fixture<TrainwatchFilters>(html`<trainwatch-filters run=${run} host="node-a" window="all">
      <host-picker src=${SOURCE_URL} poll-interval="300"></host-picker>
      <gpu-util src=${SOURCE_URL} style="width: 600px" poll-interval="300"></gpu-util>
      <big-number class="last" src=${SOURCE_URL} metric="sys.cpu_percent" poll-interval="300"></big-number>
      <big-number class="mean" src=${SOURCE_URL} metric="sys.cpu_percent" aggregate="mean" poll-interval="300"></big-number>
      <big-number class="own" src=${SOURCE_URL} metric="sys.cpu_percent" host="node-b" poll-interval="300"></big-number>
    </trainwatch-filters>`);
    const heat = inside<GpuUtil>(root, 'gpu-util');
    const picker = inside<HostPicker>(root, 'host-picker');
    const hosts = () => [...new Set(heat.model?.series.map((s) => s.host))];
    const near = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) < 1e-9;

    await waitFor(() => heat.state === 'ready' && JSON.stringify(hosts()) === '["node-a"]', `the heatmap of node-a (state ${heat.state}: ${heat.stateMessage}; hosts ${hosts()})`, 10_000);
    expect(heat.model!.series.map((s) => s.label)).to.deep.equal(['node-a · GPU 0', 'node-a · GPU 1']);
    expect(heat.model!.mean).to.be.closeTo(fleetMean(['node-a']), 1e-9);
    expect(heat.shadowRoot!.querySelector('.meta')!.textContent).to.contain('host node-a');
    await shows(inside<BigNumber>(root, '.last'), [run], (v) => v.value, [cpu['node-a'].at(-1)!]);
    await shows(inside<BigNumber>(root, '.mean'), [run], (v) => v.value, [mean(cpu['node-a'])]);
    // Its own host wins.
    await shows(inside<BigNumber>(root, '.own'), [run], (v) => v.value, [cpu['node-b'].at(-1)!]);

    // The picker lists the run's hosts and shows the filters' one; choosing another moves the elements.
    await waitFor(() => picker.state === 'ready', `the host list (state ${picker.state}: ${picker.stateMessage})`);
    await picker.updateComplete;
    const select = picker.shadowRoot!.querySelector('select')!;
    expect([...select.options].map((o) => o.value)).to.deep.equal(['', 'node-a', 'node-b']);
    expect(select.value).to.equal('node-a');
    const change = oneEvent(picker, 'trainwatch-host-change');
    select.value = 'node-b';
    select.dispatchEvent(new Event('change'));
    expect((await change).detail).to.deep.equal({ host: 'node-b' });
    expect(root.host).to.equal('node-b');
    await waitFor(() => heat.state === 'ready' && JSON.stringify(hosts()) === '["node-b"]', 'the heatmap of node-b');
    expect(heat.model!.mean).to.be.closeTo(fleetMean(['node-b']), 1e-9);
    await shows(inside<BigNumber>(root, '.mean'), [run], (v) => v.value, [mean(cpu['node-b'])]);

    // "All hosts": every host again.
    select.value = '';
    select.dispatchEvent(new Event('change'));
    await waitFor(() => heat.state === 'ready' && hosts().length === 2, 'the heatmap of every host');
    expect(heat.model!.mean).to.be.closeTo(fleetMean(['node-a', 'node-b']), 1e-9);
    // The latest point of all: node-b's, at the highest step.
    await shows(inside<BigNumber>(root, '.last'), [run], (v) => v.value, [cpu['node-b'].at(-1)!]);
    await waitFor(() => near(inside<BigNumber>(root, '.mean').values[0]?.value, mean([...cpu['node-a'], ...cpu['node-b']])), 'the mean over every host');
    await picker.updateComplete;
    expect(select.value).to.equal('');
  });

  it('takes URL values as plain values: hostile text reaches the elements as bound parameters, never as SQL', async () => {
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent | PromiseRejectionEvent) => errors.push('reason' in e ? e.reason : e.error);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onError);
    const rowsBefore = await countRows();
    // Long, but not so long that the page's one request (every query carries its own copy) passes the
    // embedded server's and the relay's 16 KB request line (Node's header limit; ClickHouse's own is 1 MiB).
    const hostileRun = `x' OR 1=1 --{run:String}$1\${a}); DROP TABLE training_observability.metric_points; -- ${'r'.repeat(1000)}`;
    const hostileHost = `'); SELECT 1 --{host:String}$$`;
    const url = new URL(original);
    history.replaceState(null, '', `${url.pathname}${url.search}&tw-run=${encodeURIComponent(hostileRun)}&tw-host=${encodeURIComponent(hostileHost)}&tw-window=all`);
    try {
      const root = await fixture<TrainwatchFilters>(html`<trainwatch-filters url-sync url-prefix="tw-">
        <big-number src=${SOURCE_URL} metric="loss" poll-interval="300"></big-number>
        <gpu-util src=${SOURCE_URL} style="width: 600px" poll-interval="300"></gpu-util>
        <host-picker src=${SOURCE_URL} poll-interval="300"></host-picker>
      </trainwatch-filters>`);
      expect(root.filters).to.deep.equal({ run: hostileRun, host: hostileHost, window: 'all' });
      const number = inside<BigNumber>(root, 'big-number');
      const util = inside<GpuUtil>(root, 'gpu-util');
      const hosts = inside<HostPicker>(root, 'host-picker');
      // Each is a run / host that does not exist, and the elements say so in their own words.
      await waitFor(() => number.state === 'empty', `<big-number> (state ${number.state}: ${number.stateMessage.slice(0, 200)})`, 10_000);
      // Names are quoted as JSON strings clipped to 80 characters, so a 4 KB run makes a one-line message.
      const clipped = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
      expect(number.stateMessage).to.equal(`No "loss" points for run ${clipped(hostileRun)} on host ${clipped(hostileHost)}.`);
      await waitFor(() => util.state === 'empty', `<gpu-util> (state ${util.state}: ${util.stateMessage.slice(0, 200)})`, 10_000);
      expect(util.stateMessage).to.equal(`Run "${hostileRun}" not found in training_observability.metric_points.`);
      await waitFor(() => hosts.state === 'empty', `<host-picker> (state ${hosts.state}: ${hosts.stateMessage.slice(0, 200)})`, 10_000);
      // The chosen host is listed as text, not markup.
      const options = [...hosts.shadowRoot!.querySelectorAll('option')].map((o) => o.value);
      expect(options).to.deep.equal(['', hostileHost]);
      // The SQL is the same text whatever the values: they travel as parameters.
      const hostileParams = bigNumberQuery([hostileRun], 'loss', 0, 'last', hostileHost);
      expect(hostileParams.sql).to.equal(bigNumberQuery(['r1'], 'loss', 0, 'last', '').sql);
      expect(hostileParams.params).to.include({ host: hostileHost });
      const util1 = { run: hostileRun, host: hostileHost, metric: 'sys.gpu.*', window: 0, buckets: 10, idleThreshold: 10 };
      const util2 = { ...util1, run: 'r1', host: '' };
      expect(gridQuery(util1).sql).to.equal(gridQuery(util2).sql);
      expect(idleQuery(util1).sql).to.equal(idleQuery(util2).sql);
      expect(hostsQuery([hostileRun], 0).sql).to.equal(hostsQuery(['r1'], 60).sql);
      expect(await countRows()).to.be.at.least(rowsBefore);

      // An invalid window is the elements' error message; the time range checks nothing.
      const badWindow = `1h'); DROP TABLE x; --`;
      history.replaceState(null, '', `${url.pathname}${url.search}&tw-window=${encodeURIComponent(badWindow)}`);
      const second = await fixture<TrainwatchFilters>(html`<trainwatch-filters url-sync url-prefix="tw-" run="r1">
        <big-number src=${SOURCE_URL} metric="loss"></big-number>
        <gpu-util src=${SOURCE_URL} style="width: 600px"></gpu-util>
        <time-range></time-range>
      </trainwatch-filters>`);
      const message = `Invalid window "${badWindow}": use a duration such as 15m, 6h, 7d, or "all".`;
      const bad = [inside<BigNumber>(second, 'big-number'), inside<GpuUtil>(second, 'gpu-util')];
      for (const el of bad) {
        await waitFor(() => el.state === 'error', `${el.tagName} to refuse the window`);
        expect(el.stateMessage).to.equal(message);
        expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain(message);
      }
      const range = inside<TimeRange>(second, 'time-range');
      await range.updateComplete;
      expect(checked(range)).to.deep.equal([]);
      expect(radios(range)[0].tabIndex).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onError);
    }
  });
});
