import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { PALETTE } from '../../chart/colors.js';
import { liveStores } from '../../store/registry.js';
import { CheckpointTable } from './checkpoint-table.component.js';
import './checkpoint-table.js';

const MIN = 60_000;
const GiB = 1024 ** 3;

interface Saved {
  step: number;
  time: number;
  size: number;
  path: string;
  duration?: number;
}

async function save(run: string, c: Saved, metric = 'checkpoint.saved') {
  const tags: Record<string, unknown> = { path: c.path };
  if (c.duration !== undefined) tags.duration_s = c.duration;
  await insertPoints(run, metric, [{ step: c.step, value: c.size, time: c.time }], { unit: 'B', tags_json: JSON.stringify(tags) });
}

async function host(run: string, step: number, time: number, url: string, where: string) {
  await insertPoints(run, 'checkpoint.hosted', [{ step, value: 1, time }], { tags_json: JSON.stringify({ url, where }) });
}

async function score(run: string, bench: string, step: number, value: number, time: number) {
  await insertPoints(run, `checkpoint.eval.${bench}`, [{ step, value, time }]);
}

/** Four checkpoints at uneven intervals, ending five minutes ago. */
async function fourCheckpoints(run: string): Promise<Saved[]> {
  const t0 = Date.now() - 35 * MIN;
  const saved: Saved[] = [
    { step: 500, time: t0, size: 1.5 * GiB, path: 's3://ckpt/step-500', duration: 40 },
    { step: 1000, time: t0 + 10 * MIN, size: 1.5 * GiB, path: 's3://ckpt/step-1000', duration: 44 },
    { step: 1500, time: t0 + 25 * MIN, size: 2 * GiB, path: 's3://ckpt/step-1500', duration: 60 },
    { step: 2000, time: t0 + 30 * MIN, size: 2.5 * GiB, path: 's3://ckpt/step-2000' },
  ];
  for (const c of saved) await save(run, c);
  return saved;
}

async function tableFor(run: string, extra: Partial<Record<string, string>> = {}) {
  const el = await fixture<CheckpointTable>(html`<checkpoint-table src=${SOURCE_URL} run=${run} poll-interval="300"></checkpoint-table>`);
  for (const [name, value] of Object.entries(extra)) el.setAttribute(name, value!);
  return el;
}

const ready = (el: CheckpointTable, rows = 1) =>
  waitFor(() => el.state === 'ready' && el.shadowRoot!.querySelectorAll('tbody tr').length >= rows && el, `${rows} rows`);

const cells = (el: CheckpointTable, column: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLElement>(`tbody td[data-column="${column}"]`)].map((td) => td.textContent!.trim());
const headers = (el: CheckpointTable) => [...el.shadowRoot!.querySelectorAll('th')].map((th) => th.textContent!.replace(/[▲▼]/g, '').trim());
const header = (el: CheckpointTable, label: string) => [...el.shadowRoot!.querySelectorAll('th')].find((th) => th.textContent!.replace(/[▲▼]/g, '').trim() === label)!;
const summary = (el: CheckpointTable) => (el.shadowRoot!.querySelector('.summary')?.textContent ?? '').replace(/\s+/g, ' ').trim();

describe('<checkpoint-table>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults and reflects attributes to properties', async () => {
    const el = await fixture<CheckpointTable>(html`<checkpoint-table></checkpoint-table>`);
    expect(el.metric).to.equal('checkpoint.saved');
    expect(el.evalMetric).to.equal('checkpoint.eval.*');
    expect(el.hostedMetric).to.equal('checkpoint.hosted');
    expect(el.hostedOnly).to.equal(false);
    expect(el.limit).to.equal(100);
    expect(el.sortKey).to.equal('time');
    expect(el.sortDirection).to.equal('descending');
    el.setAttribute('run', 'a, b ,a');
    el.setAttribute('hosted-only', '');
    el.setAttribute('limit', '20');
    el.setAttribute('eval-metric', 'bench.*');
    el.setAttribute('path-field', 'uri');
    await el.updateComplete;
    expect(el.runs).to.deep.equal(['a', 'b']);
    expect(el.hostedOnly).to.equal(true);
    expect(el.limit).to.equal(20);
    expect(el.evalMetric).to.equal('bench.*');
    expect(el.pathField).to.equal('uri');
    el.hostedMetric = 'ckpt.hf';
    await el.updateComplete;
    expect(el.getAttribute('hosted-metric')).to.equal('ckpt.hf');
  });

  it('says what to do when no run is set, and subscribes to nothing', async () => {
    const el = await fixture<CheckpointTable>(html`<checkpoint-table></checkpoint-table>`);
    expect(el.state).to.equal('empty');
    expect(el.shadowRoot!.querySelector('.message')!.textContent).to.contain('No run selected');
    expect(liveStores()).to.have.length(0);
  });

  it('shows loading until the first answer', async () => {
    const run = uniqueRun('ck-loading');
    await fourCheckpoints(run);
    const el = document.createElement('checkpoint-table');
    el.src = SOURCE_URL;
    el.run = run;
    document.body.append(el);
    try {
      await el.updateComplete;
      expect(el.state).to.equal('loading');
      expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.contain('Loading');
      await ready(el, 4);
    } finally {
      el.remove();
    }
  });

  it('lists checkpoints newest first with size, save duration, path and time', async () => {
    const run = uniqueRun('ck-list');
    const saved = await fourCheckpoints(run);
    const el = await tableFor(run);
    await ready(el, 4);
    const newestFirst = [...saved].sort((a, b) => b.time - a.time);
    expect(cells(el, 'step')).to.deep.equal(newestFirst.map((c) => String(c.step)));
    expect(cells(el, 'path')).to.deep.equal(newestFirst.map((c) => c.path));
    expect(cells(el, 'size')).to.deep.equal(['2.5 GiB', '2 GiB', '1.5 GiB', '1.5 GiB']);
    expect(cells(el, 'save')).to.deep.equal(['–', '1m', '44s', '40s']);
    expect(cells(el, 'time')[0]).to.equal(new Date(newestFirst[0].time).toISOString().replace('T', ' ').slice(0, 19));
    expect(header(el, 'time (UTC)').getAttribute('aria-sort')).to.equal('descending');
    expect(headers(el)).to.deep.equal(['step', 'time (UTC)', 'size', 'save', 'path', 'hosted']);
  });

  it('summarises count, total size, mean interval, mean save duration and age', async () => {
    const run = uniqueRun('ck-stats');
    const saved = await fourCheckpoints(run);
    const el = await tableFor(run);
    await ready(el, 4);
    const times = saved.map((c) => c.time).sort((a, b) => a - b);
    const meanIntervalS = (times.at(-1)! - times[0]) / 1000 / (times.length - 1); // 10 minutes
    expect(meanIntervalS).to.equal(600);
    const durations = saved.flatMap((c) => (c.duration === undefined ? [] : [c.duration]));
    const meanSave = durations.reduce((a, b) => a + b, 0) / durations.length; // 48 s
    const totalGiB = saved.reduce((a, c) => a + c.size, 0) / GiB; // 7.5
    const text = summary(el);
    expect(text).to.contain('4 checkpoints');
    expect(text).to.contain(`${totalGiB} GiB total`);
    expect(text).to.contain('every 10m on average');
    expect(text).to.contain(`save ${meanSave}s mean`);
    expect(text).to.match(/latest 5m( \d+s)? ago/);
    expect(text).to.contain('0 hosted');
    const [stats] = el.checkpoints.stats;
    expect(stats.meanIntervalSeconds).to.equal(meanIntervalS);
    expect(stats.totalBytes).to.equal(totalGiB * GiB);
    expect(stats.meanSaveSeconds).to.equal(meanSave);
  });

  it('sorts by a column when its header button is pressed, and reverses on a second press', async () => {
    const run = uniqueRun('ck-sort');
    const saved = await fourCheckpoints(run);
    const el = await tableFor(run);
    await ready(el, 4);
    const sizeButton = header(el, 'size').querySelector('button')!;
    expect(sizeButton.type).to.equal('button');
    sizeButton.click();
    await el.updateComplete;
    // Largest first; equal sizes keep newest first.
    const bySizeDesc = [...saved].sort((a, b) => b.size - a.size || b.time - a.time).map((c) => String(c.step));
    expect(cells(el, 'step')).to.deep.equal(bySizeDesc);
    expect(header(el, 'size').getAttribute('aria-sort')).to.equal('descending');
    expect(header(el, 'time (UTC)').hasAttribute('aria-sort')).to.equal(false);
    sizeButton.click();
    await el.updateComplete;
    const bySizeAsc = [...saved].sort((a, b) => a.size - b.size || b.time - a.time).map((c) => String(c.step));
    expect(cells(el, 'step')).to.deep.equal(bySizeAsc);
    expect(header(el, 'size').getAttribute('aria-sort')).to.equal('ascending');
    // A missing save duration sorts last either way.
    header(el, 'save').querySelector('button')!.click();
    await el.updateComplete;
    expect(cells(el, 'save')).to.deep.equal(['1m', '44s', '40s', '–']);
    header(el, 'save').querySelector('button')!.click();
    await el.updateComplete;
    expect(cells(el, 'save')).to.deep.equal(['40s', '44s', '1m', '–']);
  });

  it('adds a column per benchmark, keeps the latest re-evaluation, and emphasises the best score', async () => {
    const run = uniqueRun('ck-evals');
    const saved = await fourCheckpoints(run);
    const [a, b, c] = saved;
    await score(run, 'mmlu', a.step, 0.31, a.time + 1000);
    await score(run, 'mmlu', b.step, 0.35, b.time + 1000);
    await score(run, 'mmlu', b.step, 0.37, b.time + 2000); // re-run: replaces 0.35
    await score(run, 'mmlu', c.step, 0.36, c.time + 1000);
    await score(run, 'perplexity', a.step, 12.5, a.time + 1000);
    await score(run, 'perplexity', c.step, 9.75, c.time + 1000);
    await score(run, 'hellaswag', c.step, NaN, c.time + 1000);
    await score(run, 'gsm8k', 777, 0.5, c.time + 1000); // not a checkpoint step: no row of its own
    const el = await tableFor(run, { 'lower-better': 'perplexity' });
    await waitFor(() => headers(el).includes('perplexity') && el, 'benchmark columns');
    // gsm8k was scored at a step with no checkpoint: no column.
    expect(headers(el).slice(6)).to.deep.equal(['hellaswag', 'mmlu', 'perplexity']);
    expect(cells(el, 'step')).to.have.length(4);
    const mmlu = cells(el, 'eval:checkpoint.eval.mmlu');
    expect(mmlu).to.deep.equal(['–', '0.36', '0.37', '0.31']);
    const best = [...el.shadowRoot!.querySelectorAll('.best')].map((n) => n.textContent);
    expect(best).to.deep.equal(['9.75', '0.37']);
    expect(cells(el, 'eval:checkpoint.eval.hellaswag')).to.deep.equal(['–', 'NaN', '–', '–']);
    // Sorting by a benchmark: best first, missing scores last.
    header(el, 'mmlu').querySelector('button')!.click();
    await el.updateComplete;
    expect(cells(el, 'eval:checkpoint.eval.mmlu')).to.deep.equal(['0.37', '0.36', '0.31', '–']);
    expect(header(el, 'mmlu').getAttribute('aria-sort')).to.equal('descending');
  });

  it('links hosted checkpoints over http(s) only, and lists only them with hosted-only', async () => {
    const run = uniqueRun('ck-hosted');
    const saved = await fourCheckpoints(run);
    await host(run, saved[1].step, saved[1].time + 5000, 'https://huggingface.co/org/model/tree/step-1000', 'hf-hub');
    await host(run, saved[2].step, saved[2].time + 5000, 'javascript:alert(1)', 'evil');
    const el = await tableFor(run);
    await waitFor(() => summary(el).includes('2 hosted') && el, 'hosted rows');
    const links = el.shadowRoot!.querySelectorAll('a');
    expect(links).to.have.length(1);
    expect(links[0].getAttribute('href')).to.equal('https://huggingface.co/org/model/tree/step-1000');
    expect(links[0].textContent).to.equal('hf-hub');
    expect(links[0].getAttribute('rel')).to.contain('noopener');
    expect(cells(el, 'hosted')).to.deep.equal(['–', 'evil', 'hf-hub', '–']);
    el.hostedOnly = true;
    await waitFor(() => el.shadowRoot!.querySelectorAll('tbody tr').length === 2 && el, 'only the hosted rows');
    expect(cells(el, 'step')).to.deep.equal([String(saved[2].step), String(saved[1].step)]);
    expect(el.shadowRoot!.querySelector('.title')!.textContent).to.equal('Hosted checkpoints');
  });

  it('fires trainwatch-checkpoint-select on click and on Enter, not on the hosted link', async () => {
    const run = uniqueRun('ck-select');
    const saved = await fourCheckpoints(run);
    await host(run, saved[3].step, saved[3].time + 5000, 'https://example.org/ckpt', 'mirror');
    const el = await tableFor(run);
    await waitFor(() => el.shadowRoot!.querySelector('a') && el, 'the link');
    const rows = el.shadowRoot!.querySelectorAll<HTMLTableRowElement>('tbody tr');
    const clicked = oneEvent(el, 'trainwatch-checkpoint-select');
    rows[1].click();
    const event = await clicked;
    expect(event.detail).to.deep.equal({ run, step: saved[2].step, time: saved[2].time });
    expect(event.bubbles).to.equal(true);
    expect(event.composed).to.equal(true);
    const keyed = oneEvent(el, 'trainwatch-checkpoint-select');
    rows[3].dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
    expect((await keyed).detail).to.deep.equal({ run, step: saved[0].step, time: saved[0].time });
    let fired = 0;
    el.addEventListener('trainwatch-checkpoint-select', () => fired++);
    const link = el.shadowRoot!.querySelector('a')!;
    link.addEventListener('click', (e) => e.preventDefault());
    link.click();
    expect(fired).to.equal(0);
  });

  it('shows markup in a path as text', async () => {
    const run = uniqueRun('ck-xss');
    const evil = '<img src=x onerror=alert(1)>';
    await save(run, { step: 10, time: Date.now() - MIN, size: 1000, path: evil, duration: 3 });
    await host(run, 10, Date.now() - MIN, 'https://example.org/x', '<b>bold</b>');
    const el = await tableFor(run);
    await ready(el);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(el.shadowRoot!.querySelector('b')).to.equal(null);
    expect(cells(el, 'path')).to.deep.equal([evil]);
    expect(el.shadowRoot!.querySelector('a')!.textContent).to.equal('<b>bold</b>');
  });

  it('shows several runs with a run column in each run colour, and a summary per run', async () => {
    const first = uniqueRun('ck-multi-a');
    const second = uniqueRun('ck-multi-b');
    const now = Date.now();
    await save(first, { step: 100, time: now - 3 * MIN, size: 1024, path: 'a/100' });
    await save(second, { step: 100, time: now - 2 * MIN, size: 2048, path: 'b/100' });
    await save(second, { step: 200, time: now - MIN, size: 2048, path: 'b/200' });
    const el = await tableFor(`${first},${second}`);
    await ready(el, 3);
    expect(headers(el)[0]).to.equal('run');
    expect(cells(el, 'run')).to.deep.equal([second, second, first]);
    const swatches = [...el.shadowRoot!.querySelectorAll<HTMLElement>('td[data-column="run"] .swatch')].map((s) => s.style.background);
    expect(swatches[0]).to.equal(swatches[1]);
    expect(swatches[0]).to.not.equal(swatches[2]);
    for (const color of swatches) expect(PALETTE.map((c) => hexToRgb(c))).to.include(color);
    const lines = [...el.shadowRoot!.querySelectorAll('.summary li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());
    expect(lines).to.have.length(2);
    expect(lines.find((l) => l.startsWith(second))).to.contain('2 checkpoints · 4 KiB total · every 1m on average');
    expect(lines.find((l) => l.startsWith(first))).to.contain('1 checkpoint · 1 KiB total');
  });

  it('shows at most limit rows while the summary counts every checkpoint', async () => {
    const run = uniqueRun('ck-limit');
    await fourCheckpoints(run);
    const el = await tableFor(run, { limit: '2' });
    await waitFor(() => el.shadowRoot!.querySelectorAll('tbody tr').length === 2 && el.checkpoints.checkpoints.length === 2 && el, 'two rows');
    expect(cells(el, 'step')).to.deep.equal(['2000', '1500']);
    expect(summary(el)).to.contain('4 checkpoints');
  });

  it('rejects an invalid limit with a clear message', async () => {
    const el = await fixture<CheckpointTable>(html`<checkpoint-table run="r" limit="lots"></checkpoint-table>`);
    expect(el.state).to.equal('error');
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('limit must be a whole number from 1 to 10000; got "lots"');
    expect(liveStores()).to.have.length(0);
    el.limit = 0;
    await el.updateComplete;
    expect(el.stateMessage).to.contain('got "0"');
  });

  it('says when a run has no checkpoints', async () => {
    const run = uniqueRun('ck-none');
    await insertPoints(run, 'loss', [{ step: 1, value: 2 }]);
    const el = await tableFor(run);
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.shadowRoot!.querySelector('.message')!.textContent).to.equal(`No checkpoints ("checkpoint.saved") for run "${run}" yet.`);
    el.hostedOnly = true;
    await waitFor(() => el.stateMessage.startsWith('No hosted checkpoints'), 'the hosted-only empty state');
  });

  it('reports an unreachable server', async () => {
    const el = await tableFor('r', { src: 'http://127.0.0.1:9' });
    await waitFor(() => el.state === 'error', 'the error state');
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('Cannot reach ClickHouse at http://127.0.0.1:9');
  });

  it('treats SQL-looking attribute values as plain names', async () => {
    const run = uniqueRun('ck-sql');
    await fourCheckpoints(run);
    const el = await tableFor(run, { metric: "checkpoint.saved' OR 1=1 --", 'path-field': "path') --" });
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.contain(`("checkpoint.saved' OR 1=1 --")`);
  });

  it('releases its subscription and timer when removed', async () => {
    const run = uniqueRun('ck-teardown');
    await fourCheckpoints(run);
    const el = await tableFor(run);
    await ready(el);
    expect(el.holdsResources).to.equal(true);
    el.remove();
    expect(el.holdsResources).to.equal(false);
    expect(liveStores()).to.have.length(0);
  });

  it('is accessible', async () => {
    const run = uniqueRun('ck-a11y');
    const saved = await fourCheckpoints(run);
    await host(run, saved[0].step, saved[0].time, 'https://example.org/a', 'mirror');
    await score(run, 'mmlu', saved[0].step, 0.4, saved[0].time);
    const el = await tableFor(run);
    await waitFor(() => headers(el).includes('mmlu') && el, 'the full table');
    expect(el.shadowRoot!.querySelectorAll('th[scope="col"]')).to.have.length(7);
    await expect(el).to.be.accessible();
  });
});

function hexToRgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
