import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import { GpuUtil } from './gpu-util.component.js';
import './gpu-util.js';

/** A start that is not a multiple of any bucket width, so alignment is tested too. */
const T0 = Date.UTC(2026, 0, 1, 0, 0, 7);

interface Sample {
  /** Seconds after T0. */
  t: number;
  value: number;
}
interface Series {
  host: string;
  device: number;
  rank: number;
  metric: string;
  samples: Sample[];
}

const every10s = (n: number, value: (i: number) => number): Sample[] => Array.from({ length: n }, (_, i) => ({ t: i * 10, value: value(i) }));

async function insertSeries(run: string, series: Series[]) {
  for (const s of series) {
    await insertPoints(
      run,
      s.metric,
      s.samples.map((p, i) => ({ step: i, value: p.value, time: T0 + p.t * 1000 })),
      { host: s.host, rank: s.rank, device: s.device, unit: '%' },
    );
  }
}

/**
 * The documented idle rule, written out again: a sample stands for the time to
 * the series' next sample, capped at 3 × the series' median interval; the last
 * stands for one median interval; idle = spans of samples below the threshold.
 */
function idleOf(samples: Sample[], threshold: number): { idle: number; covered: number } {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const gaps = sorted.slice(1).map((p, i) => p.t - sorted[i].t);
  const positive = gaps.filter((g) => g > 0).sort((a, b) => a - b);
  const mid = positive.length >> 1;
  const median = !positive.length ? 0 : positive.length % 2 ? positive[mid] : (positive[mid - 1] + positive[mid]) / 2;
  const spans = [...gaps.map((g) => Math.min(g, 3 * median)), median];
  return {
    idle: spans.reduce((sum, span, i) => sum + (sorted[i].value < threshold ? span : 0), 0),
    covered: spans.reduce((a, b) => a + b, 0),
  };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Two hosts (named so that text order and natural order differ) × two GPUs. */
function fleet(): Series[] {
  const gpu = (host: string, device: number, rank: number, samples: Sample[]): Series => ({ host, device, rank, metric: `sys.gpu.${device}.util_percent`, samples });
  return [
    // Busy, with three samples below the threshold.
    gpu('node-2', 0, 0, every10s(30, (i) => (i >= 5 && i <= 7 ? 3 : 90))),
    // Flat out: every cell is the top of the scale.
    gpu('node-2', 1, 1, every10s(30, () => 100)),
    // A reporting gap of 90 s after an idle sample: only 3 × 10 s of it may count.
    gpu('node-10', 0, 2, every10s(30, (i) => (i === 11 ? 5 : 88)).filter((_, i) => i < 12 || i >= 20)),
    // The straggler, at the middle of the scale.
    gpu('node-10', 1, 3, every10s(30, () => 50)),
  ];
}

async function mount(run: string, attrs: Record<string, string> = {}) {
  return fixture<GpuUtil>(html`
    <gpu-util
      style="width: 720px"
      src=${attrs.src ?? SOURCE_URL}
      run=${run}
      metric=${attrs.metric ?? 'sys.gpu.*.util_percent'}
      window=${attrs.window ?? '1h'}
      idle-threshold=${attrs.idleThreshold ?? '10'}
      poll-interval="300"
    ></gpu-util>
  `);
}

const ready = (el: GpuUtil) => waitFor(() => el.state === 'ready' && el.model, `${el.run} to draw`);
const shadow = (el: GpuUtil) => el.shadowRoot!;
const labels = (el: GpuUtil) => [...shadow(el).querySelectorAll('.labels li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());

function pixel(el: GpuUtil, row: number, col: number): number[] {
  const canvas = shadow(el).querySelector<HTMLCanvasElement>('canvas.heatmap')!;
  const model = el.model!;
  const dpr = canvas.width / canvas.clientWidth;
  const x = ((col + 0.5) * canvas.clientWidth) / model.columns;
  const y = ((row + 0.5) * canvas.clientHeight) / model.series.length;
  return [...canvas.getContext('2d')!.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data.slice(0, 3)];
}

describe('<gpu-util>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults and reflects attributes to properties', async () => {
    const el = await fixture<GpuUtil>(html`<gpu-util></gpu-util>`);
    expect(el.metric).to.equal('sys.gpu.*.util_percent');
    // Unset (so an enclosing <trainwatch-filters> can fill it): one hour.
    expect(el.window).to.equal(undefined);
    expect(el.shownWindow).to.equal('1h');
    expect(el.host).to.equal(undefined);
    expect(el.shownHost).to.equal('');
    expect(el.idleThreshold).to.equal(10);
    expect(el.stragglerGap).to.equal(15);
    expect(el.state).to.equal('empty');
    el.setAttribute('run', 'a, b ,a');
    el.setAttribute('idle-threshold', '25');
    el.setAttribute('straggler-gap', '5');
    el.setAttribute('window', '6h');
    await el.updateComplete;
    expect(el.runs).to.deep.equal(['a', 'b']);
    expect(el.idleThreshold).to.equal(25);
    expect(el.stragglerGap).to.equal(5);
    expect(el.window).to.equal('6h');
    expect(el.shownWindow).to.equal('6h');
    el.setAttribute('host', ' node-3 ');
    await el.updateComplete;
    expect(el.shownHost).to.equal('node-3');
    el.metric = 'sys.cpu_percent';
    await el.updateComplete;
    expect(el.getAttribute('metric')).to.equal('sys.cpu_percent');
  });

  it('says what to do when no run is set', async () => {
    const el = await fixture<GpuUtil>(html`<gpu-util src=${SOURCE_URL}></gpu-util>`);
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain('No run selected');
    expect(liveStores()).to.have.length(0);
  });

  it('draws one row per GPU in host order, with cells, mean line, idle time, mean and stragglers from the rows', async () => {
    const run = uniqueRun('gpu');
    const series = fleet();
    await insertSeries(run, series);
    // Rows of other metrics are not part of the heatmap.
    await insertPoints(run, 'sys.gpu.0.mem_percent', [{ step: 0, value: 1, time: T0 }], { host: 'node-2', device: 0 });
    await insertPoints(run, 'loss', [{ step: 0, value: 2, time: T0 + 290_000 }]);
    const el = await mount(run);
    expect(el.state, 'before the first answer').to.equal('loading');
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain('Loading');
    const model = await ready(el);

    expect(labels(el)).to.deep.equal(['node-2 · GPU 0', 'node-2 · GPU 1', 'node-10 · GPU 0', '▼ node-10 · GPU 1 (straggler)']);
    expect(model.series.map((s) => s.rank)).to.deep.equal([0, 1, 2, 3]);

    // Bucket width: at least 1.5 × the 10 s interval, no more columns than asked, aligned to itself.
    const w = model.bucketMs;
    expect(w).to.be.at.least(15_000);
    expect(model.columns).to.be.at.most(el.buckets);
    expect(model.start % w).to.equal(0);
    expect(model.start).to.equal(Math.floor(T0 / w) * w);

    // Every cell: the mean of the samples whose aligned bucket is that column, NaN where none.
    const expected = series.map((s) =>
      Array.from({ length: model.columns }, (_, c) => {
        const inCell = s.samples.filter((p) => Math.floor((T0 + p.t * 1000) / w) * w === model.start + c * w).map((p) => p.value);
        return inCell.length ? mean(inCell) : NaN;
      }),
    );
    const lastSample = T0 + 290_000;
    expect(model.start + model.columns * w).to.be.greaterThan(lastSample);
    series.forEach((_, r) => {
      const got = Array.from(model.cells.subarray(r * model.columns, (r + 1) * model.columns));
      got.forEach((v, c) => (Number.isNaN(expected[r][c]) ? expect(v, `cell ${r},${c}`).to.be.NaN : expect(v, `cell ${r},${c}`).to.be.closeTo(expected[r][c], 1e-9)));
    });
    expect(expected[2].some(Number.isNaN), 'the reporting gap leaves empty buckets').to.equal(true);
    Array.from(model.meanLine).forEach((v, c) => {
      const present = expected.map((row) => row[c]).filter((x) => !Number.isNaN(x));
      expect(v, `mean line at ${c}`).to.be.closeTo(mean(present), 1e-9);
    });

    // Summary figures, computed here from the inserted rows.
    const idle = series.map((s) => idleOf(s.samples, 10));
    const idleSeconds = idle.reduce((sum, x) => sum + x.idle, 0);
    const covered = idle.reduce((sum, x) => sum + x.covered, 0);
    expect(idleSeconds).to.equal(60); // 3 × 10 s on node-2 GPU 0, 30 s (capped) on node-10 GPU 0
    expect(model.idleSeconds).to.be.closeTo(idleSeconds, 1e-9);
    expect(model.coveredSeconds).to.be.closeTo(covered, 1e-9);
    const means = series.map((s) => mean(s.samples.map((p) => p.value)));
    const fleetMean = mean(means);
    const sortedMeans = [...means].sort((a, b) => a - b);
    const median = (sortedMeans[1] + sortedMeans[2]) / 2;
    expect(model.mean).to.be.closeTo(fleetMean, 1e-9);
    expect(model.stragglers.map((s) => s.label)).to.deep.equal(series.filter((_, i) => means[i] < median - 15).map((s) => `${s.host} · GPU ${s.device}`));
    expect(model.stragglers.map((s) => s.label)).to.deep.equal(['node-10 · GPU 1']);

    const summary = shadow(el).querySelector('.summary')!.textContent!.replace(/\s+/g, ' ');
    expect(summary).to.contain(`Mean ${fleetMean.toFixed(1)}%`);
    expect(summary).to.contain(`Idle ${((100 * idleSeconds) / covered).toFixed(1)}% · 1 GPU-min below 10%`);
    expect(summary).to.contain(`node-10 · GPU 1 ${means[3].toFixed(1)}%`);
    expect(summary).to.contain(`median ${median.toFixed(1)}%`);
    expect(shadow(el).querySelector('.labels li.straggler')!.textContent).to.contain('node-10 · GPU 1');
    expect(shadow(el).querySelectorAll('.labels li.straggler')).to.have.length(1);

    // Colours: viridis' top (#fde725) for 100 %, its middle (#21918c) for 50 %.
    expect(pixel(el, 1, 0)).to.deep.equal([0xfd, 0xe7, 0x25]);
    expect(pixel(el, 3, 4)).to.deep.equal([0x21, 0x91, 0x8c]);
    const emptyCol = expected[2].findIndex(Number.isNaN);
    expect(pixel(el, 2, emptyCol)).to.not.deep.equal(pixel(el, 2, 0));
  });

  it('counts idle time from the idle-threshold attribute, and only inside the window', async () => {
    const run = uniqueRun('window');
    const series = fleet();
    await insertSeries(run, series);
    const el = await mount(run, { window: '2m', idleThreshold: '60' });
    const model = await ready(el);
    // The window counts back 120 s from the run's newest point (290 s).
    const inWindow = series.map((s) => s.samples.filter((p) => p.t >= 290 - 120));
    expect(model.series.map((s) => s.samples)).to.deep.equal(inWindow.map((s) => s.length));
    const idle = inWindow.map((s) => idleOf(s, 60)).reduce((sum, x) => sum + x.idle, 0);
    expect(idle).to.be.greaterThan(0);
    expect(model.idleSeconds).to.be.closeTo(idle, 1e-9);
    expect(shadow(el).querySelector('.summary')!.textContent).to.contain('below 60%');
  });

  it('shows CPU utilization per host when the metric is sys.cpu_percent (device 65535)', async () => {
    const run = uniqueRun('cpu');
    const cpu: Series[] = [
      { host: 'node-2', device: 65535, rank: 0, metric: 'sys.cpu_percent', samples: every10s(12, (i) => (i < 4 ? 5 : 70)) },
      { host: 'node-10', device: 65535, rank: 0, metric: 'sys.cpu_percent', samples: every10s(12, () => 65) },
    ];
    await insertSeries(run, [...cpu, ...fleet()]);
    const el = await mount(run, { metric: 'sys.cpu_percent' });
    const model = await ready(el);
    expect(labels(el)).to.deep.equal(['node-2', 'node-10']);
    expect(model.noun).to.equal('host');
    const idle = cpu.map((s) => idleOf(s.samples, 10)).reduce((sum, x) => sum + x.idle, 0);
    expect(idle).to.equal(40);
    expect(model.idleSeconds).to.be.closeTo(idle, 1e-9);
    expect(shadow(el).querySelector('.summary')!.textContent).to.contain('40 host-s below 10%');
    expect(shadow(el).querySelector('.title')!.textContent).to.equal('CPU utilization');
  });

  it('shows the bucket under the pointer in a tooltip', async () => {
    const run = uniqueRun('tip');
    await insertSeries(run, fleet());
    const el = await mount(run);
    const model = await ready(el);
    const canvas = shadow(el).querySelector<HTMLCanvasElement>('canvas.heatmap')!;
    const rect = canvas.getBoundingClientRect();
    const rowHeight = rect.height / model.series.length;
    canvas.dispatchEvent(new PointerEvent('pointermove', { clientX: rect.left + (0.5 * rect.width) / model.columns, clientY: rect.top + 1.5 * rowHeight, bubbles: true }));
    await el.updateComplete;
    const tip = shadow(el).querySelector('.tooltip')!.textContent!.replace(/\s+/g, ' ');
    expect(tip).to.contain('node-2 · GPU 1');
    expect(tip).to.contain('100.0%');
    expect(shadow(el).querySelector('.labels li.hover')!.textContent).to.contain('node-2 · GPU 1');
    canvas.dispatchEvent(new PointerEvent('pointerleave'));
    await el.updateComplete;
    expect(shadow(el).querySelector('.tooltip')).to.equal(null);
  });

  it('asks for about one bucket per 4 px, and keeps the heatmap up while a resize asks again', async () => {
    const run = uniqueRun('resize');
    await insertSeries(run, [{ host: 'node-0', device: 0, rank: 0, metric: 'sys.gpu.0.util_percent', samples: every10s(361, (i) => 50 + (i % 50)) }]);
    const el = await mount(run);
    await ready(el);
    const width = () => shadow(el).querySelector<HTMLCanvasElement>('canvas.heatmap')!.clientWidth;
    expect(el.buckets).to.equal(Math.floor(width() / 40) * 10);
    const before = el.buckets;
    const states: string[] = [];
    el.addEventListener('trainwatch-state', (e) => states.push(e.detail.state));
    el.style.width = '420px';
    await waitFor(() => el.buckets !== before, 'the new bucket count');
    await el.updateComplete;
    expect(el.state).to.equal('ready');
    expect(shadow(el).querySelector('.overlay')).to.equal(null);
    await waitFor(() => el.model!.columns <= el.buckets && el.model!.columns > el.buckets / 3, 'columns for the new width');
    expect(el.buckets).to.equal(Math.floor(width() / 40) * 10);
    expect(states).to.deep.equal([]);
  });

  it('says an unknown run is unknown', async () => {
    const el = await mount(uniqueRun('missing'));
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.match(/^Run "missing-.*" not found/);
    expect(shadow(el).querySelector('.overlay')!.textContent).to.contain('not found');
  });

  it('says when the run has no metric matching the pattern', async () => {
    const run = uniqueRun('nogpu');
    await insertPoints(run, 'loss', [{ step: 0, value: 1 }]);
    const el = await mount(run);
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.equal(`Run "${run}" has no metric matching "sys.gpu.*.util_percent".`);
  });

  it('shows one host with the host attribute, and says when that host has no samples', async () => {
    const run = uniqueRun('gpu-host');
    const series = fleet();
    await insertSeries(run, series);
    const el = await mount(run);
    el.host = 'node-10';
    await waitFor(() => el.state === 'ready' && el.model?.series.every((s) => s.host === 'node-10'), 'the heatmap of node-10');
    const mine = series.filter((s) => s.host === 'node-10');
    expect(labels(el).map((l) => l.replace('▼ ', '').replace(' (straggler)', ''))).to.deep.equal(['node-10 · GPU 0', 'node-10 · GPU 1']);
    expect(el.model!.mean).to.be.closeTo(mean(mine.map((s) => mean(s.samples.map((p) => p.value)))), 1e-9);
    expect(shadow(el).querySelector('.meta')!.textContent).to.contain('host node-10');
    // The raw export is of that host's samples only.
    const raw = (await el.toCSV({ raw: true })).trim().split('\r\n');
    expect(raw.length - 1).to.equal(mine.reduce((n, s) => n + s.samples.length, 0));
    el.host = 'node-404';
    await waitFor(() => el.state === 'empty', 'the empty state of an unknown host');
    expect(el.stateMessage).to.equal(`Run "${run}" has no "sys.gpu.*.util_percent" samples on host "node-404".`);
  });

  it('reports an unreachable server', async () => {
    const el = await mount('r', { src: 'http://127.0.0.1:9' });
    await waitFor(() => el.state === 'error', 'the error state');
    expect(el.stateMessage).to.contain('Cannot reach ClickHouse');
    expect(shadow(el).querySelector('[role="alert"]')!.textContent).to.contain('Cannot reach');
  });

  it('rejects invalid attribute values with a clear message, asking nothing', async () => {
    const bad = await mount('r', { window: 'banana' });
    expect(bad.state).to.equal('error');
    expect(bad.stateMessage).to.contain('Invalid window "banana"');
    const threshold = await mount('r', { idleThreshold: 'lots' });
    expect(threshold.state).to.equal('error');
    expect(threshold.stateMessage).to.contain('idle-threshold must be a percentage ≥ 0; got "lots"');
    threshold.setAttribute('idle-threshold', '10');
    threshold.setAttribute('straggler-gap', '-3');
    await threshold.updateComplete;
    expect(threshold.stateMessage).to.contain('straggler-gap must be');
    expect(shadow(threshold).querySelector('.overlay.error')!.textContent).to.contain('straggler-gap');
    expect(liveStores()).to.have.length(0);
  });

  it('shows markup in host names and run ids as text', async () => {
    const run = uniqueRun('<img src=x onerror=alert(1)>');
    const host = '<img src=x onerror=alert(1)>';
    await insertPoints(run, 'sys.gpu.0.util_percent', every10s(3, () => 80).map((p, i) => ({ step: i, value: p.value, time: T0 + p.t * 1000 })), { host, device: 0 });
    const el = await mount(run);
    await ready(el);
    expect(labels(el)).to.deep.equal([`${host} · GPU 0`]);
    expect(shadow(el).querySelector('.meta')!.textContent).to.contain(run);
    expect(shadow(el).querySelector('img')).to.equal(null);
  });

  it('follows new samples as they arrive', async () => {
    const run = uniqueRun('live');
    await insertSeries(run, fleet().slice(0, 1));
    const el = await mount(run);
    await ready(el);
    await insertSeries(run, [{ host: 'node-3', device: 0, rank: 4, metric: 'sys.gpu.0.util_percent', samples: every10s(5, () => 70) }]);
    await waitFor(() => el.model?.series.length === 2, 'the new GPU');
    expect(labels(el)).to.deep.equal(['node-2 · GPU 0', 'node-3 · GPU 0']);
  });

  it('fires trainwatch-state as its data state changes', async () => {
    const run = uniqueRun('events');
    await insertSeries(run, fleet().slice(0, 1));
    const el = document.createElement('gpu-util');
    el.src = SOURCE_URL;
    el.run = run;
    const states: string[] = [];
    el.addEventListener('trainwatch-state', (e) => states.push(e.detail.state));
    const fired = oneEvent(el, 'trainwatch-state');
    document.body.append(el);
    try {
      expect((await fired).detail.state).to.equal('loading');
      await ready(el);
      expect(states).to.deep.equal(['loading', 'ready']);
    } finally {
      el.remove();
    }
  });

  it('releases its subscriptions and observer when removed', async () => {
    const run = uniqueRun('teardown');
    await insertSeries(run, fleet().slice(0, 1));
    const el = await mount(run);
    await ready(el);
    const store = liveStores()[0];
    expect(el.holdsResources).to.equal(true);
    el.remove();
    expect(el.holdsResources).to.equal(false);
    expect(liveStores()).to.have.length(0);
    expect(store.active).to.equal(false);
  });

  it('is accessible, with the summary as the heatmap label', async () => {
    const run = uniqueRun('a11y');
    await insertSeries(run, fleet());
    const el = await mount(run);
    await ready(el);
    await expect(el).to.be.accessible();
    const label = shadow(el).querySelector('[role="img"]')!.getAttribute('aria-label')!;
    expect(label).to.contain('4 GPUs on 2 hosts; mean');
    expect(label).to.contain('idle');
    expect(label).to.contain('stragglers: node-10 · GPU 1');
  });
});
