import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import { GpuUtil } from './gpu-util.component.js';
import './gpu-util.js';
import { csvObjects, decodePng, deepActive, exportByKeyboard, exportMenuByKeyboard, parseCsv, pixelOf } from '../../../test/browser/export-helpers.js';
import { rawExportLimit } from '../../store/rows-once.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 7);

interface Series {
  host: string;
  device: number;
  rank: number;
  /** Value of sample i, one every 10 s from T0. */
  values: number[];
}

/** Two hosts × two GPUs; node-10 · GPU 1 has the lowest mean (35). */
const FLEET: Series[] = [
  { host: 'node-2', device: 0, rank: 0, values: Array.from({ length: 12 }, (_, i) => i * 8) },
  { host: 'node-2', device: 1, rank: 1, values: Array(12).fill(100) },
  { host: 'node-10', device: 0, rank: 2, values: Array(12).fill(40) },
  { host: 'node-10', device: 1, rank: 3, values: Array.from({ length: 12 }, (_, i) => (i % 2 ? 50 : 20)) },
];

const timeOf = (i: number) => T0 + i * 10_000;

async function insertFleet(run: string, fleet: Series[]) {
  for (const s of fleet) {
    await insertPoints(
      run,
      `sys.gpu.${s.device}.util_percent`,
      s.values.map((value, i) => ({ step: i, value, time: timeOf(i) })),
      { host: s.host, device: s.device, rank: s.rank, unit: '%' },
    );
  }
}

async function mount(run: string, theme = 'light') {
  return fixture<GpuUtil>(html`<gpu-util style="width: 720px" src=${SOURCE_URL} run=${run} theme=${theme} poll-interval="300"></gpu-util>`);
}

const ready = (el: GpuUtil) => waitFor(() => el.state === 'ready' && el.model, `${el.run} to draw`);
const $ = <T extends Element = HTMLElement>(el: GpuUtil, selector: string) => el.shadowRoot!.querySelector<T & Element>(selector)!;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Each series' samples grouped into aligned buckets of `w` ms: [bucket start, values]. */
function buckets(s: Series, w: number): Array<[number, number[]]> {
  const by = new Map<number, number[]>();
  s.values.forEach((v, i) => {
    const b = Math.floor(timeOf(i) / w) * w;
    by.set(b, [...(by.get(b) ?? []), v]);
  });
  return [...by.entries()].sort((a, b) => a[0] - b[0]);
}

describe('<gpu-util> export and keyboard', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('exports the cells shown as CSV: host, gpu, bucket start and end, mean, samples', async () => {
    const run = uniqueRun('gpu-csv');
    await insertFleet(run, FLEET);
    const el = await mount(run);
    const model = await ready(el);
    const w = model.bucketMs;
    expect(w).to.be.at.least(15_000);

    const got = csvObjects(await el.toCSV());
    const expected = FLEET.flatMap((s) =>
      buckets(s, w).map(([from, values]) => ({
        host: s.host,
        gpu: String(s.device),
        time: new Date(from).toISOString(),
        time_end: new Date(from + w).toISOString(),
        value: mean(values),
        samples: String(values.length),
      })),
    );
    expect(got.map(({ value: _, ...rest }) => rest)).to.deep.equal(expected.map(({ value: _, ...rest }) => rest));
    got.forEach((row, i) => expect(Number(row.value), `${row.host} ${row.gpu} ${row.time}`).to.be.closeTo(expected[i].value, 1e-9));
    expect(parseCsv(await el.toCSV())[0]).to.deep.equal(['host', 'gpu', 'time', 'time_end', 'value', 'samples']);
  });

  it('exports every sample of the window raw, NaN and Inf included, and nothing outside the window', async () => {
    const run = uniqueRun('gpu-raw');
    const fleet = FLEET.slice(0, 2);
    await insertFleet(run, fleet);
    // Non-finite samples are left out of the heatmap but are part of the raw data.
    await insertPoints(run, 'sys.gpu.0.util_percent', [
      { step: 20, value: NaN, time: timeOf(12) },
      { step: 21, value: Infinity, time: timeOf(13) },
    ], { host: 'node-2', device: 0, rank: 0 });
    // Two hours before the newest point: outside window="1h".
    await insertPoints(run, 'sys.gpu.1.util_percent', [{ step: 0, value: 77, time: T0 - 7_200_000 }], { host: 'node-2', device: 1, rank: 1 });
    // Another metric on the same GPU is not part of the pattern.
    await insertPoints(run, 'sys.gpu.0.mem_percent', [{ step: 0, value: 12, time: T0 }], { host: 'node-2', device: 0 });
    const el = await mount(run);
    await ready(el);

    const rows = csvObjects(await el.toCSV({ raw: true }));
    const expected = [
      ...fleet.flatMap((s) => s.values.map((v, i) => ({ host: s.host, gpu: String(s.device), rank: String(s.rank), metric: `sys.gpu.${s.device}.util_percent`, step: String(i), time: new Date(timeOf(i)).toISOString(), value: String(v) }))),
      { host: 'node-2', gpu: '0', rank: '0', metric: 'sys.gpu.0.util_percent', step: '20', time: new Date(timeOf(12)).toISOString(), value: 'NaN' },
      { host: 'node-2', gpu: '0', rank: '0', metric: 'sys.gpu.0.util_percent', step: '21', time: new Date(timeOf(13)).toISOString(), value: 'Inf' },
    ].sort((a, b) => a.gpu.localeCompare(b.gpu) || a.time.localeCompare(b.time));
    expect(rows).to.deep.equal(expected);
  });

  it('refuses a raw export past the row limit with a message saying what to do, in the card when from the menu', async () => {
    const run = uniqueRun('gpu-limit');
    await insertFleet(run, FLEET);
    const el = await mount(run);
    await ready(el);
    const saved = rawExportLimit.rows;
    try {
      // 4 GPUs × 12 samples: exactly at the limit is fine, one under it is not.
      rawExportLimit.rows = 48;
      expect(parseCsv(await el.toCSV({ raw: true }))).to.have.length(49);
      rawExportLimit.rows = 47;
      let error: Error | undefined;
      await el.toCSV({ raw: true }).catch((e: Error) => (error = e));
      expect(error?.message).to.equal(
        'The shown range holds more than 47 samples, too many to export raw: narrow it (window or step), export what is shown, or read the table with SQL.',
      );
      let downloaded = false;
      await exportByKeyboard(el, 'CSV of the raw samples', 2000)
        .then(() => (downloaded = true))
        .catch(() => {});
      expect(downloaded).to.equal(false);
      await waitFor(() => el.shadowRoot!.querySelector('[role="alert"]'), 'the export error');
      expect($(el, '[role="alert"]').textContent).to.equal(`Export failed: ${error!.message}`);
    } finally {
      rawExportLimit.rows = saved;
    }
  });

  it('quotes hostile host names in both CSVs, and defuses a leading =', async () => {
    const run = uniqueRun('gpu-hostile');
    const host = '=HYPERLINK("http://x", "y"),\nnext';
    await insertFleet(run, [{ host, device: 3, rank: 0, values: [10, 20, 30] }]);
    const el = await mount(run);
    await ready(el);
    // Written out by hand: a leading ' against formulas, quotes doubled, the cell quoted.
    const cell = `"'=HYPERLINK(""http://x"", ""y""),\nnext"`;
    const shown = await el.toCSV();
    expect(shown.split('\r\n')[1].startsWith(`${cell},3,`)).to.equal(true);
    const raw = await el.toCSV({ raw: true });
    expect(raw.split('\r\n').slice(1, -1)).to.have.length(3);
    expect(raw.split('\r\n')[1].startsWith(`${cell},3,0,sys.gpu.3.util_percent,0,`)).to.equal(true);
    expect(csvObjects(raw).map((r) => r.host)).to.deep.equal(Array(3).fill(`'${host}`));
  });

  it('exports a PNG of the heatmap with its labels, on the card background, under the title', async () => {
    const run = uniqueRun('gpu-png');
    await insertFleet(run, FLEET);
    const el = await mount(run);
    const model = await ready(el);
    const bitmap = await decodePng(await el.toPNG());
    const body = $(el, '.body').getBoundingClientRect();
    const scale = Math.max(1, devicePixelRatio);
    expect(bitmap.width).to.equal(Math.ceil(body.width * scale));
    expect(bitmap.height).to.equal(Math.ceil((body.height + 24) * scale));
    // The light card background in a corner; viridis' top (#fde725) where node-2 · GPU 1 (100 %) is drawn.
    expect(pixelOf(bitmap, 1, 1)).to.deep.equal([255, 255, 255]);
    const heat = $<HTMLCanvasElement>(el, 'canvas.heatmap').getBoundingClientRect();
    const rowHeight = heat.height / model.series.length;
    const x = heat.left - body.left + heat.width / model.columns / 2;
    const y = 24 + heat.top - body.top + 1.5 * rowHeight;
    expect(pixelOf(bitmap, x * scale, y * scale)).to.deep.equal([0xfd, 0xe7, 0x25]);
    // The row labels are painted too: the label column is not blank.
    const label = $(el, '.labels li').getBoundingClientRect();
    const ink = [...Array(Math.floor(label.width))].some((_, i) => pixelOf(bitmap, (label.left - body.left + i) * scale, (24 + label.top - body.top + label.height / 2) * scale).some((c) => c < 200));
    expect(ink, 'label text in the image').to.equal(true);
  });

  it('refuses a PNG before there is anything to draw', async () => {
    const el = await fixture<GpuUtil>(html`<gpu-util src=${SOURCE_URL}></gpu-util>`);
    let error: Error | undefined;
    await el.toPNG().catch((e: Error) => (error = e));
    expect(error?.message).to.contain('No run selected');
    expect(parseCsv(await el.toCSV())).to.deep.equal([['host', 'gpu', 'time', 'time_end', 'value', 'samples']]);
  });

  it('opens the export menu from the keyboard and downloads the CSV and PNG', async () => {
    const run = uniqueRun('gpu-menu');
    await insertFleet(run, FLEET);
    const el = await mount(run);
    await ready(el);
    expect(await exportMenuByKeyboard(el)).to.deep.equal(['PNG image', 'CSV of the cells shown', 'CSV of the raw samples']);
    const csv = await exportByKeyboard(el, 'CSV of the cells shown');
    expect(csv.name).to.equal(`GPU_utilization-${run}.csv`);
    expect(await csv.blob.text()).to.equal(await el.toCSV());
    const raw = await exportByKeyboard(el, 'CSV of the raw samples');
    expect(raw.name).to.equal(`GPU_utilization-${run}-raw.csv`);
    expect(parseCsv(await raw.blob.text())).to.have.length(1 + FLEET.length * 12);
    const png = await exportByKeyboard(el, 'PNG image');
    expect(png.name).to.equal(`GPU_utilization-${run}.png`);
    await decodePng(png.blob);
  });

  it('reads the cells from the keyboard: Tab to the heatmap, arrows move, the cell is announced', async () => {
    const run = uniqueRun('gpu-keys');
    await insertFleet(run, FLEET);
    const el = await mount(run);
    const model = await ready(el);
    const w = model.bucketMs;
    const canvas = $<HTMLCanvasElement>(el, 'canvas.heatmap');
    const live = $(el, '[role="status"].sr-only');
    const said = () => live.textContent!.trim();
    /** What a cell holds, from the inserted samples. */
    const cellOf = (series: Series, col: number) => buckets(series, w).find(([from]) => from === model.start + col * w)?.[1];
    const expectCell = (series: Series, col: number) => {
      const values = cellOf(series, col);
      const label = `${series.host} · GPU ${series.device}`;
      expect(said()).to.contain(`${label}, `);
      expect(said()).to.contain(values ? `: ${mean(values).toFixed(1)}%, ${values.length} sample${values.length === 1 ? '' : 's'}` : ': no data');
      expect($(el, '.tooltip').textContent).to.contain(label);
      expect($(el, '.labels li.hover').textContent).to.contain(label);
    };

    // From the export menu's button, Tab reaches the heatmap.
    $(el, 'details.export summary').focus();
    await sendKeys({ press: 'Tab' });
    expect(deepActive()).to.equal(canvas);
    await el.updateComplete;
    const last = model.columns - 1;
    expectCell(FLEET[0], last);
    expect($(el, '.cell-cursor'), 'the highlighted cell').to.not.equal(null);

    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    expectCell(FLEET[1], last);
    await sendKeys({ press: 'Home' });
    await el.updateComplete;
    expectCell(FLEET[1], 0);
    await sendKeys({ press: 'ArrowRight' });
    await el.updateComplete;
    expectCell(FLEET[1], 1);
    await sendKeys({ press: 'PageDown' });
    await el.updateComplete;
    expectCell(FLEET[3], 1);
    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    expectCell(FLEET[3], 1);
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.tooltip')).to.equal(null);
    canvas.blur();
    await el.updateComplete;
    expect(said()).to.equal('');
  });

  it('describes the heatmap and the mean line in words', async () => {
    const run = uniqueRun('gpu-words');
    await insertFleet(run, FLEET);
    const el = await mount(run, 'dark');
    const model = await ready(el);
    const means = FLEET.map((s) => mean(s.values));
    const label = $(el, 'canvas.heatmap').getAttribute('aria-label')!;
    expect($(el, 'canvas.heatmap').getAttribute('role')).to.equal('img');
    expect(label).to.contain(`GPU utilization: 4 GPUs on 2 hosts; mean ${mean(means).toFixed(1)}%; lowest node-10 · GPU 1 at ${Math.min(...means).toFixed(1)}%;`);
    expect(label).to.contain('no stragglers');

    // The mean line: per bucket, the mean of the GPUs' cell means.
    const w = model.bucketMs;
    const perColumn = Array.from({ length: model.columns }, (_, c) => {
      const cells = FLEET.map((s) => buckets(s, w).find(([from]) => from === model.start + c * w)?.[1]).filter((v): v is number[] => !!v).map(mean);
      return cells.length ? mean(cells) : NaN;
    }).filter(Number.isFinite);
    const line = $(el, 'canvas.meanline');
    expect(line.getAttribute('role')).to.equal('img');
    expect(line.getAttribute('aria-label')).to.contain(
      `from ${Math.min(...perColumn).toFixed(1)}% to ${Math.max(...perColumn).toFixed(1)}%, latest ${perColumn[perColumn.length - 1].toFixed(1)}%`,
    );
    await expect(el).to.be.accessible();
  });

  it('marks the run with its page colour, and has a header that is not a landmark', async () => {
    const run = uniqueRun('gpu-colour');
    await insertFleet(run, FLEET.slice(0, 1));
    const el = await mount(run);
    await ready(el);
    const { colorFor } = await import('../../chart/colors.js');
    const swatch = $(el, '.meta .swatch');
    const probe = document.createElement('span');
    probe.style.color = colorFor(run);
    document.body.append(probe);
    expect(getComputedStyle(swatch).backgroundColor).to.equal(getComputedStyle(probe).color);
    probe.remove();
    expect(el.shadowRoot!.querySelector('header')).to.equal(null);
    expect($(el, '.header[part="header"] .title').textContent).to.equal('GPU utilization');
  });
});
