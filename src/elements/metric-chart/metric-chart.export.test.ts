import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { groupSize } from '../../chart/group-sync.js';
import { liveStores } from '../../store/registry.js';
import type { LossChart } from '../loss-chart/loss-chart.component.js';
import '../loss-chart/loss-chart.js';
import type { MetricChart } from './metric-chart.component.js';
import { fetchRawRows } from './metric-chart.export.js';
import './metric-chart.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const minutes = (n: number, f: (i: number) => number, from = T0): Point[] => Array.from({ length: n }, (_, i) => ({ step: i, value: f(i), time: from + i * MINUTE }));
const ready = (el: MetricChart | LossChart) => waitFor(() => el.state === 'ready' && el.chartData, 'the chart to draw');
const live = (el: HTMLElement) => el.shadowRoot!.querySelector('[role="status"][aria-live="polite"]')!.textContent!.trim();

async function chartFor(run: string, metric: string, attrs: Partial<Record<string, string>> = {}) {
  return fixture<MetricChart>(html`<metric-chart
    style="width: 640px"
    src=${SOURCE_URL}
    run=${run}
    metric=${metric}
    window=${attrs.window ?? 'all'}
    poll-interval="300"
  ></metric-chart>`);
}

function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n'), 'CSV lines end in CRLF').to.equal(true);
  return text
    .slice(0, -2)
    .split('\r\n')
    .map((line) => line.split(','));
}

const spelled = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : String(v));
const iso = (ms: number) => new Date(ms).toISOString();

describe('<metric-chart> zoom, groups, keyboard and export', () => {
  afterEach(async () => {
    await resetMouse();
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('zooms into a time range with finer buckets fetched for it, and back out', async () => {
    const run = uniqueRun('zoom');
    const points = minutes(600, (i) => 100 + ((i * 37) % 23));
    await insertPoints(run, 'tokens_per_s', points, { unit: 'tok/s' });
    const el = await chartFor(run, 'tokens_per_s');
    const full = await ready(el);
    // Ten hours over about 600 buckets: 100 s buckets, so some hold two minutes.
    expect(el.shadowRoot!.querySelector('.note')!.textContent).to.contain('mean per 1m 40s');
    const fullXs = Array.from(full[0]);
    const from = T0 / 1000 + 100 * 60;
    const to = T0 / 1000 + 130 * 60;
    el.setZoom([from, to]);
    // Fetched 5 % wider on each side, so the lines reach the edges.
    await el.updateComplete;
    expect(el.query!.params.from_ms).to.equal((from - 90) * 1000);
    expect(el.query!.params.to_ms).to.equal((to + 90) * 1000);
    const data = await waitFor(() => el.shadowRoot!.querySelector('.note')!.textContent!.includes('mean per 5s') && el.chartData, 'finer buckets');
    const xs = Array.from(data[0]);
    expect(xs).to.deep.equal(Array.from({ length: 33 }, (_, i) => T0 / 1000 + (99 + i) * 60));
    expect(Array.from(data[1] as number[])).to.deep.equal(points.slice(99, 132).map((p) => p.value));
    expect(el.shadowRoot!.querySelector('.reset')!.textContent).to.equal('Reset zoom');
    el.shadowRoot!.querySelector<HTMLButtonElement>('.reset')!.click();
    await waitFor(() => el.query!.params.from_ms === 0 && el.chartData![0].length === fullXs.length, 'the whole run again');
    expect(Array.from(el.chartData![0])).to.deep.equal(fullXs);
    expect(live(el)).to.equal('Zoom reset: showing everything.');
  });

  it('zooms every chart of its group on a time axis, by dragging, and leaves the rest alone', async () => {
    const runs = [uniqueRun('ga'), uniqueRun('gb'), uniqueRun('gc'), uniqueRun('gd'), uniqueRun('ge')];
    for (const run of runs) await insertPoints(run, 'loss', minutes(120, (i) => 3 - i / 100));
    const group = uniqueRun('group');
    const wrap = await fixture<HTMLDivElement>(html`<div style="width: 640px">
      <metric-chart src=${SOURCE_URL} run=${runs[0]} metric="loss" poll-interval="300" group=${group}></metric-chart>
      <metric-chart src=${SOURCE_URL} run=${runs[1]} metric="loss" poll-interval="300" group=${group}></metric-chart>
      <loss-chart src=${SOURCE_URL} run=${runs[2]} smoothing="0" x-axis="time" poll-interval="300" group=${group}></loss-chart>
      <loss-chart src=${SOURCE_URL} run=${runs[3]} smoothing="0" poll-interval="300" group=${group}></loss-chart>
      <metric-chart src=${SOURCE_URL} run=${runs[4]} metric="loss" poll-interval="300"></metric-chart>
    </div>`);
    const [a, b] = wrap.querySelectorAll('metric-chart');
    const outsider = wrap.querySelectorAll('metric-chart')[2];
    const [byTime, bySteps] = wrap.querySelectorAll('loss-chart');
    for (const el of [a, b, byTime, bySteps, outsider]) await ready(el);
    expect(groupSize(group)).to.equal(4);

    const over = a.shadowRoot!.querySelector<HTMLElement>('.u-over')!;
    const box = over.getBoundingClientRect();
    const y = Math.round(box.top + box.height / 2);
    await sendMouse({ type: 'move', position: [Math.round(box.left + box.width * 0.2), y] });
    await sendMouse({ type: 'down' });
    await sendMouse({ type: 'move', position: [Math.round(box.left + box.width * 0.4), y] });
    await sendMouse({ type: 'move', position: [Math.round(box.left + box.width * 0.6), y] });
    await sendMouse({ type: 'up' });
    const range = await waitFor(() => a.zoomRange, 'the drag to zoom');
    // About 0.2 to 0.6 of minutes 0…119.
    expect(range[0]).to.be.closeTo(T0 / 1000 + 0.2 * 119 * 60, 30);
    expect(range[1]).to.be.closeTo(T0 / 1000 + 0.6 * 119 * 60, 30);
    expect(b.zoomRange).to.deep.equal(range);
    expect(byTime.zoomRange).to.deep.equal(range);
    expect(bySteps.zoomRange, 'steps are not seconds').to.equal(undefined);
    expect(outsider.zoomRange).to.equal(undefined);
    // The follower asks for the range, as if its user had zoomed.
    await b.updateComplete;
    expect(b.query!.params.from_ms).to.be.greaterThan(0);
    await waitFor(() => {
      const xs = Array.from(b.chartData![0]);
      return xs[0] >= range[0] - 400 && xs.at(-1)! <= range[1] + 400;
    }, 'the follower to draw only the range');
    expect(live(a)).to.match(/^Zoomed to 2026-01-01 00:\d\d:\d\d UTC to 2026-01-01 01:\d\d:\d\d UTC\.$/);
    expect(live(b)).to.equal('');

    // A double click on a follower zooms the whole group out.
    b.shadowRoot!.querySelector('.u-over')!.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    expect(a.zoomRange).to.equal(undefined);
    expect(byTime.zoomRange).to.equal(undefined);
    b.remove();
    expect(groupSize(group)).to.equal(3);
  });

  it('zooms, pans and resets from the keyboard', async () => {
    const run = uniqueRun('keys');
    await insertPoints(run, 'batches_per_s', minutes(101, (i) => 5 + (i % 3)), { unit: 'batch/s' });
    const el = await chartFor(run, 'batches_per_s');
    const data = await ready(el);
    const [lo, hi] = [data[0][0], data[0][data[0].length - 1]];
    expect([lo, hi]).to.deep.equal([T0 / 1000, T0 / 1000 + 100 * 60]);
    const plot = el.shadowRoot!.querySelector<HTMLElement>('.plot')!;
    expect(plot.getAttribute('tabindex')).to.equal('0');
    plot.focus();
    await sendKeys({ press: '+' });
    expect(el.zoomRange).to.deep.equal([lo + 1500, hi - 1500]);
    await sendKeys({ press: 'ArrowLeft' });
    expect(el.zoomRange).to.deep.equal([lo + 1200, hi - 1800]);
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    // Panning stops at the first point.
    expect(el.zoomRange).to.deep.equal([lo, lo + 3000]);
    await waitFor(() => live(el) === `Zoomed to 2026-01-01 00:00:00 UTC to 2026-01-01 00:50:00 UTC.`, 'the announcement');
    // The zoomed answer holds less than the chart had: zooming out still reaches all of it.
    await waitFor(() => el.chartData![0].at(-1)! < hi, 'the zoomed data');
    await sendKeys({ press: '-' });
    expect(el.zoomRange).to.equal(undefined);
    await sendKeys({ press: '=' });
    await sendKeys({ press: '0' });
    expect(el.zoomRange).to.equal(undefined);
  });

  it('exports the bucket values drawn as CSV', async () => {
    const run = uniqueRun('shown');
    const values: Record<string, number[]> = { 'node-0': [1, 2.5, 4], 'node-1': [8, 7.25, 6] };
    for (const [host, v] of Object.entries(values)) await insertPoints(run, 'sys.net.eth0.sent_bytes_per_s', minutes(3, (i) => v[i]), { host, unit: 'B/s' });
    const el = await chartFor(run, 'sys.net.*_bytes_per_s');
    const data = await ready(el);
    const rows = parseCsv(await el.toCSV());
    expect(rows[0]).to.deep.equal(['run', 'series', 'metric', 'host', 'time', 'value']);
    const expected: string[][] = [];
    el.lines.forEach((line, l) => {
      (data[l + 1] as Array<number | null>).forEach((v, i) => {
        if (v !== null) expected.push([run, line.name, line.metric, line.host, iso(data[0][i] * 1000), String(v)]);
      });
    });
    expect(rows.slice(1)).to.deep.equal(expected);
    // And those are the values inserted, minute by minute.
    expect(rows.slice(1)).to.deep.equal(
      Object.entries(values).flatMap(([host, v]) => v.map((value, i) => [run, `eth0.sent · ${host}`, 'sys.net.eth0.sent_bytes_per_s', host, iso(T0 + i * MINUTE), String(value)])),
    );
  });

  it('exports every raw row of the range with NaN/Inf, through pages, zoomed or not', async () => {
    const run = uniqueRun('raw');
    type Row = { metric: string; host: string; rank: number; step: number; time: number; value: number };
    const inserted: Row[] = [];
    for (const host of ['node-1', 'node-0']) {
      for (const rank of [0, 1]) {
        const points = minutes(10, (i) => (host === 'node-0' ? 10 : 20) + rank + i / 4);
        if (host === 'node-0' && rank === 1) points[3].value = NaN;
        if (host === 'node-1' && rank === 0) points[7].value = Infinity;
        if (host === 'node-1' && rank === 1) points[2].value = -Infinity;
        await insertPoints(run, 'sys.gpu.0.util_percent', points, { host, rank, device: 0, unit: '%' });
        for (const p of points) inserted.push({ metric: 'sys.gpu.0.util_percent', host, rank, step: p.step, time: p.time!, value: p.value });
      }
    }
    await insertPoints(run, 'sys.cpu_percent', minutes(10, () => 50), { host: 'node-0' });
    const el = await chartFor(run, 'sys.gpu.*.util_percent');
    await ready(el);
    // The table's order: metric, host, rank, device, step.
    inserted.sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : x.rank - y.rank || x.step - y.step));
    const asCsv = (r: Row) => [run, r.metric, r.host, String(r.rank), '0', String(r.step), iso(r.time), spelled(r.value), '%'];

    const rows = parseCsv(await el.toCSV({ raw: true }));
    expect(rows[0]).to.deep.equal(['run', 'metric', 'host', 'rank', 'device', 'step', 'time', 'value', 'unit']);
    expect(rows.slice(1)).to.deep.equal(inserted.map(asCsv));

    // Pages of 7 rows join up to the same 40, none twice.
    const store = () => liveStores()[0];
    const range = { runs: [run], patterns: ['sys.gpu.*.util_percent'], windowSeconds: 0 };
    const paged = await fetchRawRows(store, range, { pageRows: 7 });
    expect(paged.map((r) => `${r.h}/${r.r}/${r.s}`)).to.deep.equal(inserted.map((r) => `${r.host}/${r.rank}/${r.step}`));
    let message = '';
    await fetchRawRows(store, range, { limit: 39 }).catch((error: Error) => (message = error.message));
    expect(message).to.equal('The range holds 40 raw points; a raw export stops at 39. Zoom in to a narrower range and export again.');

    el.setZoom([(T0 + 2.5 * MINUTE) / 1000, (T0 + 5 * MINUTE) / 1000]);
    const zoomed = parseCsv(await el.toCSV({ raw: true })).slice(1);
    expect(zoomed).to.deep.equal(inserted.filter((r) => r.step >= 3 && r.step <= 5).map(asCsv));
  });

  it('exports the raw rows of its window only', async () => {
    const run = uniqueRun('raw-window');
    await insertPoints(run, 'tokens_per_s', minutes(20, (i) => i));
    const el = await chartFor(run, 'tokens_per_s', { window: '5m' });
    await ready(el);
    const rows = parseCsv(await el.toCSV({ raw: true })).slice(1);
    expect(rows.map((r) => r[5])).to.deep.equal(['14', '15', '16', '17', '18', '19']);
  });

  it('describes each line for screen readers, counting the NaN/Inf it leaves out', async () => {
    const run = uniqueRun('summary');
    await insertPoints(run, 'sys.cpu_percent', minutes(5, (i) => [10, NaN, 30, Infinity, 20][i]), { unit: '%' });
    const el = await chartFor(run, 'sys.cpu_percent');
    const data = await ready(el);
    expect(Array.from(data[0])).to.deep.equal([0, 2, 4].map((i) => (T0 + i * MINUTE) / 1000));
    const plot = el.shadowRoot!.querySelector('.plot')!;
    const ids = plot.getAttribute('aria-describedby')!.split(' ');
    const text = ids.map((id) => el.shadowRoot!.getElementById(id)!.textContent!.replace(/\s+/g, ' ').trim());
    expect(text[0]).to.equal('sys.cpu_percent: latest 20% at 2026-01-01 00:04:00 UTC; overall lowest 10%, highest 30%; 2 NaN/Inf overall left out.');
    expect(text[1]).to.contain('plus zooms in');
    el.setZoom([(T0 + 0.5 * MINUTE) / 1000, (T0 + 3.5 * MINUTE) / 1000]);
    await waitFor(() => el.shadowRoot!.getElementById('summary')!.textContent!.includes('in view'), 'the summary in view');
    expect(el.shadowRoot!.getElementById('summary')!.textContent!.trim()).to.equal(
      'sys.cpu_percent: last in view 30% at 2026-01-01 00:02:00 UTC; in view lowest 30%, highest 30%; 2 NaN/Inf in view left out.',
    );
  });

  it('exports a PNG and opens its menu from the keyboard', async () => {
    const run = uniqueRun('png');
    await insertPoints(run, 'gsa.sparsity', minutes(30, (i) => 0.5 + Math.sin(i / 4) / 4));
    const el = await chartFor(run, 'gsa.*');
    await ready(el);
    const blob = await el.toPNG();
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect(Array.from(bytes.slice(0, 8))).to.deep.equal([137, 80, 78, 71, 13, 10, 26, 10]);
    const image = await createImageBitmap(blob);
    expect(image.width).to.be.greaterThan(0);
    expect(image.height).to.be.greaterThan(0);
    const ctx = new OffscreenCanvas(image.width, image.height).getContext('2d')!;
    ctx.drawImage(image, 0, 0);
    const pixels = ctx.getImageData(0, 0, image.width, image.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < pixels.length; i += 4) colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
    expect(colours.size).to.be.greaterThan(3);

    const menu = el.shadowRoot!.querySelector<HTMLDetailsElement>('details.export')!;
    menu.querySelector('summary')!.focus();
    await sendKeys({ press: 'Enter' });
    expect(menu.open).to.equal(true);
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement!.textContent!.trim()).to.equal('PNG image');
    await sendKeys({ press: 'Escape' });
    expect(menu.open).to.equal(false);
    await expect(el).to.be.accessible();
  });
});
