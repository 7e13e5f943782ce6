import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { colorFor } from '../../chart/colors.js';
import { liveStores } from '../../store/registry.js';
import { captureDownloads, exportByKeyboard } from '../../../test/browser/capture-downloads.js';
import { RunPicker } from './run-picker.component.js';
import './run-picker.js';

const HEADER = 'run,status,reason,selected,first_time,last_time,last_step';
const iso = (ms: number) => new Date(ms).toISOString();

const badge = (el: RunPicker, run: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button[part="badge"]')].find((b) => b.querySelector('.name')!.textContent === run);

/**
 * Three runs reporting in the past (other tests' runs sit at "now + 1 day" and
 * must stay the newest): a failed one with a hostile reason, a finished one,
 * and a stale one whose id carries a quote.
 */
async function seed() {
  const now = Date.now();
  const failed = uniqueRun('rp-failed');
  const finished = uniqueRun('rp-finished');
  const stale = uniqueRun('rp-stale"q');
  const reason = '=cmd|"/C calc"!A0, <script>window.__pwned = 1</script>\nsecond line';
  await insertPoints(failed, 'loss', [{ step: 3, value: 1, time: now - 40_000 }]);
  await insertPoints(failed, 'run.status', [{ step: 12, value: 2, time: now - 30_000 }], { tags_json: JSON.stringify({ status: 'failed', reason }) });
  await insertPoints(finished, 'loss', [
    { step: 1, value: 1, time: now - 900_000 },
    { step: 40, value: 1, time: now - 600_000 },
  ]);
  await insertPoints(finished, 'run.status', [{ step: 40, value: 1, time: now - 600_000 }], { tags_json: '{"status":"finished"}' });
  await insertPoints(stale, 'loss', [{ step: 7, value: 1, time: now - 1_800_000 }]);
  return {
    runs: [failed, finished, stale],
    lines: [
      `${failed},failed,"'=cmd|""/C calc""!A0, <script>window.__pwned = 1</script>\nsecond line",true,${iso(now - 40_000)},${iso(now - 30_000)},12`,
      `${finished},finished,,false,${iso(now - 900_000)},${iso(now - 600_000)},40`,
      `"${stale.replace('"', '""')}",stale,,true,${iso(now - 1_800_000)},${iso(now - 1_800_000)},7`,
    ],
  };
}

/** The CSV's data lines that belong to `runs` (the table is shared with other tests), in file order. */
function mine(csv: string, runs: string[]): string[] {
  // Quoted cells may hold a bare \n; only records end with \r\n.
  const [header, ...rest] = csv.split('\r\n');
  expect(header).to.equal(HEADER);
  return rest.filter((line) => runs.some((r) => line.startsWith(r) || line.startsWith(`"${r.replace('"', '""')}"`)));
}

describe('<run-picker> export and accessibility', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores()).to.deep.equal([]);
  });

  it('exports the runs listed as CSV: newest first, status, reason as written, selection, ISO times', async () => {
    const { runs, lines } = await seed();
    const [failed, , stale] = runs;
    const el = await fixture<RunPicker>(html`<run-picker src=${SOURCE_URL} limit="1000" poll-interval="300" selected=${`${failed},${stale}`}></run-picker>`);
    await waitFor(() => runs.every((r) => badge(el, r)) && el, 'the runs');
    const csv = await el.toCSV();
    expect(csv.endsWith('\r\n')).to.equal(true);
    expect(mine(csv, runs)).to.deep.equal(lines);
    // Every run listed is in the file, in the order listed.
    expect(csv.split('\r\n').length - 2).to.equal(el.summaries.length);
    // Hostile reason: a tooltip's text, never markup.
    expect(el.shadowRoot!.querySelector('script')).to.equal(null);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    expect(badge(el, failed)!.title).to.contain('<script>');
  });

  it('exports every run beyond limit on request, and refuses past the bound with a message', async () => {
    const { runs, lines } = await seed();
    const el = await fixture<RunPicker>(html`<run-picker src=${SOURCE_URL} limit="1" poll-interval="300" selected=${`${runs[0]},${runs[2]}`}></run-picker>`);
    await waitFor(() => el.summaries.length === 1 && el, 'one run');
    expect((await el.toCSV()).split('\r\n').filter(Boolean)).to.have.length(2);
    const raw = await el.toCSV({ raw: true });
    expect(mine(raw, runs)).to.deep.equal(lines);
    const before = RunPicker.rawRowLimit;
    const downloads = captureDownloads();
    RunPicker.rawRowLimit = 2;
    try {
      let message = '';
      await el.toCSV({ raw: true }).catch((e: Error) => (message = e.message));
      expect(message).to.equal('More than 2 runs: too many for one CSV.');
      await exportByKeyboard(el.shadowRoot!, 'CSV of all runs');
      await waitFor(() => el.shadowRoot!.querySelector('.banner[role="alert"]'), 'the export error');
      expect(el.shadowRoot!.querySelector('.banner')!.textContent).to.equal(`Export failed: ${message}`);
      expect(downloads.saved).to.have.length(0);
    } finally {
      RunPicker.rawRowLimit = before;
      downloads.restore();
    }
  });

  it('downloads the list from the export menu opened with the keyboard', async () => {
    const { runs } = await seed();
    const el = await fixture<RunPicker>(html`<run-picker src=${SOURCE_URL} limit="1000" poll-interval="300"></run-picker>`);
    await waitFor(() => runs.every((r) => badge(el, r)) && el, 'the runs');
    const downloads = captureDownloads();
    try {
      await exportByKeyboard(el.shadowRoot!, 'CSV of the runs listed');
      await waitFor(() => downloads.saved.length === 1, 'the download');
      expect(downloads.saved[0].name).to.equal('runs.csv');
      expect(mine(await downloads.saved[0].blob.text(), runs)).to.deep.equal(mine(await el.toCSV(), runs));
    } finally {
      downloads.restore();
    }
  });

  it('is a labelled list of toggle buttons in run colours, and passes axe in both themes', async () => {
    const { runs } = await seed();
    const [failed, finished] = runs;
    const el = await fixture<RunPicker>(html`<run-picker src=${SOURCE_URL} limit="1000" poll-interval="300" selected=${failed}></run-picker>`);
    await waitFor(() => runs.every((r) => badge(el, r)) && el, 'the runs');
    const list = el.shadowRoot!.querySelector('ul')!;
    expect(list.getAttribute('aria-label')).to.equal('Runs');
    expect([...list.children].every((li) => li.tagName === 'LI' && li.querySelectorAll('button').length === 1)).to.equal(true);
    expect(badge(el, failed)!.getAttribute('aria-pressed')).to.equal('true');
    expect(badge(el, finished)!.getAttribute('aria-pressed')).to.equal('false');
    expect(badge(el, finished)!.style.getPropertyValue('--_run').trim()).to.equal(colorFor(finished));
    // Unselected badges are not faded: their text keeps full contrast.
    expect(getComputedStyle(badge(el, finished)!).opacity).to.equal('1');
    await expect(el).to.be.accessible();
    el.shadowRoot!.querySelector<HTMLDetailsElement>('details.export')!.open = true;
    el.theme = 'dark';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });
});
