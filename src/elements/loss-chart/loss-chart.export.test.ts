import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import type { LossChart } from './loss-chart.component.js';
import { fetchRawPoints } from './loss-chart.export.js';
import './loss-chart.js';

const BASE_TIME = Date.UTC(2026, 0, 1);
const ramp = (n: number, f: (i: number) => number): Point[] => Array.from({ length: n }, (_, i) => ({ step: i, value: f(i) }));
const ready = (el: LossChart) => waitFor(() => el.state === 'ready' && el.chartData, `${el.run} to draw`);

async function chartFor(run: string, attrs: Partial<Record<string, string>> = {}) {
  return fixture<LossChart>(html`<loss-chart
    style="width: 640px"
    src=${SOURCE_URL}
    run=${run}
    metric=${attrs.metric ?? 'loss'}
    smoothing=${attrs.smoothing ?? '0'}
    x-axis=${attrs.xAxis ?? 'step'}
    poll-interval="300"
  ></loss-chart>`);
}

/** CSV text as rows of cells (the exports quote nothing these tests write). */
function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n'), 'CSV lines end in CRLF').to.equal(true);
  return text
    .slice(0, -2)
    .split('\r\n')
    .map((line) => line.split(','));
}

/** How a CSV spells a number: NaN, Inf and -Inf in words, anything else as JavaScript prints it. */
const spelled = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : String(v));

/** A run with NaN/±Inf at known steps, a wavy line elsewhere. */
function wavy(n: number): Point[] {
  const points = ramp(n, (i) => 3 + Math.sin(i / 91) + (i % 13) / 1000);
  points[17].value = NaN;
  points[n - 3].value = Infinity;
  points[Math.floor(n / 2)].value = -Infinity;
  points[Math.floor(n / 3)].value = NaN;
  return points;
}

describe('<loss-chart> export', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('exports the points drawn as CSV, with the smoothed value and NaN/Inf spelled out', async () => {
    const run = uniqueRun('shown');
    const points = ramp(60, (i) => 2 + ((i * 7) % 5) / 4);
    points[10].value = NaN;
    points[20].value = Infinity;
    points[30].value = -Infinity;
    await insertPoints(run, 'loss', points);
    const el = await chartFor(run, { smoothing: '0.5' });
    const data = await ready(el);
    const rows = parseCsv(await el.toCSV());
    expect(rows[0]).to.deep.equal(['run', 'metric', 'step', 'time', 'value', 'smoothed']);
    const body = rows.slice(1);
    const xs = Array.from(data[0]);
    expect(body.map((r) => Number(r[2]))).to.deep.equal(xs);
    body.forEach((row, i) => {
      const step = Number(row[2]);
      expect(row[0]).to.equal(run);
      expect(row[1]).to.equal('loss');
      expect(row[3]).to.equal(new Date(BASE_TIME + step * 1000).toISOString());
      // What the chart drew: the raw column has null where the value is not finite.
      const drawn = (data[1] as Array<number | null>)[i];
      expect(row[4]).to.equal(drawn === null ? spelled(points[step].value) : String(drawn));
      expect(row[4]).to.equal(spelled(points[step].value));
      const smooth = (data[2] as Array<number | null>)[i];
      if (smooth !== null) expect(Number(row[5])).to.equal(smooth);
    });
    expect(body.map((r) => r[4]).filter((v) => /NaN|Inf/.test(v))).to.deep.equal(['NaN', 'Inf', '-Inf']);
  });

  it('exports as shown only the lines shown, and the reduced points drawn', async () => {
    const run = uniqueRun('shown-m4');
    const points = wavy(20_000);
    await insertPoints(run, 'loss', points);
    await insertPoints(run, 'val_loss', ramp(5, (i) => i / 2));
    const el = await chartFor(run, { metric: 'loss,val_loss' });
    const data = await waitFor(() => el.chartData?.length === 3 && el.chartData, 'two lines');
    const xs = Array.from(data[0]);
    const drawnLoss = xs.filter((_, i) => (data[1] as Array<number | null | undefined>)[i] !== undefined);
    expect(drawnLoss.length).to.be.lessThan(5000);
    let rows = parseCsv(await el.toCSV()).slice(1);
    expect(rows.filter((r) => r[1] === 'loss').map((r) => Number(r[2]))).to.deep.equal(drawnLoss);
    rows.filter((r) => r[1] === 'loss').forEach((r) => expect(r[4]).to.equal(spelled(points[Number(r[2])].value)));
    expect(rows.filter((r) => r[1] === 'val_loss').map((r) => r[4])).to.deep.equal(['0', '0.5', '1', '1.5', '2']);
    // Switched off in the legend: not shown, so not exported as shown.
    el.shadowRoot!.querySelectorAll<HTMLButtonElement>('.legend button')[1].click();
    await el.updateComplete;
    rows = parseCsv(await el.toCSV()).slice(1);
    expect(new Set(rows.map((r) => r[1]))).to.deep.equal(new Set(['loss']));
  });

  it('exports every raw point of the run, page by page past what one view holds, NaN/Inf included', async () => {
    const run = uniqueRun('raw');
    const points = wavy(40_000);
    await insertPoints(run, 'loss', points);
    const el = await chartFor(run);
    const data = await ready(el);
    expect(data[0].length, 'the chart draws a reduction').to.be.lessThan(5000);
    const rows = parseCsv(await el.toCSV({ raw: true }));
    expect(rows[0]).to.deep.equal(['run', 'metric', 'step', 'time', 'value']);
    const body = rows.slice(1);
    expect(body).to.have.length(40_000);
    body.forEach((row, i) => {
      if (row[2] !== String(i) || row[4] !== spelled(points[i].value) || row[3] !== new Date(BASE_TIME + i * 1000).toISOString() || row[0] !== run) {
        expect(row, `row ${i}`).to.deep.equal([run, 'loss', String(i), new Date(BASE_TIME + i * 1000).toISOString(), spelled(points[i].value)]);
      }
    });
    expect(body.filter((r) => /NaN|Inf/.test(r[4])).map((r) => [r[2], r[4]])).to.deep.equal([
      ['17', 'NaN'],
      ['13333', 'NaN'],
      ['20000', '-Inf'],
      ['39997', 'Inf'],
    ]);
  });

  it('exports the raw points of the zoomed step range only', async () => {
    const run = uniqueRun('raw-zoom');
    const points = wavy(20_000);
    await insertPoints(run, 'loss', points);
    const el = await chartFor(run);
    await ready(el);
    el.setZoom([6665.5, 6700]);
    const body = parseCsv(await el.toCSV({ raw: true })).slice(1);
    const expected = points.filter((p) => p.step >= 6666 && p.step <= 6700);
    expect(body.map((r) => [r[2], r[4]])).to.deep.equal(expected.map((p) => [String(p.step), spelled(p.value)]));
    expect(body.some((r) => r[4] === 'NaN'), 'step 6666 is a NaN').to.equal(true);
  });

  it('exports the raw points of a zoomed time range', async () => {
    const run = uniqueRun('raw-time');
    const points = wavy(5000);
    await insertPoints(run, 'loss', points);
    const el = await chartFor(run, { xAxis: 'time' });
    await ready(el);
    // Steps are a second apart from BASE_TIME; the range is in epoch seconds.
    el.setZoom([BASE_TIME / 1000 + 1000.5, BASE_TIME / 1000 + 1250]);
    const body = parseCsv(await el.toCSV({ raw: true })).slice(1);
    expect(body.map((r) => Number(r[2]))).to.deep.equal(Array.from({ length: 250 }, (_, i) => 1001 + i));
    body.forEach((r) => expect(r[4]).to.equal(spelled(points[Number(r[2])].value)));
  });

  it('refuses a raw export larger than its bound, saying so', async () => {
    const run = uniqueRun('raw-limit');
    await insertPoints(run, 'loss', ramp(3000, (i) => i));
    const el = await chartFor(run);
    await ready(el);
    const store = liveStores()[0];
    let message = '';
    await fetchRawPoints(store, [{ key: { run, metric: 'loss' }, fromStep: 0, toStep: 10_000 }], 1000).catch((error: Error) => (message = error.message));
    expect(message).to.equal('The range holds 3,000 raw points; a raw export stops at 1,000. Zoom in to a narrower range and export again.');
    // The bound is on what is asked: a range within it comes back whole.
    const [chunk] = await fetchRawPoints(store, [{ key: { run, metric: 'loss' }, fromStep: 100, toStep: 1099 }], 1000);
    expect(Array.from(chunk.steps)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => 100 + i));
    expect(Array.from(chunk.values)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => 100 + i));
  });

  it('exports a PNG of the chart as drawn', async () => {
    const run = uniqueRun('png');
    await insertPoints(run, 'loss', ramp(200, (i) => 3 - i / 100));
    const el = await chartFor(run);
    await ready(el);
    const blob = await el.toPNG();
    expect(blob.type).to.equal('image/png');
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect(Array.from(bytes.slice(0, 8))).to.deep.equal([137, 80, 78, 71, 13, 10, 26, 10]);
    const image = await createImageBitmap(blob);
    const canvas = el.shadowRoot!.querySelector('canvas')!;
    expect(image.width).to.equal(canvas.width);
    expect(image.height).to.be.greaterThan(canvas.height);
    const ctx = new OffscreenCanvas(image.width, image.height).getContext('2d')!;
    ctx.drawImage(image, 0, 0);
    const pixels = ctx.getImageData(0, 0, image.width, image.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < pixels.length; i += 4) colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
    expect(colours.size, 'background, line, axes and title').to.be.greaterThan(3);
    // The card's white, not a transparent hole.
    expect(Array.from(pixels.slice(0, 4))).to.deep.equal([255, 255, 255, 255]);
    // The line's colour (its legend swatch's) is in the image, give or take antialiasing.
    const [r, g, b] = getComputedStyle(el.shadowRoot!.querySelector('.legend .swatch')!).backgroundColor.match(/\d+/g)!.map(Number);
    const near = [...colours].some((c) => Math.abs((c >> 16) - r) + Math.abs(((c >> 8) & 255) - g) + Math.abs((c & 255) - b) < 24);
    expect(near, `a pixel of rgb(${r}, ${g}, ${b})`).to.equal(true);
  });

  it('opens its export menu from the keyboard and downloads the shown CSV', async () => {
    const run = uniqueRun('menu');
    await insertPoints(run, 'loss', ramp(4, (i) => i + 0.5));
    const el = await chartFor(run);
    await ready(el);
    await el.updateComplete;
    const menu = el.shadowRoot!.querySelector<HTMLDetailsElement>('details.export')!;
    expect(menu.getAttribute('part')).to.equal('export');
    const summary = menu.querySelector('summary')!;
    expect(summary.getAttribute('aria-label')).to.equal('Export loss chart');
    summary.focus();
    await sendKeys({ press: 'Enter' });
    expect(menu.open).to.equal(true);
    const items = [...menu.querySelectorAll('button')].map((b) => b.textContent!.trim());
    expect(items).to.deep.equal(['PNG image', 'CSV of what is shown', 'CSV of raw points in range']);
    await sendKeys({ press: 'Escape' });
    expect(menu.open).to.equal(false);
    expect(el.shadowRoot!.activeElement).to.equal(summary);

    // Enter again, Tab to "CSV of what is shown", Enter: a download of the CSV.
    const saved: Array<{ name: string; blob: Blob }> = [];
    const createObjectURL = URL.createObjectURL;
    const click = HTMLAnchorElement.prototype.click;
    let lastBlob: Blob | undefined;
    URL.createObjectURL = (blob: Blob | MediaSource) => {
      lastBlob = blob as Blob;
      return 'blob:captured';
    };
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, blob: lastBlob! });
    };
    try {
      await sendKeys({ press: 'Enter' });
      await sendKeys({ press: 'Tab' });
      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot!.activeElement!.textContent!.trim()).to.equal('CSV of what is shown');
      await sendKeys({ press: 'Enter' });
      await waitFor(() => saved.length === 1, 'the download');
    } finally {
      URL.createObjectURL = createObjectURL;
      HTMLAnchorElement.prototype.click = click;
    }
    expect(menu.open).to.equal(false);
    expect(saved[0].name).to.equal(`${run}-loss-shown.csv`);
    expect(parseCsv(await saved[0].blob.text()).slice(1).map((r) => r[4])).to.deep.equal(['0.5', '1.5', '2.5', '3.5']);
    await waitFor(() => el.shadowRoot!.querySelector('[aria-live="polite"]')!.textContent!.includes('CSV downloaded: 4 points.'), 'the announcement');
    await expect(el).to.be.accessible();
  });

  it('says why an export failed', async () => {
    const el = await chartFor('');
    let message = '';
    await el.toCSV().catch((error: Error) => (message = error.message));
    expect(message).to.equal('Nothing to export yet: the chart has not drawn.');
    await el.toPNG().catch((error: Error) => (message = `png: ${error.message}`));
    expect(message).to.equal('png: Nothing to export yet: the chart has not drawn.');
    expect(el.shadowRoot!.querySelector('details.export'), 'no menu without a chart').to.equal(null);
  });
});
