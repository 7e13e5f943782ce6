import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from '../../../test/browser/helpers.js';
import { FixtureSource } from '../../sources/fixture-source.js';
import { liveStores, registerTransport } from '../../store/registry.js';
import { MoeHeatmap } from './moe-heatmap.component.js';
import './moe-heatmap.js';

registerTransport('fixture:', (config) => FixtureSource.fromUrl(config.url));

const METRIC = 'moe.subject_bucket_share';
type Cell = [row: string, column: number | string, value: number];

async function insertCells(run: string, step: number, cells: Cell[], fields = { row: 'subject', column: 'bucket' }) {
  await writer.insert({
    table: 'training_observability.metric_points',
    format: 'JSONEachRow',
    values: cells.map(([row, column, value]) => ({
      run_id: run,
      metric: METRIC,
      step,
      value,
      event_time: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString().replace('T', ' ').replace('Z', ''),
      tags_json: JSON.stringify({ [fields.row]: row, [fields.column]: column }),
    })),
  });
}

// Step 300 is the latest; "math" has no bucket 10 there (a missing cell).
const STEP_300: Cell[] = [
  ['math', 1, 0.1],
  ['math', 2, 0.6],
  ['code', 1, 0.25],
  ['code', 2, 0.05],
  ['code', 10, 0.7],
];
const STEP_100: Cell[] = [
  ['math', 1, 0.5],
  ['math', 2, 0.5],
];

/** Three significant digits, as the cells print them. */
const cellText = (v: number) => String(+v.toPrecision(3));

/** Mounts an element with every attribute set before it connects, as a page would write it. */
async function heatmapFor(run: string, attrs: Record<string, string> = {}) {
  const wrap = await fixture<HTMLDivElement>(html`<div style="width: 700px"></div>`);
  const el = document.createElement('moe-heatmap');
  for (const [name, value] of Object.entries({ src: SOURCE_URL, run, 'poll-interval': '300', ...attrs })) el.setAttribute(name, value);
  wrap.append(el);
  await el.updateComplete;
  return el;
}

const root = (el: MoeHeatmap) => el.shadowRoot!;
const ready = (el: MoeHeatmap) => waitFor(() => el.state === 'ready' && root(el).querySelector('tbody tr'), 'the table');
const columns = (el: MoeHeatmap) => [...root(el).querySelectorAll('thead th[scope="col"]:not(.corner)')].map((th) => th.textContent!.trim());
const rows = (el: MoeHeatmap) => [...root(el).querySelectorAll('tbody th[scope="row"]')].map((th) => th.textContent!.trim());
/** The cell at a row and column label. */
function cell(el: MoeHeatmap, row: string, column: string): HTMLTableCellElement {
  const r = rows(el).indexOf(row);
  const c = columns(el).indexOf(column);
  expect(r, `row ${row}`).to.be.at.least(0);
  expect(c, `column ${column}`).to.be.at.least(0);
  return root(el).querySelectorAll('tbody tr')[r].querySelectorAll('td')[c];
}
const shownStep = (el: MoeHeatmap) => root(el).querySelector('.shown-step')?.textContent ?? '';

/** A CSS colour as the browser paints it (any syntax computed styles use), in sRGB 0–255. */
function rgb(color: string): [number, number, number] {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
  return [r, g, b];
}
const luminance = (color: string) => {
  const [r, g, b] = rgb(color);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const background = (td: Element) => getComputedStyle(td).backgroundColor;

describe('<moe-heatmap>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults and reflects attributes to properties', async () => {
    const el = await fixture<MoeHeatmap>(html`<moe-heatmap></moe-heatmap>`);
    expect(el.metric).to.equal(METRIC);
    expect(el.rowField).to.equal('subject');
    expect(el.columnField).to.equal('bucket');
    expect(el.normalization).to.equal('none');
    expect(el.rowOrder).to.equal('name');
    expect(el.step).to.equal(undefined);
    expect(el.state).to.equal('empty');
    expect(root(el).querySelector('.message')!.textContent).to.contain('No run selected');
    el.setAttribute('normalize', 'row');
    el.setAttribute('row-order', 'total');
    el.setAttribute('row-field', 'domain');
    el.setAttribute('step', '40');
    await el.updateComplete;
    expect(el.normalization).to.equal('row');
    expect(el.rowOrder).to.equal('total');
    expect(el.rowField).to.equal('domain');
    expect(el.step).to.equal(40);
    el.columnField = 'band';
    el.step = undefined;
    await el.updateComplete;
    expect(el.getAttribute('column-field')).to.equal('band');
    expect(el.hasAttribute('step')).to.equal(false);
    expect(liveStores()).to.have.length(0);
  });

  it('shows the latest step: rows by name, columns in numeric order, the mean value in each cell', async () => {
    const run = uniqueRun('heat-latest');
    await insertCells(run, 100, STEP_100);
    await insertCells(run, 300, STEP_300);
    // A second rank writing the same cell: the cell shows the mean.
    await insertCells(run, 300, [['code', 1, 0.35]]);
    const el = await heatmapFor(run);
    await ready(el);
    expect(shownStep(el)).to.equal('step 300 · latest');
    expect(rows(el)).to.deep.equal(['code', 'math']);
    expect(columns(el)).to.deep.equal(['1', '2', '10']);
    const expected: Record<string, number> = { 'math 1': 0.1, 'math 2': 0.6, 'code 1': (0.25 + 0.35) / 2, 'code 2': 0.05, 'code 10': 0.7 };
    for (const [key, value] of Object.entries(expected)) {
      const [row, column] = key.split(' ');
      const td = cell(el, row, column);
      expect(td.textContent!.trim(), key).to.equal(cellText(value));
      expect(td.title, key).to.contain(`subject ${row} · bucket ${column}`);
    }
    expect(root(el).querySelector('caption')!.textContent).to.contain('at step 300');
  });

  it('colours higher values darker, and shows a missing cell as grey with no value', async () => {
    const run = uniqueRun('heat-colour');
    await insertCells(run, 300, STEP_300);
    const el = await heatmapFor(run);
    await ready(el);
    const byValue = [...STEP_300].sort((a, b) => a[2] - b[2]).map(([row, column]) => luminance(background(cell(el, row, String(column)))));
    for (let i = 1; i < byValue.length; i++) expect(byValue[i], `value #${i} darker than #${i - 1}`).to.be.lessThan(byValue[i - 1]);
    const missing = cell(el, 'math', '10');
    expect(missing.classList.contains('missing')).to.equal(true);
    expect(missing.querySelector('.sr-only')!.textContent).to.equal('no data');
    expect(missing.title).to.contain('no data');
    const [r, g, b] = rgb(background(missing));
    expect(Math.max(r, g, b) - Math.min(r, g, b), 'grey').to.be.at.most(8);
    expect(root(el).querySelector('[part="legend"]')!.textContent).to.contain('no data');
    // The legend spans 0 to the highest value.
    const legend = [...root(el).querySelectorAll('[part="legend"] > span:not(.ramp):not(.swatch)')].map((s) => s.textContent);
    expect(legend.slice(0, 2)).to.deep.equal(['0', cellText(Math.max(...STEP_300.map((c) => c[2])))]);
  });

  it('normalises each row to sum to 1, and orders rows by total', async () => {
    const run = uniqueRun('heat-norm');
    const cells: Cell[] = [
      ['alpha', 0, 1],
      ['alpha', 1, 3],
      ['beta', 0, 2],
      ['beta', 1, 2],
      ['beta', 2, 4],
    ];
    await insertCells(run, 5, cells);
    const el = await heatmapFor(run, { normalize: 'row', 'row-order': 'total' });
    await ready(el);
    // beta sums to 8, alpha to 4.
    expect(rows(el)).to.deep.equal(['beta', 'alpha']);
    for (const row of ['alpha', 'beta']) {
      const mine = cells.filter((c) => c[0] === row);
      const sum = mine.reduce((a, c) => a + c[2], 0);
      for (const [, column, value] of mine) expect(cell(el, row, String(column)).textContent!.trim(), `${row} ${column}`).to.equal(cellText(value / sum));
    }
    expect(cell(el, 'alpha', '2').classList.contains('missing')).to.equal(true);
    const byName = await heatmapFor(run);
    await ready(byName);
    expect(rows(byName)).to.deep.equal(['alpha', 'beta']);
    expect(cell(byName, 'beta', '2').textContent!.trim()).to.equal('4');
  });

  it('shows an older step when the user picks it', async () => {
    const run = uniqueRun('heat-pick');
    await insertCells(run, 100, STEP_100);
    await insertCells(run, 300, STEP_300);
    const el = await heatmapFor(run);
    await ready(el);
    const select = root(el).querySelector('select')!;
    expect([...select.options].map((o) => o.value)).to.deep.equal(['', '300', '100']);
    const fired = oneEvent(el, 'trainwatch-step-change');
    select.value = '100';
    select.dispatchEvent(new Event('change'));
    expect((await fired).detail.step).to.equal(100);
    await el.updateComplete;
    // Until step 100 arrives, step 300's grid stays, dimmed and marked busy.
    expect(el.state).to.equal('loading');
    expect(root(el).querySelector('.body.pending[aria-busy="true"] table')).to.not.equal(null);
    await waitFor(() => el.state === 'ready' && shownStep(el) === 'step 100', 'step 100');
    expect(el.getAttribute('step')).to.equal('100');
    expect(rows(el)).to.deep.equal(['math']);
    expect(columns(el)).to.deep.equal(['1', '2']);
    expect(cell(el, 'math', '1').textContent!.trim()).to.equal(cellText(0.5));
  });

  it('reads renamed tags_json fields, and a column number written as a string', async () => {
    const run = uniqueRun('heat-fields');
    await insertCells(run, 9, [['en', 3, 0.2], ['en', '1', 0.8], ['fr', 1, 0.4]], { row: 'lang', column: 'band' });
    const el = await heatmapFor(run, { 'row-field': 'lang', 'column-field': 'band' });
    await ready(el);
    expect(rows(el)).to.deep.equal(['en', 'fr']);
    expect(columns(el)).to.deep.equal(['1', '3']);
    expect(cell(el, 'en', '1').textContent!.trim()).to.equal('0.8');
    expect(cell(el, 'fr', '3').classList.contains('missing')).to.equal(true);
    const plain = await heatmapFor(run);
    await waitFor(() => plain.state === 'empty', 'the empty state');
    expect(plain.stateMessage).to.contain('tags_json fields "subject" and "bucket"');
  });

  it('shows markup in a row name as text', async () => {
    const run = uniqueRun('heat-markup');
    const markup = '<img src=x onerror=alert(1)>';
    await insertCells(run, 1, [[markup, 0, 0.5]]);
    const el = await heatmapFor(run);
    await ready(el);
    expect(rows(el)).to.deep.equal([markup]);
    expect(root(el).querySelector('img')).to.equal(null);
  });

  it('says when the run has no such metric', async () => {
    const el = await heatmapFor("x' OR 1=1 --");
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.equal(`No "${METRIC}" rows for run "x' OR 1=1 --".`);
  });

  it('shows a loading state until the first answer', async () => {
    const el = await heatmapFor('gpt-124m-baseline', { src: 'fixture:loading' });
    expect(el.state).to.equal('loading');
    expect(root(el).querySelector('.message')!.textContent).to.equal('Loading…');
  });

  it('reports an unreachable server', async () => {
    const el = await heatmapFor('r', { src: 'http://127.0.0.1:9' });
    await waitFor(() => el.state === 'error', 'the error state');
    expect(root(el).querySelector('[role="alert"]')!.textContent).to.contain('Cannot reach ClickHouse at http://127.0.0.1:9');
  });

  it('rejects invalid attribute values with a message, without querying', async () => {
    for (const [name, value, message] of [
      ['normalize', 'column', 'normalize must be one of none, row; got "column"'],
      ['row-order', 'size', 'row-order must be one of name, total; got "size"'],
      ['step', '1.5', 'step must be a whole number ≥ 0'],
      ['column-field', '', 'column-field must name a tags_json field'],
    ]) {
      const el = await heatmapFor('r', { [name]: value });
      expect(el.state, `${name}=${value}`).to.equal('error');
      expect(root(el).querySelector('[role="alert"]')!.textContent).to.contain(message);
      el.remove();
    }
    expect(liveStores()).to.have.length(0);
  });

  it('releases its subscription when removed', async () => {
    const run = uniqueRun('heat-teardown');
    await insertCells(run, 1, [['a', 0, 1]]);
    const el = await heatmapFor(run);
    await ready(el);
    const store = liveStores()[0];
    expect(store.active).to.equal(true);
    el.remove();
    expect(liveStores()).to.have.length(0);
    expect(store.active).to.equal(false);
  });

  it('is accessible, in both themes and with several on a page', async () => {
    const run = uniqueRun('heat-a11y');
    await insertCells(run, 300, STEP_300);
    for (const theme of ['light', 'dark']) {
      const el = await heatmapFor(run, { theme });
      await ready(el);
      await expect(el).to.be.accessible();
    }
  });
});
