import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import { captureDownloads } from '../../../test/browser/capture-downloads.js';
import { CheckpointTable } from './checkpoint-table.component.js';
import './checkpoint-table.js';

const MIN = 60_000;
const GiB = 1024 ** 3;
const HEADER = 'run,step,time,size_bytes,save_seconds,path,hosted,hosted_where,hosted_url';

interface Saved {
  step: number;
  time: number;
  size: number;
  path: string;
  duration?: number;
}

async function save(run: string, c: Saved) {
  const tags: Record<string, unknown> = { path: c.path };
  if (c.duration !== undefined) tags.duration_s = c.duration;
  await insertPoints(run, 'checkpoint.saved', [{ step: c.step, value: c.size, time: c.time }], { unit: 'B', tags_json: JSON.stringify(tags) });
}

async function host(run: string, step: number, time: number, url: string, where: string) {
  await insertPoints(run, 'checkpoint.hosted', [{ step, value: 1, time }], { tags_json: JSON.stringify({ url, where }) });
}

async function score(run: string, bench: string, step: number, value: number, time: number) {
  await insertPoints(run, `checkpoint.eval.${bench}`, [{ step, value, time }]);
}

/** Four checkpoints (two of equal size), one hosted, scores on three of them. */
async function seed(run: string) {
  const t0 = Date.now() - 35 * MIN;
  const saved: Saved[] = [
    { step: 500, time: t0, size: 1.5 * GiB, path: 's3://ckpt/step-500', duration: 40.25 },
    { step: 1000, time: t0 + 10 * MIN, size: 1.5 * GiB, path: 's3://ckpt/step-1000', duration: 44 },
    { step: 1500, time: t0 + 25 * MIN, size: 2 * GiB, path: 's3://ckpt/step-1500', duration: 60.125 },
    { step: 2000, time: t0 + 30 * MIN, size: 2.5 * GiB, path: 's3://ckpt/step-2000' },
  ];
  for (const c of saved) await save(run, c);
  await host(run, 1000, saved[1].time + 5000, 'https://example.org/ckpt/1000', 'mirror');
  const mmlu = new Map([
    [500, 0.123456789012345],
    [1000, 0.3701],
    [1500, 0.36],
  ]);
  for (const [step, value] of mmlu) await score(run, 'mmlu', step, value, saved.find((c) => c.step === step)!.time + 1000);
  await score(run, 'hellaswag', 1500, NaN, saved[2].time + 1000);
  return { saved, mmlu };
}

type Seeded = Awaited<ReturnType<typeof seed>>;

/** The CSV line each checkpoint should become, written out from what was inserted. */
function expectedLine(run: string, c: Saved, { mmlu }: Seeded): string {
  const hosted = c.step === 1000;
  const hellaswag = c.step === 1500 ? 'NaN' : '';
  return [
    run,
    c.step,
    new Date(c.time).toISOString(),
    c.size,
    c.duration ?? '',
    c.path,
    hosted ? 'true' : 'false',
    hosted ? 'mirror' : '',
    hosted ? 'https://example.org/ckpt/1000' : '',
    hellaswag,
    mmlu.has(c.step) ? String(mmlu.get(c.step)) : '',
  ].join(',');
}

const csvOf = (header: string, lines: string[]) => [header, ...lines].join('\r\n') + '\r\n';
const HEADER_WITH_EVALS = `${HEADER},checkpoint.eval.hellaswag,checkpoint.eval.mmlu`;

async function tableFor(run: string, attrs = '') {
  const el = await fixture<CheckpointTable>(html`<checkpoint-table src=${SOURCE_URL} run=${run} poll-interval="300"></checkpoint-table>`);
  for (const pair of attrs.split(' ').filter(Boolean)) {
    const [name, value] = pair.split('=');
    el.setAttribute(name, value ?? '');
  }
  return el;
}

const root = (el: CheckpointTable) => el.shadowRoot!;
const steps = (el: CheckpointTable) => [...root(el).querySelectorAll<HTMLElement>('tbody td[data-column="step"]')].map((td) => td.textContent!.trim());
const headerCell = (el: CheckpointTable, label: string) =>
  [...root(el).querySelectorAll('th')].find((th) => th.textContent!.replace(/[▲▼]/g, '').trim() === label)!;

describe('<checkpoint-table> export and keyboard', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores()).to.deep.equal([]);
  });

  it('exports the rows listed as CSV: raw values, ISO times, every benchmark, in the order shown', async () => {
    const run = uniqueRun('ck-csv');
    const seeded = await seed(run);
    const el = await tableFor(run);
    await waitFor(() => el.state === 'ready' && steps(el).length === 4 && headerCell(el, 'mmlu') && el, 'the full table');
    const newestFirst = [...seeded.saved].sort((a, b) => b.time - a.time);
    expect(await el.toCSV()).to.equal(csvOf(HEADER_WITH_EVALS, newestFirst.map((c) => expectedLine(run, c, seeded))));
    // Sorted by a benchmark on screen: the CSV follows, missing scores last.
    headerCell(el, 'mmlu').querySelector('button')!.click();
    await el.updateComplete;
    const byMmlu = [...seeded.saved].sort((a, b) => (seeded.mmlu.get(b.step) ?? -Infinity) - (seeded.mmlu.get(a.step) ?? -Infinity));
    expect(steps(el)).to.deep.equal(byMmlu.map((c) => String(c.step)));
    expect(await el.toCSV()).to.equal(csvOf(HEADER_WITH_EVALS, byMmlu.map((c) => expectedLine(run, c, seeded))));
  });

  it('sorts from the keyboard: Enter on a focused header button reorders and moves aria-sort', async () => {
    const run = uniqueRun('ck-keys');
    const { saved } = await seed(run);
    const el = await tableFor(run);
    await waitFor(() => el.state === 'ready' && steps(el).length === 4 && el, 'the rows');
    const size = headerCell(el, 'size');
    expect(size.getAttribute('scope')).to.equal('col');
    expect(size.hasAttribute('aria-sort')).to.equal(false);
    expect(headerCell(el, 'time (UTC)').getAttribute('aria-sort')).to.equal('descending');
    size.querySelector('button')!.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    const bySize = (sign: number) => [...saved].sort((a, b) => sign * (a.size - b.size) || b.time - a.time).map((c) => String(c.step));
    expect(steps(el)).to.deep.equal(bySize(-1));
    expect(size.getAttribute('aria-sort')).to.equal('descending');
    expect(headerCell(el, 'time (UTC)').hasAttribute('aria-sort')).to.equal(false);
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(steps(el)).to.deep.equal(bySize(1));
    expect(size.getAttribute('aria-sort')).to.equal('ascending');
    // The button keeps focus across the re-render, and the CSV follows the new order.
    expect(root(el).activeElement).to.equal(size.querySelector('button'));
    const csvSteps = (await el.toCSV()).trim().split('\r\n').slice(1).map((line) => line.split(',')[1]);
    expect(csvSteps).to.deep.equal(bySize(1));
  });

  it('selects rows from the keyboard: arrows move, Enter and Space choose, the choice is aria-current', async () => {
    const run = uniqueRun('ck-rows');
    const { saved } = await seed(run);
    const el = await tableFor(run);
    await waitFor(() => el.state === 'ready' && steps(el).length === 4 && el, 'the rows');
    const rows = () => [...root(el).querySelectorAll<HTMLTableRowElement>('tbody tr')];
    const chosen: number[] = [];
    el.addEventListener('trainwatch-checkpoint-select', (e) => chosen.push(e.detail.step));
    rows()[0].focus();
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'ArrowDown' });
    expect(root(el).activeElement).to.equal(rows()[2]);
    await sendKeys({ press: 'Enter' });
    await sendKeys({ press: 'End' });
    expect(root(el).activeElement).to.equal(rows()[3]);
    await sendKeys({ press: 'Space' });
    const newestFirst = [...saved].sort((a, b) => b.time - a.time).map((c) => c.step);
    expect(chosen).to.deep.equal([newestFirst[2], newestFirst[3]]);
    await el.updateComplete;
    expect(rows().map((r) => r.getAttribute('aria-current'))).to.deep.equal([null, null, null, 'true']);
    await sendKeys({ press: 'Home' });
    expect(root(el).activeElement).to.equal(rows()[0]);
  });

  it('opens the export menu from the keyboard and downloads the CSV', async () => {
    const run = uniqueRun('ck-menu');
    await seed(run);
    const el = await tableFor(run);
    await waitFor(() => el.state === 'ready' && steps(el).length === 4 && el, 'the rows');
    const menu = root(el).querySelector<HTMLDetailsElement>('.header details.export')!;
    const summary = menu.querySelector('summary')!;
    expect(summary.getAttribute('aria-label')).to.equal('Export checkpoints');
    const downloads = captureDownloads();
    try {
      summary.focus();
      await sendKeys({ press: 'Enter' });
      expect(menu.open).to.equal(true);
      await sendKeys({ press: 'Tab' });
      const first = root(el).activeElement as HTMLButtonElement;
      expect(first.textContent!.trim()).to.equal('CSV of the rows listed');
      await sendKeys({ press: 'Enter' });
      await waitFor(() => downloads.saved.length === 1, 'the download');
      expect(menu.open).to.equal(false);
      expect(downloads.saved[0].name).to.equal(`${run}-checkpoints.csv`);
      expect(await downloads.saved[0].blob.text()).to.equal(await el.toCSV());
      // Escape closes an open menu and gives focus back to its button.
      summary.focus();
      await sendKeys({ press: 'Enter' });
      expect(menu.open).to.equal(true);
      await sendKeys({ press: 'Escape' });
      expect(menu.open).to.equal(false);
      expect(root(el).activeElement).to.equal(summary);
    } finally {
      downloads.restore();
    }
  });

  it('exports every checkpoint beyond limit on request, and refuses a raw export past the bound with a message', async () => {
    const run = uniqueRun('ck-raw');
    const seeded = await seed(run);
    const el = await tableFor(run, 'limit=2');
    await waitFor(() => el.state === 'ready' && el.checkpoints.checkpoints.length === 2 && steps(el).length === 2 && el, 'two rows');
    const newestFirst = [...seeded.saved].sort((a, b) => b.time - a.time);
    expect(await el.toCSV()).to.equal(csvOf(HEADER_WITH_EVALS, newestFirst.slice(0, 2).map((c) => expectedLine(run, c, seeded))));
    const raw = await el.toCSV({ raw: true });
    expect(raw).to.equal(csvOf(HEADER_WITH_EVALS, newestFirst.map((c) => expectedLine(run, c, seeded))));
    const before = CheckpointTable.rawRowLimit;
    const downloads = captureDownloads();
    CheckpointTable.rawRowLimit = 3;
    try {
      let message = '';
      await el.toCSV({ raw: true }).catch((e: Error) => (message = e.message));
      expect(message).to.equal('More than 3 checkpoints: too many for one CSV. Export fewer runs at a time, or use hosted-only.');
      // From the menu, the failure is said in the card, and nothing is downloaded.
      root(el).querySelector<HTMLDetailsElement>('details.export')!.open = true;
      const all = [...root(el).querySelectorAll<HTMLButtonElement>('.export-items button')].find((b) => b.textContent!.includes('all checkpoints'))!;
      all.click();
      await waitFor(() => root(el).querySelector('.banner[role="alert"]'), 'the export error');
      expect(root(el).querySelector('.banner')!.textContent).to.equal(`Export failed: ${message}`);
      expect(downloads.saved).to.have.length(0);
    } finally {
      CheckpointTable.rawRowLimit = before;
      downloads.restore();
    }
  });

  it('escapes hostile text in CSV and never renders it as HTML', async () => {
    const run = uniqueRun('ck"quoted');
    const path = '=SUM(A1)"x",y\n<script>window.__pwned = 1</script>';
    const where = '<img src=x onerror="window.__pwned = 2">, mirror';
    const time = Date.now() - MIN;
    await save(run, { step: 7, time, size: 1000, path, duration: 0.5 });
    await host(run, 7, time, 'https://example.org/x', where);
    const el = await tableFor(run);
    await waitFor(() => el.state === 'ready' && steps(el).length === 1 && el, 'the row');
    expect(root(el).querySelector('script, img')).to.equal(null);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    expect(root(el).querySelector('td[data-column="path"]')!.textContent).to.equal(path);
    expect(root(el).querySelector('td[data-column="hosted"] a')!.textContent).to.equal(where);
    const quotedRun = `"${run.replace('"', '""')}"`;
    expect(await el.toCSV()).to.equal(
      csvOf(HEADER, [
        `${quotedRun},7,${new Date(time).toISOString()},1000,0.5,"'=SUM(A1)""x"",y\n<script>window.__pwned = 1</script>",true,"<img src=x onerror=""window.__pwned = 2"">, mirror",https://example.org/x`,
      ]),
    );
  });

  it('passes axe with the full table, a chosen row and the export menu open, in light and dark themes', async () => {
    const run = uniqueRun('ck-axe');
    await seed(run);
    const el = await tableFor(run, 'lower-better=perplexity');
    await waitFor(() => el.state === 'ready' && steps(el).length === 4 && headerCell(el, 'mmlu') && el, 'the full table');
    root(el).querySelector<HTMLTableRowElement>('tbody tr')!.click();
    await el.updateComplete;
    expect(root(el).querySelector('header')).to.equal(null);
    expect(root(el).querySelector('.header')!.getAttribute('part')).to.equal('header');
    for (const th of root(el).querySelectorAll('th')) {
      expect(th.getAttribute('scope')).to.equal('col');
      expect(th.querySelector('button')!.textContent!.trim()).to.not.equal('');
    }
    await expect(el).to.be.accessible();
    root(el).querySelector<HTMLDetailsElement>('details.export')!.open = true;
    await expect(el).to.be.accessible();
    el.theme = 'dark';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });
});
