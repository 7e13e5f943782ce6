import { expect, fixture, fixtureCleanup } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from '../../../test/browser/helpers.js';
import { colorFor } from '../../chart/colors.js';
import { liveStores } from '../../store/registry.js';
import { captureDownloads, exportByKeyboard } from '../../../test/browser/capture-downloads.js';
import { SampleViewer } from './sample-viewer.component.js';
import './sample-viewer.js';

interface Row {
  step: number;
  score: number;
  time: number;
  /** An object is stringified; a string is written as is (malformed tags). */
  tags: Record<string, unknown> | string;
}

async function insert(run: string, rows: Row[]) {
  await writer.insert({
    table: 'training_observability.metric_points',
    format: 'JSONEachRow',
    values: rows.map((r) => ({
      run_id: run,
      metric: 'sample',
      step: r.step,
      value: Number.isFinite(r.score) ? r.score : String(r.score).toLowerCase(),
      event_time: new Date(r.time).toISOString().replace('T', ' ').replace('Z', ''),
      tags_json: typeof r.tags === 'string' ? r.tags : JSON.stringify(r.tags),
    })),
  });
}

async function mount(attrs: Record<string, string>): Promise<SampleViewer> {
  const el = document.createElement('sample-viewer');
  el.setAttribute('src', SOURCE_URL);
  el.setAttribute('poll-interval', '300');
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  return fixture<SampleViewer>(el);
}

const cards = (el: SampleViewer) => el.shadowRoot!.querySelectorAll('.sample').length;
const showing = (el: SampleViewer, step: number, count: number) =>
  waitFor(() => el.state === 'ready' && el.shownStep === step && !el.shadowRoot!.querySelector('.cards.loading') && cards(el) === count && el, `${count} samples of step ${step}`);
const iso = (ms: number) => new Date(ms).toISOString();
const csvOf = (lines: string[]) => lines.join('\r\n') + '\r\n';

describe('<sample-viewer> export and accessibility', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores()).to.deep.equal([]);
  });

  it('exports the samples shown as CSV: step, ISO time, full-precision scores, text as written, a column per named score', async () => {
    const run = uniqueRun('sv-csv');
    const t = Date.now() - 60_000;
    const rows: Row[] = [
      { step: 40, score: 0.123456789012345, time: t, tags: { prompt: 'What is 2+2?', completion: '4', scores: { reward: 0.987654321, judge: 'pass' } } },
      { step: 40, score: NaN, time: t + 1, tags: { prompt: 'Name a colour', completion: 'blue', scores: { reward: -1.5, length: 12 } } },
      { step: 40, score: 2, time: t + 2, tags: { prompt: 'Say nothing', completion: '' } },
      { step: 20, score: 9, time: t - 5000, tags: { prompt: 'older step', completion: 'x' } },
    ];
    await insert(run, rows);
    const el = await mount({ run });
    await showing(el, 40, 3);
    expect(await el.toCSV()).to.equal(
      csvOf([
        'run,step,time,score,prompt,completion,scores.reward,scores.judge,scores.length',
        `${run},40,${iso(t)},0.123456789012345,What is 2+2?,4,0.987654321,pass,`,
        `${run},40,${iso(t + 1)},NaN,Name a colour,blue,-1.5,,12`,
        `${run},40,${iso(t + 2)},2,Say nothing,,,,`,
      ]),
    );
    // The step picked is the step exported.
    el.showStep(20);
    await showing(el, 20, 1);
    expect(await el.toCSV()).to.equal(csvOf(['run,step,time,score,prompt,completion', `${run},20,${iso(t - 5000)},9,older step,x`]));
  });

  it('exports every sample of the step beyond limit on request, and refuses past the bound with a message', async () => {
    const run = uniqueRun('sv-raw');
    const t = Date.now() - 60_000;
    await insert(run, Array.from({ length: 5 }, (_, i) => ({ step: 3, score: i, time: t + i, tags: { prompt: `p${i}`, completion: `c${i}` } })));
    const el = await mount({ run, limit: '2' });
    await showing(el, 3, 2);
    const line = (i: number) => `${run},3,${iso(t + i)},${i},p${i},c${i}`;
    const header = 'run,step,time,score,prompt,completion';
    expect(await el.toCSV()).to.equal(csvOf([header, line(0), line(1)]));
    expect(await el.toCSV({ raw: true })).to.equal(csvOf([header, ...[0, 1, 2, 3, 4].map(line)]));
    const before = SampleViewer.rawRowLimit;
    const downloads = captureDownloads();
    SampleViewer.rawRowLimit = 4;
    try {
      let message = '';
      await el.toCSV({ raw: true }).catch((e: Error) => (message = e.message));
      expect(message).to.equal('More than 4 samples at step 3: too many for one CSV.');
      await exportByKeyboard(el.shadowRoot!, 'CSV of all samples of this step');
      await waitFor(() => el.shadowRoot!.querySelector('.banner[role="alert"]'), 'the export error');
      expect(el.shadowRoot!.querySelector('.banner')!.textContent).to.equal(`Export failed: ${message}`);
      expect(downloads.saved).to.have.length(0);
      SampleViewer.rawRowLimit = before;
      await exportByKeyboard(el.shadowRoot!, 'CSV of all samples of this step');
      await waitFor(() => downloads.saved.length === 1, 'the download');
      expect(downloads.saved[0].name).to.equal(`${run}-sample-step-3-all.csv`);
      expect(await downloads.saved[0].blob.text()).to.equal(csvOf([header, ...[0, 1, 2, 3, 4].map(line)]));
      await waitFor(() => !el.shadowRoot!.querySelector('.banner'), 'the error to clear');
    } finally {
      SampleViewer.rawRowLimit = before;
      downloads.restore();
    }
  });

  it('escapes hostile text in CSV (quotes, commas, newlines, formulas, markup) and renders it only as text', async () => {
    const run = uniqueRun('sv-hostile');
    const t = Date.now() - 60_000;
    const prompt = '=HYPERLINK("http://evil","click"), then\nnew line';
    const completion = '<script>window.__pwned = 1</script>';
    const malformed = '{"prompt": "cut, off "<b>';
    await insert(run, [
      { step: 1, score: 1, time: t, tags: { prompt, completion, scores: { '@cmd,"x"': '-2+3' } } },
      { step: 1, score: 0.5, time: t + 1, tags: malformed },
    ]);
    const el = await mount({ run });
    await showing(el, 1, 2);
    expect(el.shadowRoot!.querySelector('script, b')).to.equal(null);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    expect([...el.shadowRoot!.querySelectorAll('.sample pre')].map((p) => p.textContent)).to.deep.equal([prompt, completion, malformed]);
    expect(await el.toCSV()).to.equal(
      csvOf([
        'run,step,time,score,prompt,completion,"scores.@cmd,""x""",raw_tags_json',
        `${run},1,${iso(t)},1,"'=HYPERLINK(""http://evil"",""click""), then\nnew line",<script>window.__pwned = 1</script>,'-2+3,`,
        `${run},1,${iso(t + 1)},0.5,,,,"{""prompt"": ""cut, off ""<b>"`,
      ]),
    );
  });

  it('opens its export menu from the keyboard and passes axe in both themes', async () => {
    const run = uniqueRun('sv-axe');
    const t = Date.now() - 60_000;
    const long = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    await insert(run, [
      { step: 1, score: NaN, time: t, tags: { prompt: 'p', completion: long, scores: { reward: 0.5 } } },
      { step: 2, score: 1, time: t + 1, tags: 'not json' },
      { step: 2, score: 0.25, time: t + 2, tags: { prompt: 'q', completion: long } },
    ]);
    const el = await mount({ run, theme: 'light' });
    await showing(el, 2, 2);
    expect(el.shadowRoot!.querySelector('header')).to.equal(null);
    expect(el.shadowRoot!.querySelector('.header')!.getAttribute('part')).to.equal('header');
    // The run wears its page-wide colour.
    expect(el.shadowRoot!.querySelector('.title .swatch')!.getAttribute('style')).to.equal(`background:${colorFor(run)}`);
    const downloads = captureDownloads();
    try {
      await exportByKeyboard(el.shadowRoot!, 'CSV of the samples shown');
      await waitFor(() => downloads.saved.length === 1, 'the download');
      expect(downloads.saved[0].name).to.equal(`${run}-sample-step-2.csv`);
      expect(await downloads.saved[0].blob.text()).to.equal(await el.toCSV());
    } finally {
      downloads.restore();
    }
    await expect(el).to.be.accessible();
    el.showStep(1);
    await showing(el, 1, 1);
    el.shadowRoot!.querySelector<HTMLDetailsElement>('details.export')!.open = true;
    await expect(el).to.be.accessible();
    el.theme = 'dark';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });
});
