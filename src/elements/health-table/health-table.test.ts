import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { CLICKHOUSE_URL, SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';
import { liveStores } from '../../store/registry.js';
import type { TelemetryStore } from '../../store/store.js';
import { DEFAULT_HEALTH_CHECKS, type HealthCheck } from './health-table.checks.js';
import { dayRange } from './health-table.days.js';
import type { HealthTable } from './health-table.component.js';
import type { HealthSelectDetail } from './health-table.model.js';
import './health-table.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The table's UTC days as the test sees them: `count` days ending today. */
function utcDays(count: number) {
  const now = Date.now();
  const today = Math.floor(now / DAY) * DAY;
  const start = (i: number) => today - (count - 1 - i) * DAY;
  return {
    now,
    start,
    key: (i: number) => new Date(start(i)).toISOString().slice(0, 10),
    /** A moment of day i (i = -1: the day before the table) already past: 06:00 + `hours` on past days; today, shortly before now. */
    at: (i: number, hours = 0) => (i < count - 1 ? start(i) + 6 * HOUR + hours * HOUR : now - (now - today) * (0.1 - 0.02 * hours)),
  };
}

/** The theme's status colours (light), as computed styles report them. */
const COLOURS = { good: 'rgb(26, 127, 55)', warn: 'rgb(154, 103, 0)', bad: 'rgb(207, 34, 46)' };

const CHECKS: HealthCheck[] = [
  { id: 'tput', label: 'Throughput', kind: 'target', metric: 'tokens_per_s', target: 1000, unit: 'tok/s' },
  // tolerance 1: the score is the share of finite values.
  { id: 'finite', label: 'Finite loss', kind: 'finite', metric: 'loss', tolerance: 1 },
  { id: 'improving', label: 'Loss improving', kind: 'improving', metric: 'loss', tolerance: 0.1 },
];

/** What a run wrote on each day (-1: the day before the table). */
type Written = Record<number, { tput?: number[]; loss?: number[] }>;

async function write(run: string, written: Written, days: ReturnType<typeof utcDays>) {
  for (const [d, { tput = [], loss = [] }] of Object.entries(written)) {
    const i = Number(d);
    if (tput.length) await insertPoints(run, 'tokens_per_s', tput.map((value, k) => ({ step: (i + 2) * 100 + k, value, time: days.at(i, k * 0.5) })));
    if (loss.length) await insertPoints(run, 'loss', loss.map((value, k) => ({ step: (i + 2) * 100 + k, value, time: days.at(i, k * 0.5) })));
  }
}

// The test's own arithmetic of the three check kinds used here, from what was written.
const finiteMean = (xs: number[] = []) => {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : null;
};
function expectedChecks(w: Written, i: number): (number | null)[] {
  const day = w[i] ?? {};
  if (!day.tput?.length && !day.loss?.length) return [null, null, null];
  const tput = finiteMean(day.tput);
  const loss = day.loss ?? [];
  const finite = loss.length ? Math.max(0, 1 - loss.filter((x) => !Number.isFinite(x)).length / loss.length / 1) : null;
  const a = finiteMean(day.loss);
  const b = finiteMean(w[i - 1]?.loss);
  const improving = a === null || b === null ? null : a <= b ? 1 : Math.max(0, 1 - (a - b) / Math.abs(b) / 0.1);
  return [tput === null ? null : Math.min(1, Math.max(0, tput / 1000)), finite, improving];
}
function expectedCell(w: Written, i: number): number | null {
  const known = expectedChecks(w, i).filter((s): s is number => s !== null);
  return known.length ? Math.min(...known) : null;
}
const statusOf = (s: number | null) => (s === null ? 'none' : Math.round(s * 100) / 100 >= 0.7 ? 'good' : Math.round(s * 100) / 100 >= 0.3 ? 'warn' : 'bad');

const HEALTHY: Written = {
  [-1]: { tput: [1100, 1300], loss: [3.0, 2.9] },
  0: { tput: [1100, 1300], loss: [2.8, 2.7] },
  1: { tput: [1200, 1000], loss: [2.6, 2.5] },
  2: { tput: [1050, 1250], loss: [2.4, 2.3] },
  3: { tput: [1500, 1100], loss: [2.2, 2.1] },
};
const DEGRADED: Written = {
  0: { tput: [600, 700], loss: [2.0, 2.0] },
  1: { tput: [900, 1000], loss: [2.1, 2.1] },
  // day 2: nothing at all
  3: { tput: [800, 800], loss: [1.0, NaN] },
};
const BROKEN: Written = {
  2: { tput: [100, 200], loss: [1.0, 1.0] },
  3: { tput: [2000], loss: [NaN, NaN] },
};

async function tableFor(runs: string[], attrs: Record<string, string> = {}) {
  const el = await fixture<HealthTable>(
    html`<health-table src=${SOURCE_URL} run=${runs.join(',')} days="4" theme="light" poll-interval="300" checks=${JSON.stringify(CHECKS)}></health-table>`,
  );
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  return el;
}

const bodyRows = (el: HealthTable) => [...el.shadowRoot!.querySelectorAll('tbody tr')];
const cellsOf = (row: Element) => [...row.querySelectorAll<HTMLTableCellElement>('td.cell')];
const ready = (el: HealthTable, rows: number) => waitFor(() => el.state === 'ready' && bodyRows(el).length === rows && el, `${rows} rows`, 15_000);

/** Waits until every cell of a row shows what the test expects (polls may still be bringing the last inserts). */
async function expectRow(el: HealthTable, run: string, written: Written, days: number) {
  const expected = Array.from({ length: days }, (_, i) => expectedCell(written, i));
  const shown = () => {
    const row = bodyRows(el).find((r) => r.querySelector('th')!.textContent!.trim() === run);
    return row ? cellsOf(row).map((td) => td.dataset.score) : [];
  };
  await waitFor(() => JSON.stringify(shown()) === JSON.stringify(expected.map((s) => (s === null ? '–' : s.toFixed(2)))) || undefined, `cells of ${run}: ${expected.join(', ')}`, 15_000).catch(() => {
    expect(shown(), `cells of ${run}`).to.deep.equal(expected.map((s) => (s === null ? '–' : s.toFixed(2))));
  });
  const row = bodyRows(el).find((r) => r.querySelector('th')!.textContent!.trim() === run)!;
  cellsOf(row).forEach((td, i) => {
    const status = statusOf(expected[i]);
    expect(td.classList.contains(status), `${run} day ${i}: class ${status} (${td.className})`).to.equal(true);
    const style = getComputedStyle(td);
    if (status === 'none') {
      expect(style.backgroundColor, `${run} day ${i}: no fill colour`).to.equal('rgba(0, 0, 0, 0)');
      expect(style.backgroundImage).to.contain('repeating-linear-gradient');
      expect(td.querySelector('.value')!.textContent).to.equal('');
      expect(td.querySelector('.sr-only')!.textContent).to.equal('no data');
    } else {
      expect(style.backgroundColor, `${run} day ${i}: ${status} colour`).to.equal(COLOURS[status as keyof typeof COLOURS]);
      expect(td.querySelector('.value')!.textContent).to.equal(expected[i]!.toFixed(2));
      expect(td.textContent!.replace(/\s+/g, ' ')).to.contain({ good: 'healthy', warn: 'degraded', bad: 'broken' }[status]);
    }
  });
}

/** The store the element reads from (one per source and poll interval). */
const storeOf = (el: HealthTable) => (el as unknown as { data: { store: TelemetryStore } }).data.store;

describe('<health-table>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults, reflects attributes and reads checks from JSON', async () => {
    const el = await fixture<HealthTable>(html`<health-table></health-table>`);
    expect(el.days).to.equal(7);
    expect(el.timezone).to.equal('UTC');
    expect(el.rows).to.equal('runs');
    expect(el.combine).to.equal('min');
    expect(el.checks).to.equal(undefined);
    expect(el.resolvedChecks.map((c) => c.id)).to.deep.equal(DEFAULT_HEALTH_CHECKS.map((c) => c.id));
    expect(el.resolvedChecks.map((c) => c.metric)).to.deep.equal(['tokens_per_s', 'sys.gpu.*.util_percent', 'loss', 'checkpoint.saved', 'loss', 'run.status']);
    el.setAttribute('days', '14');
    el.setAttribute('checks', JSON.stringify([{ id: 'x', kind: 'finite', metric: 'loss' }]));
    await el.updateComplete;
    expect(el.days).to.equal(14);
    expect(el.shownDays).to.have.length(14);
    expect(el.shownDays.at(-1)!.key).to.equal(new Date().toISOString().slice(0, 10));
    expect(el.resolvedChecks).to.have.length(1);
    expect(el.resolvedChecks[0]).to.include({ id: 'x', label: 'x', kind: 'finite', metric: 'loss', weight: 1 });
    el.rows = 'checks';
    await el.updateComplete;
    expect(el.getAttribute('rows')).to.equal('checks');
  });

  it('says what is wrong with an attribute instead of querying', async () => {
    const el = await fixture<HealthTable>(html`<health-table src=${SOURCE_URL} run="r" days="0"></health-table>`);
    const message = () => el.shadowRoot!.querySelector('.message.error')?.textContent ?? '';
    await waitFor(() => el.state === 'error', 'error state');
    expect(message()).to.contain('days must be a whole number from 1 to 90');
    el.setAttribute('days', '7');
    el.setAttribute('timezone', 'Mars/Olympus');
    await el.updateComplete;
    expect(message()).to.contain('IANA time zone');
    el.setAttribute('timezone', 'UTC');
    el.setAttribute('checks', '[{"id": "a", "kind": "target", "metric": "x"');
    await el.updateComplete;
    expect(message()).to.contain('checks must be a JSON array');
    el.checks = [{ id: 'a', kind: 'target', metric: 'x' }];
    await el.updateComplete;
    expect(message()).to.contain('a target check needs a target above 0');
    el.checks = [{ id: 'a', kind: 'nonsense' as 'target', metric: 'x' }];
    await el.updateComplete;
    expect(message()).to.contain('kind must be one of target, improving, recency, finite, reporting');
    el.checks = [{ id: 'a', kind: 'finite', metric: 'x' }, { id: 'a', kind: 'finite', metric: 'y' }];
    await el.updateComplete;
    expect(message()).to.contain('"a" is used twice');
    expect(liveStores(), 'nothing queried').to.deep.equal([]);
  });

  it('colours healthy, degraded and broken runs day by day, grey where a run wrote nothing', async () => {
    const days = utcDays(4);
    const runs = [uniqueRun('healthy'), uniqueRun('degraded'), uniqueRun('broken')];
    await write(runs[0], HEALTHY, days);
    await write(runs[1], DEGRADED, days);
    await write(runs[2], BROKEN, days);
    const el = await tableFor(runs);
    await ready(el, 3);
    expect(bodyRows(el).map((r) => r.querySelector('th')!.textContent!.trim())).to.deep.equal(runs);
    const headers = [...el.shadowRoot!.querySelectorAll('thead th')].slice(1).map((th) => th.getAttribute('title'));
    expect(headers).to.deep.equal([0, 1, 2, 3].map(days.key));
    await expectRow(el, runs[0], HEALTHY, 4);
    await expectRow(el, runs[1], DEGRADED, 4);
    await expectRow(el, runs[2], BROKEN, 4);
    // The worked examples behind the arithmetic: a 5 % rise in loss with tolerance 0.1 is 0.5;
    // one NaN of two is 0.5 with tolerance 1; all NaN is 0.
    const rounded = (xs: (number | null)[]) => xs.map((x) => (x === null ? null : +x.toFixed(6)));
    expect(rounded(expectedChecks(DEGRADED, 1))).to.deep.equal([0.95, 1, 0.5]);
    expect(rounded(expectedChecks(DEGRADED, 3))).to.deep.equal([0.8, 0.5, null]);
    expect(rounded(expectedChecks(BROKEN, 3))).to.deep.equal([1, 0, null]);
    // The breakdown is in the tooltip: every check's score and what it measured.
    const degradedDay1 = cellsOf(bodyRows(el)[1])[1];
    const tip = degradedDay1.getAttribute('title')!;
    expect(tip).to.contain(`${days.key(1)}: 0.50 degraded`);
    expect(tip).to.contain('Throughput 0.95 (mean 950 tok/s, target 1k tok/s)');
    expect(tip).to.contain('Loss improving 0.50 (loss mean +5 % against the day before)');
    expect(tip).to.contain('Finite loss 1.00 (0 NaN/Inf of 2 loss values)');
    // Screen readers hear the value, the status and the worst check.
    expect(degradedDay1.textContent!.replace(/\s+/g, ' ').trim()).to.equal('0.50, degraded; worst: Loss improving 0.50');
    await expect(el).to.be.accessible();
    el.setAttribute('href', '#/{run}/{day}');
    el.setAttribute('theme', 'dark');
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });

  it('computes the whole table in one query, polled with the page', async () => {
    const days = utcDays(4);
    const runs = [uniqueRun('one-a'), uniqueRun('one-b'), uniqueRun('one-c')];
    await write(runs[0], HEALTHY, days);
    await write(runs[1], DEGRADED, days);
    await write(runs[2], BROKEN, days);
    const el = await tableFor(runs);
    await ready(el, 3);
    await expectRow(el, runs[2], BROKEN, 4);
    const store = storeOf(el);
    expect(liveStores()).to.deep.equal([store]);
    const calls: { queries: RowQuery[]; answers: Array<QueryRow[] | Error> }[] = [];
    const rows = store.source.rows.bind(store.source);
    store.source.rows = async (queries, signal) => {
      const answers = await rows(queries, signal);
      calls.push({ queries, answers });
      return answers;
    };
    const direct = !SOURCE_URL.startsWith('relay+');
    const seen: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => seen.push(...list.getEntries().filter((e) => e.name.startsWith(new URL(CLICKHOUSE_URL).origin))));
    observer.observe({ type: 'resource' });
    const requests = store.requests;
    await waitFor(() => calls.length >= 3, 'three polls', 10_000);
    observer.disconnect();
    for (const call of calls) {
      expect(call.queries.map((q) => q.kind), 'one row query per poll').to.deep.equal(['health']);
      // All runs × days in the one answer, each row carrying every check.
      const answer = call.answers[0];
      if (answer instanceof Error) throw answer;
      expect(answer).to.have.length(runs.length * 4);
      for (const row of answer) expect(row.scores).to.have.length(CHECKS.length);
    }
    // The SQL does not depend on the values: runs, days and checks are bound parameters.
    const query = calls[0].queries[0];
    expect(query.sql).not.to.contain(runs[0]);
    expect(query.sql).not.to.contain('tokens_per_s');
    expect(query.params.runs).to.deep.equal(runs);
    expect(query.params.kinds).to.deep.equal(['target', 'finite', 'improving']);
    if (direct) {
      // One HTTP request per poll reached ClickHouse (the store's request counter agrees).
      const polls = store.requests - requests;
      expect(polls).to.be.at.least(calls.length);
      expect(seen.length, 'HTTP requests to ClickHouse').to.be.within(polls - 1, polls + 1);
    }
  });

  it('shows the checks of one run as rows with rows="checks"', async () => {
    const days = utcDays(4);
    const run = uniqueRun('checks');
    await write(run, DEGRADED, days);
    const el = await tableFor([run], { rows: 'checks' });
    await ready(el, 3);
    expect(bodyRows(el).map((r) => r.querySelector('th')!.textContent!.trim())).to.deep.equal(['Throughput', 'Finite loss', 'Loss improving']);
    await waitFor(() => cellsOf(bodyRows(el)[0])[3].dataset.score === '0.80' || undefined, 'today');
    bodyRows(el).forEach((row, j) => {
      cellsOf(row).forEach((td, i) => {
        const score = expectedChecks(DEGRADED, i)[j];
        expect(td.dataset.score, `check ${j} day ${i}`).to.equal(score === null ? '–' : score.toFixed(2));
        expect(td.classList.contains(statusOf(score)), `check ${j} day ${i} is ${statusOf(score)}`).to.equal(true);
      });
    });
    // Without href the cells themselves take focus; Enter / Space choose the focused one.
    const events: HealthSelectDetail[] = [];
    el.addEventListener('trainwatch-health-select', (e) => events.push(e.detail));
    expect(el.shadowRoot!.querySelector('a')).to.equal(null);
    const first = cellsOf(bodyRows(el)[0])[0];
    expect(first.tabIndex).to.equal(0);
    first.focus();
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'End' });
    expect(el.shadowRoot!.activeElement).to.equal(cellsOf(bodyRows(el)[1])[3]);
    await sendKeys({ press: 'Enter' });
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({ run, day: days.key(3), from: days.start(3), to: days.start(3) + DAY, score: 0.5, check: 'finite', metric: 'loss' });
    await sendKeys({ press: 'Home' });
    await sendKeys({ press: ' ' });
    expect(events).to.have.length(2);
    // A row header stands for its check over all the days shown: its lowest score.
    expect(events[1]).to.deep.include({ run, day: '', from: days.start(0), to: days.start(3) + DAY, score: 0.5, check: 'finite', metric: 'loss', checks: [] });
    el.setAttribute('run', `${run},other`);
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.message.error')!.textContent).to.contain('rows="checks" shows one run');
  });

  it('scores checkpoint recency and reporting by the age at the end of each day, and a finished or failed status', async () => {
    const days = utcDays(3);
    const [fresh, finished, failed] = [uniqueRun('ckpt'), uniqueRun('finished'), uniqueRun('failed')];
    const checks: HealthCheck[] = [
      { id: 'ckpt', kind: 'recency', metric: 'checkpoint.saved', hours: 12 },
      { id: 'up', kind: 'reporting', metric: 'run.status', hours: 1 },
    ];
    // fresh: a checkpoint at 04:00 on day 0 (20 h before its end, its last row that day), rows on day 1 but no checkpoint, one today.
    await insertPoints(fresh, 'loss', [
      { step: 1, value: 1, time: days.start(0) + 3 * HOUR },
      { step: 2, value: 1, time: days.start(1) + 23.5 * HOUR },
      { step: 3, value: 1, time: days.at(2) },
    ]);
    await insertPoints(fresh, 'checkpoint.saved', [
      { step: 1, value: 1e9, time: days.start(0) + 4 * HOUR },
      { step: 3, value: 1e9, time: days.at(2) },
    ]);
    // finished: a checkpoint at 01:00 on day 1, stopped at 02:00 with a "finished" status; failed: reported until now, then "failed".
    await insertPoints(finished, 'loss', [{ step: 1, value: 1, time: days.start(1) + 2 * HOUR }]);
    await insertPoints(finished, 'checkpoint.saved', [{ step: 1, value: 1e9, time: days.start(1) + 1 * HOUR }]);
    await insertPoints(finished, 'run.status', [{ step: 1, value: 1, time: days.start(1) + 2 * HOUR }]);
    await insertPoints(failed, 'loss', [{ step: 1, value: 1, time: days.at(2) }]);
    await insertPoints(failed, 'run.status', [{ step: 1, value: 2, time: days.at(2) }]);
    const el = await fixture<HealthTable>(
      html`<health-table src=${SOURCE_URL} run=${[fresh, finished, failed].join(',')} days="3" poll-interval="300" theme="light" .checks=${checks}></health-table>`,
    );
    await ready(el, 3);
    const scores = (r: number, j: number) => el.viewRows[r].cells.map((c) => c.checks[j].score);
    await waitFor(() => scores(2, 1)[2] === 0 || undefined, 'the failed status');
    // Recency, day 0: 20 h old at the day's end with 12 h fresh → 2 − 20/12; day 1: 44 h → 0; today: fresh → 1.
    expect(scores(0, 0)[0]).to.be.closeTo(2 - 20 / 12, 1e-9);
    expect(scores(0, 0).slice(1)).to.deep.equal([0, 1]);
    // Reporting, day 0: last row at 04:00 (20 h before the end) → 0; day 1: 30 min before the end → 1.
    expect(scores(0, 1).slice(0, 2)).to.deep.equal([0, 1]);
    // Finished at 02:00: no rows for 22 h, but its status says finished → 1; it wrote nothing on days 0 and 2.
    expect(scores(1, 1)).to.deep.equal([null, 1, null]);
    // Its checkpoint is aged at the finish (1 h: fresh), not at the day's end (23 h: 2 − 23/12).
    expect(scores(1, 0)).to.deep.equal([null, 1, null]);
    expect(el.viewRows[1].cells.map((c) => c.score)).to.deep.equal([null, 1, null]);
    // Failed: reporting a moment ago, but its status says failed → 0.
    expect(scores(2, 1)[2]).to.equal(0);
    const failedToday = cellsOf(bodyRows(el)[2])[2];
    expect(failedToday.classList.contains('bad')).to.equal(true);
    expect(failedToday.getAttribute('title')).to.contain('up 0.00 (the run failed)');
  });

  it('combines checks by weighted mean with combine="mean"', async () => {
    const days = utcDays(2);
    const run = uniqueRun('mean');
    await write(run, { 1: { tput: [500], loss: [1, NaN] } }, days);
    const checks: HealthCheck[] = [
      { id: 'tput', kind: 'target', metric: 'tokens_per_s', target: 1000, weight: 3 },
      { id: 'finite', kind: 'finite', metric: 'loss', weight: 1, tolerance: 1 },
      { id: 'ckpt', kind: 'improving', metric: 'loss', weight: 5 },
    ];
    const el = await fixture<HealthTable>(html`<health-table src=${SOURCE_URL} run=${run} days="2" poll-interval="300" combine="mean" .checks=${checks}></health-table>`);
    await ready(el, 1);
    // 0.5 × 3 and 0.5 × 1; "improving" has no previous day and does not count.
    const expected = (0.5 * 3 + 0.5 * 1) / 4;
    await waitFor(() => el.viewRows[0].cells[1].score !== null || undefined, 'today');
    expect(el.viewRows[0].cells[1].score).to.be.closeTo(expected, 1e-12);
    expect(cellsOf(bodyRows(el)[0]).map((td) => td.dataset.score)).to.deep.equal(['–', expected.toFixed(2)]);
  });

  it('starts days at midnight in the time zone asked for', async () => {
    const run = uniqueRun('zone');
    // 00:30 yesterday in Kolkata (UTC+05:30) is 19:00 UTC the calendar day before.
    const kolkataToday = new Date(Date.now() + 5.5 * HOUR).toISOString().slice(0, 10);
    const kolkataYesterday = new Date(Date.parse(kolkataToday) - DAY).toISOString().slice(0, 10);
    const time = Date.parse(kolkataYesterday) - 5.5 * HOUR + 0.5 * HOUR;
    const utcDate = new Date(time).toISOString().slice(0, 10);
    expect(utcDate).not.to.equal(kolkataYesterday);
    await insertPoints(run, 'tokens_per_s', [{ step: 1, value: 400, time }]);
    const el = await tableFor([run], { timezone: 'Asia/Kolkata' });
    await ready(el, 1);
    expect(el.shownDays.map((d) => d.key).at(-1)).to.equal(kolkataToday);
    expect(el.shownDays[3].from).to.equal(Date.parse(kolkataToday) - 5.5 * HOUR);
    expect(el.shownDays[3].to - el.shownDays[3].from).to.equal(DAY);
    /** The date heading the one column with a score. */
    const scoredDay = () => {
      const i = cellsOf(bodyRows(el)[0] ?? document.createElement('tr')).findIndex((td) => td.dataset.score === '0.40');
      return i < 0 ? undefined : el.shadowRoot!.querySelectorAll('thead th')[i + 1].getAttribute('title');
    };
    await waitFor(() => scoredDay() === kolkataYesterday || undefined, 'the Kolkata column');
    expect(cellsOf(bodyRows(el)[0]).filter((td) => td.dataset.score !== '–')).to.have.length(1);
    el.setAttribute('timezone', 'UTC');
    await waitFor(() => scoredDay() === utcDate || undefined, 'the UTC column');
  });

  it('counts days in a zone across daylight-saving changes (23 h and 25 h days)', () => {
    // Paris moved to summer time on 2026-03-29: midnight is 23:00 UTC before, 22:00 UTC after.
    const paris = dayRange(3, 'Europe/Paris', Date.UTC(2026, 2, 30, 12));
    expect(paris.days.map((d) => d.key)).to.deep.equal(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(paris.bounds).to.deep.equal([Date.UTC(2026, 2, 26, 23), Date.UTC(2026, 2, 27, 23), Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 22), Date.UTC(2026, 2, 30, 22)]);
    expect(paris.days[1].to - paris.days[1].from).to.equal(23 * HOUR);
    // New York went back to standard time on 2026-11-01: midnight 04:00 UTC, then 05:00 UTC.
    const newYork = dayRange(2, 'America/New_York', Date.UTC(2026, 10, 2, 15));
    expect(newYork.days.map((d) => [d.key, d.from, d.to])).to.deep.equal([
      ['2026-11-01', Date.UTC(2026, 10, 1, 4), Date.UTC(2026, 10, 2, 5)],
      ['2026-11-02', Date.UTC(2026, 10, 2, 5), Date.UTC(2026, 10, 3, 5)],
    ]);
    expect(newYork.previous).to.equal(Date.UTC(2026, 9, 31, 4));
    // Santiago moved to summer time at midnight on 2024-09-08 (00:00 became 01:00, 04:00 UTC):
    // that day starts at the jump, and the day before keeps its 24 hours.
    const santiago = dayRange(2, 'America/Santiago', Date.UTC(2024, 8, 8, 15));
    expect(santiago.days.map((d) => [d.key, d.from, d.to])).to.deep.equal([
      ['2024-09-07', Date.UTC(2024, 8, 7, 4), Date.UTC(2024, 8, 8, 4)],
      ['2024-09-08', Date.UTC(2024, 8, 8, 4), Date.UTC(2024, 8, 9, 3)],
    ]);
    // Just before midnight UTC it is already tomorrow in Tokyo.
    expect(dayRange(1, 'Asia/Tokyo', Date.UTC(2026, 0, 5, 23, 30)).days[0].key).to.equal('2026-01-06');
  });

  it('links cells and row headers through the href template, encoded, and keeps hostile run ids as text', async () => {
    const days = utcDays(4);
    const run = `${uniqueRun('hostile')}<img src=x onerror="window.__pwned=1">' OR 1=1 --&a=b`;
    await write(run, BROKEN, days);
    const el = await tableFor([run], { href: 'https://example.test/drill?run={run}&day={day}&from={from}&to={to}&check={check}&metric={metric}' });
    await ready(el, 1);
    await waitFor(() => cellsOf(bodyRows(el)[0])[3].dataset.score === '0.00' || undefined, 'today broken');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    const header = bodyRows(el)[0].querySelector('th a') as HTMLAnchorElement;
    expect(header.textContent).to.equal(run);
    expect(header.getAttribute('href')).to.equal(
      `https://example.test/drill?run=${encodeURIComponent(run)}&day=&from=${days.start(0)}&to=${days.start(3) + DAY}&check=&metric=`,
    );
    // Today: finite scored 0 (all NaN), the worst check, whose metric is loss.
    const today = cellsOf(bodyRows(el)[0])[3].querySelector('a')!;
    const url = new URL(today.href);
    expect(url.searchParams.get('run')).to.equal(run);
    expect(url.searchParams.get('day')).to.equal(days.key(3));
    expect(url.searchParams.get('from')).to.equal(String(days.start(3)));
    expect(url.searchParams.get('to')).to.equal(String(days.start(3) + DAY));
    expect(url.searchParams.get('check')).to.equal('finite');
    expect(url.searchParams.get('metric')).to.equal('loss');
    expect(today.getAttribute('href')).to.contain(`run=${encodeURIComponent(run)}&`);
    // A grey cell links too (the day can still be looked at); a template that is not http(s) makes no link.
    expect(cellsOf(bodyRows(el)[0])[0].querySelector('a')).not.to.equal(null);
    el.setAttribute('href', 'javascript:alert({run})');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('a')).to.equal(null);
  });

  it('fires trainwatch-health-select on click and on Enter, and cancelling keeps the link from being followed', async () => {
    const days = utcDays(4);
    const run = uniqueRun('select');
    await write(run, DEGRADED, days);
    const hash = location.hash;
    const el = await tableFor([run], { href: '#drill/{run}/{day}/{metric}' });
    await ready(el, 1);
    await waitFor(() => cellsOf(bodyRows(el)[0])[3].dataset.score === '0.50' || undefined, 'today');
    const events: HealthSelectDetail[] = [];
    let cancel = true;
    el.addEventListener('trainwatch-health-select', (e) => {
      events.push(e.detail);
      if (cancel) e.preventDefault();
    });
    cellsOf(bodyRows(el)[0])[1].querySelector('a')!.click();
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({ run, day: days.key(1), from: days.start(1), to: days.start(2), check: 'improving', metric: 'loss' });
    expect(events[0].score).to.be.closeTo(expectedCell(DEGRADED, 1)!, 1e-12);
    expect(events[0].checks.map((c) => [c.id, c.score?.toFixed(6)])).to.deep.equal([
      ['tput', '0.950000'],
      ['finite', '1.000000'],
      ['improving', '0.500000'],
    ]);
    expect(events[0].checks[0]).to.deep.include({ label: 'Throughput', kind: 'target', metric: 'tokens_per_s', value: 950 });
    expect(location.hash, 'cancelled: not followed').to.equal(hash);
    // Keyboard: the grid's tab stop is the first cell; arrows move, Enter chooses.
    const first = cellsOf(bodyRows(el)[0])[0].querySelector('a')!;
    expect(first.tabIndex).to.equal(0);
    first.focus();
    await sendKeys({ press: 'End' });
    await waitFor(() => el.shadowRoot!.activeElement === cellsOf(bodyRows(el)[0])[3].querySelector('a') || undefined, 'focus on today');
    const detail = () => el.shadowRoot!.querySelector('[part="detail"]')!.textContent!.replace(/\s+/g, ' ');
    await waitFor(() => detail().includes(`${days.key(3)}: 0.50 degraded`) || undefined, 'the focused cell described');
    expect(detail()).to.contain('Finite loss 0.50 (1 NaN/Inf of 2 loss values)');
    expect(detail()).to.contain('Loss improving no data');
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'Home' });
    expect(el.shadowRoot!.activeElement).to.equal(bodyRows(el)[0].querySelector('th a'));
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'Enter' });
    expect(events).to.have.length(2);
    expect(events[1]).to.deep.include({ day: days.key(2), score: null, check: '', metric: '' });
    // Not cancelled: the link is followed (a fragment here, so the test page stays).
    cancel = false;
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'Enter' });
    await waitFor(() => location.hash === `#drill/${encodeURIComponent(run)}/${days.key(3)}/loss` || undefined, 'followed');
    history.replaceState(null, '', location.pathname + location.search + hash);
    // Hover describes a cell too.
    cellsOf(bodyRows(el)[0])[0].querySelector('a')!.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, composed: true }));
    (el.shadowRoot!.activeElement as HTMLElement).blur();
    await waitFor(() => detail().includes(`${days.key(0)}: 0.65 degraded`) || undefined, 'the hovered cell described');
  });

  it('lists every run that reported on the shown days when run is unset', async () => {
    const days = utcDays(3);
    const [recent, old] = [uniqueRun('unset-recent'), uniqueRun('unset-old')];
    await write(recent, { 2: { tput: [1000], loss: [1] } }, days);
    // A row a second ago keeps it among the 200 most recently active runs, however many other tests wrote.
    await insertPoints(recent, 'tokens_per_s', [{ step: 9, value: 1000, time: Date.now() - 1000 }]);
    await insertPoints(old, 'tokens_per_s', [{ step: 1, value: 1000, time: days.start(0) - 3 * DAY }]);
    const el = await fixture<HealthTable>(html`<health-table src=${SOURCE_URL} days="3" poll-interval="300" .checks=${CHECKS}></health-table>`);
    await waitFor(() => el.viewRows.some((r) => r.run === recent) || undefined, 'the recent run', 15_000);
    const runs = el.viewRows.map((r) => r.run);
    expect(runs).not.to.include(old);
    expect(runs).to.deep.equal([...runs].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
    expect(el.viewRows.find((r) => r.run === recent)!.cells.map((c) => c.score)).to.deep.equal([null, null, 1]);
  });

  it('exports the table as CSV: run, day, score and one column per check', async () => {
    const days = utcDays(4);
    const runs = [uniqueRun('csv-a'), uniqueRun('csv-b')];
    await write(runs[0], DEGRADED, days);
    await write(runs[1], BROKEN, days);
    const el = await tableFor(runs);
    await ready(el, 2);
    await expectRow(el, runs[1], BROKEN, 4);
    await expectRow(el, runs[0], DEGRADED, 4);
    const csv = await el.toCSV();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).to.equal('run,day,score,tput,finite,improving');
    const expectedLines = [
      ...[0, 1, 2, 3].map((i) => [runs[0], days.key(i), expectedCell(DEGRADED, i), ...expectedChecks(DEGRADED, i)]),
      ...[0, 1, 2, 3].map((i) => [runs[1], days.key(i), expectedCell(BROKEN, i), ...expectedChecks(BROKEN, i)]),
    ].map((cells) => cells.map((c) => (c === null ? '' : typeof c === 'number' ? String(c) : c)));
    const parsed = lines.slice(1).map((l) => l.split(','));
    expect(parsed.map((l) => l.slice(0, 2))).to.deep.equal(expectedLines.map((l) => l.slice(0, 2)));
    parsed.forEach((l, n) =>
      l.slice(2).forEach((v, k) => {
        const want = expectedLines[n][k + 2];
        if (want === '') expect(v, `line ${n + 1} column ${k + 3}`).to.equal('');
        else expect(Number(v), `line ${n + 1} column ${k + 3}`).to.be.closeTo(Number(want), 1e-12);
      }),
    );
    const raw = await el.toCSV({ raw: true });
    const [head, firstDay] = raw.trimEnd().split('\r\n');
    expect(head).to.equal('run,day,score,tput,finite,improving,tput.value,finite.value,improving.value');
    // Day 0 of the degraded run: mean throughput 650, no NaN, no previous day to compare with.
    expect(firstDay.split(',').slice(6)).to.deep.equal(['650', '0', '']);
  });

  it('says why it is empty, and releases everything when removed', async () => {
    const missing = uniqueRun('missing');
    const el = await tableFor([missing]);
    await waitFor(() => el.state === 'empty', 'empty');
    expect(el.shadowRoot!.querySelector('.message')!.textContent).to.contain(`No rows for run "${missing}" in the last 4 days.`);
    el.setAttribute('rows', 'checks');
    el.setAttribute('run', '');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.message')!.textContent).to.contain('rows="checks" shows the checks of one run');
    el.setAttribute('run', missing);
    await el.updateComplete;
    expect(el.holdsResources).to.equal(true);
    el.remove();
    expect(el.holdsResources).to.equal(false);
  });
});
