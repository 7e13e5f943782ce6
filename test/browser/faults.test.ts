/**
 * ClickHouse server faults as a page sees them: <loss-chart>, <checkpoint-table>
 * and <connection-status> in Chromium, reading the real embedded ClickHouse
 * through the fault-injecting proxy (src/server/fault-proxy.ts, driven by
 * /__proxy/mode, /__proxy/down and /__proxy/up). Each fault must be said in
 * words on every element, the data shown before it must stay, and after the
 * server is back every element shows exactly the points written, by itself.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { PROXY_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';
import { liveStores } from '../../src/store/registry.js';
import type { LossChart } from '../../src/elements/loss-chart/loss-chart.component.js';
import type { CheckpointTable } from '../../src/elements/checkpoint-table/checkpoint-table.component.js';
import type { ConnectionStatus } from '../../src/elements/connection-status/connection-status.component.js';
import '../../src/elements/loss-chart/loss-chart.js';
import '../../src/elements/checkpoint-table/checkpoint-table.js';
import '../../src/elements/connection-status/connection-status.js';

const valueOf = (step: number) => 10 / step;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const PROXY = PROXY_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function writeSteps(run: string, from: number, to: number) {
  await insertPoints(run, 'loss', range(from, to).map((step) => ({ step, value: valueOf(step) })));
}
async function writeCheckpoint(run: string, step: number) {
  await insertPoints(run, 'checkpoint.saved', [{ step, value: 1000 * step }], { unit: 'B', tags_json: JSON.stringify({ path: `/ckpt/${step}` }) });
}

interface Page {
  chart: LossChart;
  table: CheckpointTable;
  status: ConnectionStatus;
}

async function mount(run: string, user?: { user: string; password: string }): Promise<Page> {
  const root = await fixture<HTMLDivElement>(html`<div>
    <connection-status></connection-status>
    <loss-chart src=${PROXY_URL} run=${run} poll-interval="300" smoothing="0" user=${user?.user ?? 'default'} password=${user?.password ?? ''}></loss-chart>
    <checkpoint-table src=${PROXY_URL} run=${run} poll-interval="300" user=${user?.user ?? 'default'} password=${user?.password ?? ''}></checkpoint-table>
  </div>`);
  return { chart: root.querySelector('loss-chart')!, table: root.querySelector('checkpoint-table')!, status: root.querySelector('connection-status')! };
}

const alertOf = (el: HTMLElement) => el.shadowRoot!.querySelector('[role="alert"]')?.textContent?.trim() ?? '';
const xs = (chart: LossChart) => Array.from(chart.chartData?.[0] ?? []);
const ys = (chart: LossChart) => Array.from(chart.chartData?.[1] ?? []);
const tableSteps = (table: CheckpointTable) => table.checkpoints.checkpoints.map((c) => c.step).sort((a, b) => a - b);

async function shows(page: Page, steps: number[], checkpoints: number[], what: string) {
  await waitFor(
    () => page.chart.state === 'ready' && xs(page.chart).join() === steps.join() && tableSteps(page.table).join() === checkpoints.join(),
    what,
    20_000,
  );
  expect(ys(page.chart)).to.deep.equal(steps.map(valueOf));
}

const setFault = async (query: string) => {
  const response = await fetch(`/__proxy/mode?${query}`);
  expect(response.status).to.equal(200);
};

describe('ClickHouse faults on a page', () => {
  afterEach(async () => {
    await fetch('/__proxy/up');
    fixtureCleanup();
    await waitFor(() => liveStores().length === 0, 'every store released');
  });

  const cases: Array<[string, string, RegExp]> = [
    ['the server away (port closed)', 'mode=refuse', new RegExp(`^Cannot reach ClickHouse at ${PROXY}\\. Retrying…$`)],
    ['a load balancer answering 503', 'mode=status&status=503', new RegExp(`^ClickHouse at ${PROXY} answered 503 Service Unavailable\\. Retrying…$`)],
    ['a garbled binary answer', 'mode=garble&every=11&match=RowBinary', /^The answer from ClickHouse at .* was garbled \(row \d+ of \d+ fails its check\); nothing of it was used\. Retrying…$/],
    ['an answer cut at a row boundary', `mode=truncate&bytes=${2 * 31}&match=RowBinary`, /was garbled \(the end marker is missing: cut off\)/],
    ['a connection reset mid-answer', 'mode=cut&bytes=40&match=RowBinary', /^The answer from ClickHouse at .* was cut off \(.+\)\. Retrying…$/],
    ['a garbled JSON answer', 'mode=garble&every=5&match=JSONCompact', /^The answer from ClickHouse at .* was garbled/],
  ];

  for (const [name, query, message] of cases) {
    it(`${name}: every element says so, keeps its data, and recovers with exactly the points written`, async () => {
      const run = uniqueRun('fault');
      await writeSteps(run, 1, 10);
      await writeCheckpoint(run, 5);
      await writeCheckpoint(run, 10);
      const page = await mount(run);
      await shows(page, range(1, 10), [5, 10], 'the first answer');
      await waitFor(() => page.status.summary.level === 'ok', 'the light green');

      await writeSteps(run, 11, 13);
      await writeCheckpoint(run, 13);
      await setFault(query);
      // The fault hits the points (RowBinary) or the rows (JSON) request; the elements reading it say so.
      const onPoints = !query.includes('JSONCompact');
      const hit = onPoints ? page.chart : page.table;
      await waitFor(() => message.test(alertOf(hit)), `the message on ${hit.localName}`, 15_000);
      await waitFor(() => message.test(page.status.summary.text.replace(/^Retrying: /, '')), 'the message on <connection-status>', 15_000);
      expect(page.status.summary.level).to.be.oneOf(['degraded', 'down']);
      // What was shown stays shown: nothing of a bad answer is applied.
      expect(xs(page.chart)).to.deep.equal(range(1, 10));
      expect(tableSteps(page.table)).to.deep.equal([5, 10]);
      if (!query.includes('match=')) expect(message.test(alertOf(page.table)), alertOf(page.table)).to.equal(true);

      await fetch('/__proxy/up');
      await shows(page, range(1, 13), [5, 10, 13], 'recovery');
      await waitFor(() => page.status.summary.level === 'ok', 'the light green again', 10_000);
      expect(alertOf(page.chart)).to.equal('');
      expect(alertOf(page.table)).to.equal('');
    });
  }

  it('a slow server: the page says it is waiting, then shows the answer', async () => {
    const run = uniqueRun('slow');
    await writeSteps(run, 1, 4);
    await writeCheckpoint(run, 4);
    const page = await mount(run);
    await shows(page, range(1, 4), [4], 'the first answer');
    await writeSteps(run, 5, 6);
    await setFault('mode=delay&ms=6500');
    await waitFor(() => /^Waiting \d+ s for ClickHouse at /.test(page.status.summary.text), 'the wait on <connection-status>', 15_000);
    expect(page.status.summary.level).to.equal('degraded');
    const waiting = new RegExp(`^Waiting for ClickHouse at ${PROXY}: no answer for 4 s…$`);
    await waitFor(() => waiting.test(alertOf(page.chart)) && waiting.test(alertOf(page.table)), 'the wait on the elements');
    expect(xs(page.chart)).to.deep.equal(range(1, 4));
    await shows(page, range(1, 6), [4], 'the slow answer');
    await fetch('/__proxy/up');
    await waitFor(() => alertOf(page.chart) === '' && page.status.summary.level === 'ok', 'all clear', 10_000);
  });

  it('a wrong password is said on every element', async () => {
    const run = uniqueRun('auth');
    await writeSteps(run, 1, 3);
    const page = await mount(run, { user: 'viewer', password: 'nope' });
    const refused = /refused the credentials: .*Authentication failed.* Check the user and password\.$/;
    await waitFor(() => refused.test(page.chart.stateMessage) && refused.test(alertOf(page.table)), 'the refusal');
    await waitFor(() => refused.test(page.status.summary.text), 'the refusal on <connection-status>');
  });

  it('a read-only user reads points, rows and run descriptions without sending any setting', async () => {
    const run = uniqueRun('viewer');
    await writeSteps(run, 1, 5);
    await writeCheckpoint(run, 5);
    const from = ((await (await fetch('/__proxy/log')).json()) as unknown[]).length;
    const page = await mount(run, { user: 'viewer', password: 'viewer-secret' });
    await shows(page, range(1, 5), [5], 'the answer');
    // A run that does not exist is described (a third kind of query) as not found.
    const missing = document.createElement('loss-chart');
    Object.assign(missing, { src: PROXY_URL, run: `${run}-none`, user: 'viewer', password: 'viewer-secret', pollInterval: 300 });
    page.chart.parentElement!.append(missing);
    await waitFor(() => missing.state === 'empty', 'the missing run');
    expect(missing.stateMessage).to.contain(`Run "${run}-none" not found`);
    const log = ((await (await fetch('/__proxy/log')).json()) as Array<{ kind: string; settings: string[] }>).slice(from);
    expect(log.some((r) => r.kind === 'points')).to.equal(true);
    expect(log.some((r) => r.kind === 'rows')).to.equal(true);
    expect(log.flatMap((r) => r.settings)).to.deep.equal([]);
  });

  it('asks no more often during an outage than when healthy', async () => {
    const run = uniqueRun('rate');
    await writeSteps(run, 1, 3);
    const page = await mount(run);
    await shows(page, range(1, 3), [], 'the first answer');
    await fetch('/__proxy/down');
    await waitFor(() => (liveStores()[0]?.health.failures ?? 0) >= 1, 'the first failure');
    const store = liveStores()[0];
    const start = { requests: store.requests, at: performance.now() };
    await waitFor(() => store.health.failures >= 8, 'eight failed polls', 20_000);
    const polls = (store.requests - start.requests) / 2;
    const seconds = (performance.now() - start.at) / 1000;
    // Each failed poll waits at least one interval (after the first): never more polls than a healthy page makes.
    expect(polls).to.be.at.most(Math.ceil(seconds / 0.3) + 1);
    await fetch('/__proxy/up');
    await writeSteps(run, 4, 4);
    await shows(page, range(1, 4), [], 'recovery');
  });
});
