import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import { captureDownloads, exportByKeyboard } from '../../../test/browser/capture-downloads.js';
import type { MilestoneBar } from './milestone-bar.component.js';
import './milestone-bar.js';

const T0 = Date.UTC(2026, 0, 1);
const HEADER = 'run,metric,milestone,target,status,reached_time,reached_step,took_seconds,percent,eta_seconds,eta_time,value,value_time';

/** 1e9 tokens per 100 s up to 20e9, then 2e9 per 100 s up to 40e9 (rate over the last 10 minutes: 2e7/s). */
function tokenRun(): Point[] {
  return Array.from({ length: 31 }, (_, i) => ({ step: i * 100, time: T0 + i * 100_000, value: i <= 20 ? i * 1e9 : 20e9 + (i - 20) * 2e9 }));
}

async function barFor(run: string, targets: string) {
  return fixture<MilestoneBar>(html`<milestone-bar src=${SOURCE_URL} run=${run} targets=${targets} rate-window="10m" poll-interval="300"></milestone-bar>`);
}

const ready = (el: MilestoneBar) => waitFor(() => el.state === 'ready' && el.shadowRoot!.querySelector('ol') && el, 'the milestones');
const iso = (ms: number) => new Date(ms).toISOString();

describe('<milestone-bar> export and accessibility', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores()).to.deep.equal([]);
  });

  it('exports one CSV line per milestone with the values behind the text', async () => {
    const run = uniqueRun('ms-csv');
    const points = tokenRun();
    await insertPoints(run, 'tokens_total', points);
    const el = await barFor(run, '3B:3e9,8B:8e9,70B:7e10,SFT:8e10');
    await ready(el);
    const last = points.at(-1)!;
    const rate = (last.value - points[points.length - 7].value) / 600; // the point 600 s before the newest
    const first = (target: number) => points.find((p) => p.value >= target)!;
    const reachedLine = (label: string, target: number) =>
      [run, 'tokens_total', label, target, 'reached', iso(first(target).time!), first(target).step, (first(target).time! - T0) / 1000, 100, '', '', last.value, iso(last.time!)].join(',');
    const aheadLine = (label: string, target: number, status: string) => {
      const eta = (target - last.value) / rate;
      return [run, 'tokens_total', label, target, status, '', '', '', (last.value / target) * 100, eta, iso(last.time! + eta * 1000), last.value, iso(last.time!)].join(',');
    };
    const expected = [HEADER, reachedLine('3B', 3e9), reachedLine('8B', 8e9), aheadLine('70B', 7e10, 'current'), aheadLine('SFT', 8e10, 'later')];
    expect(await el.toCSV()).to.equal(expected.join('\r\n') + '\r\n');
    // No row limit here: raw is the same.
    expect(await el.toCSV({ raw: true })).to.equal(await el.toCSV());
  });

  it('downloads the CSV from the export menu opened with the keyboard', async () => {
    const run = uniqueRun('ms-menu');
    await insertPoints(run, 'tokens_total', tokenRun());
    const el = await barFor(run, 'B1:2e9,B2:6e9');
    await ready(el);
    const downloads = captureDownloads();
    try {
      const menu = await exportByKeyboard(el.shadowRoot!, 'CSV of the milestones');
      await waitFor(() => downloads.saved.length === 1, 'the download');
      expect(menu.open).to.equal(false);
      expect(downloads.saved[0].name).to.equal(`${run}-tokens_total-milestones.csv`);
      expect(await downloads.saved[0].blob.text()).to.equal(await el.toCSV());
    } finally {
      downloads.restore();
    }
  });

  it('escapes hostile labels and run ids in CSV and shows them only as text', async () => {
    const run = uniqueRun('ms"q');
    await insertPoints(run, 'tokens_total', tokenRun());
    const label = '=HYPERLINK("x") <script>window.__pwned = 1</script>';
    const el = await barFor(run, `${label}:5e9`);
    await ready(el);
    expect(el.shadowRoot!.querySelector('script')).to.equal(null);
    expect(el.shadowRoot!.querySelector('ol .label')!.textContent).to.equal(label);
    const [, line] = (await el.toCSV()).split('\r\n');
    expect(line.startsWith(`"${run.replace('"', '""')}",tokens_total,"'=HYPERLINK(""x"") <script>window.__pwned = 1</script>",5000000000,reached,`)).to.equal(true);
  });

  it('gives the drawn track a text equivalent and passes axe in both themes', async () => {
    const run = uniqueRun('ms-axe');
    await insertPoints(run, 'tokens_total', tokenRun());
    const el = await barFor(run, '3B:3e9,8B:8e9,70B:7e10,SFT:8e10');
    await ready(el);
    const track = el.shadowRoot!.querySelector('[part="track"]')!;
    expect(track.getAttribute('role')).to.equal('img');
    // 40B of 80B; two reached; 70B next at 40/70 = 57%.
    expect(track.getAttribute('aria-label')).to.equal('Progress 40B tok of 80B tok, 2 of 4 milestones reached, next 70B at 57%');
    expect(el.shadowRoot!.querySelector('ol')!.getAttribute('aria-label')).to.equal('Milestones');
    expect(el.shadowRoot!.querySelector('header')).to.equal(null);
    expect(el.shadowRoot!.querySelector('.header')!.getAttribute('part')).to.equal('header');
    await expect(el).to.be.accessible();
    el.shadowRoot!.querySelector<HTMLDetailsElement>('details.export')!.open = true;
    el.theme = 'dark';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });
});
