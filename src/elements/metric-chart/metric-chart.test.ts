import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { countRows, insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { colorFor } from '../../chart/colors.js';
import { liveStores } from '../../store/registry.js';
import { MetricChart } from './metric-chart.component.js';
import './metric-chart.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
/** n points one minute apart; minutes fall on bucket edges at any bucket width the chart picks. */
const minutes = (n: number, f: (i: number) => number, from = T0): Point[] => Array.from({ length: n }, (_, i) => ({ step: i, value: f(i), time: from + i * MINUTE }));

async function chartFor(run: string, metric: string, attrs: Partial<Record<string, string>> = {}) {
  return fixture<MetricChart>(html`
    <metric-chart
      style="width: 640px"
      src=${attrs.src ?? SOURCE_URL}
      run=${run}
      metric=${metric}
      window=${attrs.window ?? 'all'}
      stat=${attrs.stat ?? ''}
      group-by=${attrs.groupBy ?? 'metric'}
      poll-interval="300"
    ></metric-chart>
  `);
}

const ready = (el: MetricChart) => waitFor(() => el.state === 'ready' && el.chartData, `${el.metric} to draw`);
const shadow = (el: MetricChart) => el.shadowRoot!;
const legendLabels = (el: MetricChart) => [...shadow(el).querySelectorAll('.legend .label')].map((n) => n.textContent);
const legendValues = (el: MetricChart) => [...shadow(el).querySelectorAll('.legend .value')].map((n) => n.textContent);

/** Quantile with linear interpolation between order statistics (numpy's default), written out here. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

describe('<metric-chart>', () => {
  afterEach(() => {
    fixtureCleanup();
    // With every test's elements gone, nothing may keep polling.
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults and reflects attributes to properties', async () => {
    const el = await fixture<MetricChart>(html`<metric-chart></metric-chart>`);
    expect(el.run).to.equal('');
    expect(el.metric).to.equal('');
    expect(el.window).to.equal(undefined);
    expect(el.shownWindow, 'no window and no page filter: everything').to.equal('all');
    expect(el.stat).to.equal('');
    expect(el.groupBy).to.equal('metric');
    expect(el.logScale).to.equal(false);
    expect(el.unit).to.equal(undefined);
    el.setAttribute('run', 'a, b ,a');
    el.setAttribute('metric', 'gsa.*, tokens_per_s');
    el.setAttribute('group-by', 'host');
    el.setAttribute('log-scale', '');
    el.setAttribute('unit', 'tok/s');
    await el.updateComplete;
    expect(el.runs).to.deep.equal(['a', 'b']);
    expect(el.patterns).to.deep.equal(['gsa.*', 'tokens_per_s']);
    expect(el.groupBy).to.equal('host');
    expect(el.logScale).to.equal(true);
    expect(el.unit).to.equal('tok/s');
    el.window = '15m';
    el.stat = 'p50,max';
    await el.updateComplete;
    expect(el.getAttribute('window')).to.equal('15m');
    expect(el.getAttribute('stat')).to.equal('p50,max');
    expect(el.query!.params.window).to.equal(900);
    expect(el.query!.params.across).to.equal(1);
    el.run = '';
    await el.updateComplete;
  });

  it('says what to set when there is no run or no metric', async () => {
    const el = await fixture<MetricChart>(html`<metric-chart metric="gsa.*"></metric-chart>`);
    expect(el.state).to.equal('empty');
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain('No run selected');
    el.run = 'r';
    el.metric = '';
    await el.updateComplete;
    expect(el.stateMessage).to.contain('No metric selected');
    expect(liveStores()).to.have.length(0);
  });

  it('shows loading until the first answer', async () => {
    const run = uniqueRun('loading');
    await insertPoints(run, 'gsa.sparsity', minutes(3, (i) => i));
    const el = await chartFor(run, 'gsa.*');
    expect(el.state).to.equal('loading');
    expect(shadow(el).querySelector('.overlay')!.textContent).to.equal('Loading…');
    await ready(el);
  });

  it('draws one line per metric and host of a pattern, named by the wildcard and host, with the latest value in its unit', async () => {
    const run = uniqueRun('net');
    const MiB = 1024 * 1024;
    const rows: Array<[string, string, number[]]> = [
      ['sys.net.eth0.sent_bytes_per_s', 'node-0', [1, 2, 3].map((v) => v * MiB)],
      ['sys.net.eth0.sent_bytes_per_s', 'node-1', [4, 5, 6.5].map((v) => v * MiB)],
      ['sys.net.eth0.recv_bytes_per_s', 'node-0', [100, 200, 512].map((v) => v * 1024)],
      ['sys.net.eth0.recv_bytes_per_s', 'node-1', [1, 1, 2048].map((v) => v * MiB)],
    ];
    for (const [metric, host, values] of rows) await insertPoints(run, metric, minutes(3, (i) => values[i]), { host, unit: 'B/s' });
    // Not matched by the pattern: other names, and the same name in another run.
    await insertPoints(run, 'sys.net.eth0.sent_bytes', minutes(3, () => 1), { host: 'node-0', unit: 'B' });
    await insertPoints(run, 'sys.cpu_percent', minutes(3, () => 50), { host: 'node-0', unit: '%' });
    await insertPoints(uniqueRun('other'), 'sys.net.eth0.sent_bytes_per_s', minutes(3, () => 9), { host: 'node-9' });

    const el = await chartFor(run, 'sys.net.*_bytes_per_s');
    const data = await ready(el);
    expect(legendLabels(el)).to.deep.equal(['eth0.recv · node-0', 'eth0.recv · node-1', 'eth0.sent · node-0', 'eth0.sent · node-1']);
    expect(legendValues(el)).to.deep.equal(['512 KiB/s', '2 GiB/s', '3 MiB/s', '6.5 MiB/s']);
    // One bucket per inserted minute, each holding that minute's value.
    expect(Array.from(data[0])).to.deep.equal([0, 1, 2].map((i) => (T0 + i * MINUTE) / 1000));
    const byLabel = new Map(el.lines.map((line, i) => [line.label, Array.from(data[i + 1] as number[])]));
    expect(byLabel.get('eth0.sent · node-1')).to.deep.equal(rows[1][2]);
    expect(byLabel.get('eth0.recv · node-0')).to.deep.equal(rows[2][2]);
    // One run: a colour per series.
    expect(new Set(el.lines.map((l) => l.color)).size).to.equal(4);
    expect(shadow(el).querySelector('.note')!.textContent).to.match(/^mean per /);
  });

  it('draws p50 and max across series per bucket, averaging each series first and skipping NaN/Inf', async () => {
    const run = uniqueRun('stat');
    const layers = 6;
    const value = (layer: number, rank: number, i: number) => ((layer * 7 + i * 3 + rank * 5) % 11) / 10;
    for (let layer = 0; layer < layers; layer++) {
      for (const rank of [0, 1]) {
        const points = minutes(4, (i) => value(layer, rank, i));
        if (layer === 2 && rank === 0) points[1].value = NaN;
        if (layer === 4 && rank === 1) points[3].value = Infinity;
        await insertPoints(run, `moe.layer.${layer}.null_ratio`, points, { rank });
      }
    }
    const el = await chartFor(run, 'moe.layer.*.null_ratio', { stat: 'p50,max' });
    const data = await ready(el);
    expect(legendLabels(el)).to.deep.equal(['p50', 'max']);
    expect(data.length).to.equal(3);
    for (let i = 0; i < 4; i++) {
      // Each layer's mean over its finite rank values in this minute, then statistics across layers.
      const means = Array.from({ length: layers }, (_, layer) => {
        const finite = [0, 1].map((rank) => value(layer, rank, i)).filter((_v, rank) => !(layer === 2 && rank === 0 && i === 1) && !(layer === 4 && rank === 1 && i === 3));
        return finite.reduce((a, b) => a + b, 0) / finite.length;
      });
      expect((data[1] as number[])[i], `p50 at minute ${i}`).to.be.closeTo(quantile(means, 0.5), 1e-12);
      expect((data[2] as number[])[i], `max at minute ${i}`).to.be.closeTo(Math.max(...means), 1e-12);
    }
    expect(shadow(el).querySelector('.note')!.textContent).to.contain('p50, max across 6 series');
  });

  it('limits the time range to the window, counted back from the newest point', async () => {
    const run = uniqueRun('window');
    const points = minutes(121, (i) => 1000 * (i + 1));
    await insertPoints(run, 'tokens_per_s', points, { unit: 'tok/s' });
    const el = await chartFor(run, 'tokens_per_s', { window: '30m' });
    const data = await ready(el);
    const newest = points[120].time!;
    const inWindow = points.filter((p) => p.time! >= newest - 30 * MINUTE);
    expect(inWindow).to.have.length(31);
    expect(Array.from(data[0])).to.deep.equal(inWindow.map((p) => p.time! / 1000));
    expect(Array.from(data[1] as number[])).to.deep.equal(inWindow.map((p) => p.value));
    expect(legendValues(el)).to.deep.equal(['121k tok/s']);
    el.window = 'all';
    const all = await waitFor(() => el.chartData?.[0].length === 121 && el.chartData, 'the whole run');
    expect(all[0][0]).to.equal(T0 / 1000);
  });

  it('reads % and _ in a pattern literally', async () => {
    const run = uniqueRun('literal');
    for (const metric of ['a_b.x', 'aXb.x', '50%.y', '500.y', '50%']) await insertPoints(run, metric, minutes(2, () => 1));
    const el = await chartFor(run, 'a_b.*,50%.*');
    await ready(el);
    expect(legendLabels(el)).to.deep.equal(['50%.y', 'a_b.x']);
  });

  it('binds hostile attribute text instead of splicing it, and says what it did not find', async () => {
    const before = await countRows();
    const hostile = "x' OR 1=1 --";
    const el = await chartFor("r'); DROP TABLE training_observability.metric_points; --", hostile);
    const plain = await chartFor('r', 'x');
    expect(el.query!.sql).to.equal(plain.query!.sql);
    expect(el.query!.sql).not.to.contain('OR 1=1');
    expect(el.query!.params.patterns).to.deep.equal([hostile]);
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.contain(`Nothing matches "${hostile}" for run "r'); DROP TABLE`);
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain(hostile);
    expect(await countRows()).to.be.at.least(before);
  });

  it('rejects invalid window, stat and group-by with a clear message and asks nothing', async () => {
    const el = await chartFor('r', 'gsa.*', { window: "1h' OR 1=1" });
    expect(el.state).to.equal('error');
    expect(el.stateMessage).to.contain('Invalid window');
    expect(shadow(el).querySelector('[role="alert"]')!.textContent).to.contain('15m');
    el.window = '1h';
    el.stat = 'p50,median';
    await el.updateComplete;
    expect(el.stateMessage).to.equal('stat must be a comma list of mean, min, max, p10, p50, p90, p99; got "median".');
    el.stat = '';
    el.setAttribute('group-by', 'rank');
    await el.updateComplete;
    expect(el.stateMessage).to.contain('group-by must be one of metric, host, none');
    expect(el.query).to.equal(undefined);
    expect(liveStores()).to.have.length(0);
  });

  it('colours by run and names the run when several are shown', async () => {
    const a = uniqueRun('ra');
    const b = uniqueRun('rb');
    for (const run of [a, b]) {
      await insertPoints(run, 'gsa.sparsity', minutes(3, (i) => 0.5 + i / 10));
      await insertPoints(run, 'gsa.gate_mean', minutes(3, (i) => 0.2 + i / 10));
    }
    const el = await chartFor(`${a},${b}`, 'gsa.*');
    await ready(el);
    expect(legendLabels(el)).to.deep.equal([`${a} · gate_mean`, `${a} · sparsity`, `${b} · gate_mean`, `${b} · sparsity`]);
    const swatches = [...shadow(el).querySelectorAll('.legend .swatch')].map((s) => s.getAttribute('style'));
    expect(swatches).to.deep.equal([a, a, b, b].map((run) => `background:${colorFor(run)}`));
    expect(legendValues(el)).to.deep.equal(['0.4', '0.7', '0.4', '0.7']);
  });

  it('groups by host: the mean of the matched metrics per host', async () => {
    const run = uniqueRun('hosts');
    const util = { 'node-0': [[10, 30], [20, 60]], 'node-1': [[90, 95], [80, 100]] } as Record<string, number[][]>;
    for (const [host, devices] of Object.entries(util)) {
      for (const device of [0, 1]) await insertPoints(run, `sys.gpu.${device}.util_percent`, minutes(2, (i) => devices[device][i]), { host, device, unit: '%' });
    }
    const el = await chartFor(run, 'sys.gpu.*.util_percent', { groupBy: 'host' });
    const data = await ready(el);
    expect(legendLabels(el)).to.deep.equal(['node-0', 'node-1']);
    expect(Array.from(data[1] as number[])).to.deep.equal([15, 45]);
    expect(legendValues(el)).to.deep.equal(['45%', '97.5%']);
  });

  it('formats with the unit attribute over the table\'s unit', async () => {
    const run = uniqueRun('unit');
    await insertPoints(run, 'mhc.gain_mean', minutes(2, (i) => 1.25 + i), { unit: 'x' });
    const el = await chartFor(run, 'mhc.gain_mean');
    await ready(el);
    expect(legendValues(el)).to.deep.equal(['2.25 x']);
    el.unit = '%';
    await waitFor(() => legendValues(el)[0] === '2.25%', 'the unit override');
  });

  it('asks for about one bucket per pixel, and keeps its lines while a resize refetches', async () => {
    const run = uniqueRun('resize');
    await insertPoints(run, 'tokens_per_s', minutes(5, (i) => 100 + i));
    const el = await chartFor(run, 'tokens_per_s');
    await ready(el);
    const plotWidth = shadow(el).querySelector<HTMLElement>('.plot')!.clientWidth;
    expect(el.query!.params.buckets).to.equal(Math.round(plotWidth / 50) * 50);
    const states: string[] = [];
    el.addEventListener('trainwatch-state', (e) => states.push(e.detail.state));
    el.style.width = '340px';
    await waitFor(() => el.query!.params.buckets === 300, 'a new bucket count');
    await waitFor(() => el.chartData && el.chartData[0].length === 5 && el.shadowRoot!.querySelector('canvas')!.width <= 340 * devicePixelRatio, 'the narrower plot');
    expect(states).to.deep.equal([]);
    expect(el.state).to.equal('ready');
  });

  it('shows the values under the cursor in their unit', async () => {
    const run = uniqueRun('tooltip');
    await insertPoints(run, 'sys.cpu_percent', minutes(3, (i) => [12.5, 40, 87.25][i]), { host: 'node-0', unit: '%' });
    const el = await chartFor(run, 'sys.cpu_percent');
    await ready(el);
    const over = shadow(el).querySelector<HTMLElement>('.u-over')!;
    const box = over.getBoundingClientRect();
    // The last bucket sits at the right edge of the plot area.
    over.dispatchEvent(new MouseEvent('mousemove', { clientX: box.right - 2, clientY: box.top + 20, bubbles: true }));
    const tooltip = await waitFor(() => shadow(el).querySelector('.tooltip'), 'the tooltip');
    expect(tooltip.textContent!.replace(/\s+/g, ' ')).to.contain('sys.cpu_percent · node-0: 87.3%');
  });

  it('shows markup in the data as text', async () => {
    const run = uniqueRun('markup');
    await insertPoints(run, 'sys.cpu_percent', minutes(2, () => 5), { host: '<img src=x onerror=alert(1)>', unit: '%' });
    const el = await chartFor(run, 'sys.cpu_percent');
    await ready(el);
    expect(shadow(el).querySelector('img')).to.equal(null);
    expect(legendLabels(el)).to.deep.equal(['sys.cpu_percent · <img src=x onerror=alert(1)>']);
  });

  it('reports an unreachable server', async () => {
    const el = await chartFor('r', 'gsa.*', { src: 'http://127.0.0.1:9' });
    await waitFor(() => el.state === 'error', 'the error state');
    expect(el.stateMessage).to.contain('Cannot reach ClickHouse at http://127.0.0.1:9');
    expect(shadow(el).querySelector('[role="alert"]')!.textContent).to.contain('Cannot reach');
  });

  it('marks data that stopped arriving as stale, and follows new rows', async () => {
    const run = uniqueRun('stale');
    const start = Date.now() - 10 * MINUTE - 2000;
    await insertPoints(run, 'batches_per_s', [0, 1].map((i) => ({ step: i, value: 2 + i, time: start + i * 1000 })), { unit: 'batch/s' });
    const el = await chartFor(run, 'batches_per_s');
    await ready(el);
    expect(shadow(el).querySelector('.meta')!.textContent).to.match(/last point 10m( \d+s)? ago · stale/);
    expect(legendValues(el)).to.deep.equal(['3 batch/s']);
    await insertPoints(run, 'batches_per_s', [{ step: 2, value: 4.5, time: Date.now() }], { unit: 'batch/s' });
    await waitFor(() => legendValues(el)[0] === '4.5 batch/s', 'the new point');
    expect(shadow(el).querySelector('.meta')!.textContent).not.to.contain('stale');
  });

  it('fires trainwatch-state and toggles a line from its legend button', async () => {
    const run = uniqueRun('events');
    await insertPoints(run, 'mhc.gain_min', minutes(3, () => 1));
    await insertPoints(run, 'mhc.gain_max', minutes(3, () => 2));
    const el = document.createElement('metric-chart');
    el.src = SOURCE_URL;
    el.run = run;
    el.metric = 'mhc.gain_*';
    const fired = oneEvent(el, 'trainwatch-state');
    document.body.append(el);
    try {
      expect(['loading', 'ready']).to.include((await fired).detail.state);
      await ready(el);
      expect(legendLabels(el)).to.deep.equal(['max', 'min']);
      const button = shadow(el).querySelector<HTMLButtonElement>('.legend button')!;
      button.click();
      await el.updateComplete;
      expect(button.getAttribute('aria-pressed')).to.equal('false');
    } finally {
      el.remove();
    }
  });

  it('is accessible and describes its lines', async () => {
    const run = uniqueRun('a11y');
    await insertPoints(run, 'recurrence.depth.2.loss', minutes(3, (i) => 3 - i), {});
    await insertPoints(run, 'recurrence.depth.8.loss', minutes(3, (i) => 2.5 - i), {});
    const el = await chartFor(run, 'recurrence.depth.*.loss');
    await ready(el);
    await expect(el).to.be.accessible();
    expect(shadow(el).querySelector('[role="img"]')!.getAttribute('aria-label')).to.equal('recurrence.depth.*.loss: 2 1; 8 0.5');
  });

  it('releases its subscription, timers and observers when removed', async () => {
    const run = uniqueRun('teardown');
    await insertPoints(run, 'gsa.sparsity', minutes(2, () => 1));
    const el = await chartFor(run, 'gsa.*');
    await ready(el);
    const store = liveStores()[0];
    expect(el.holdsResources).to.equal(true);
    el.remove();
    expect(el.holdsResources).to.equal(false);
    expect(liveStores()).to.have.length(0);
    expect(store.active).to.equal(false);
  });
});
