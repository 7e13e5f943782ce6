/**
 * What only the relay transport does, in Chromium against a real relay in
 * front of the embedded ClickHouse (runs in the TRAINWATCH_SOURCE=relay pass,
 * where the relay reads ClickHouse through the outage proxy).
 */
import { expect, fixture, html } from '@open-wc/testing';
import { LitElement, html as litHtml } from 'lit';
import { RELAY_URL, SOURCE_URL } from 'trainwatch-test-env';
import '../../src/define.js';
import type { LossChart } from '../../src/elements/loss-chart/loss-chart.component.js';
import type { CheckpointTable } from '../../src/elements/checkpoint-table/checkpoint-table.component.js';
import { RowsController } from '../../src/store/rows-controller.js';
import { liveStores } from '../../src/store/registry.js';
import { insertPoints, uniqueRun, waitFor, type Point } from './helpers.js';

/** A page's own element with a row query of a kind the relay does not know. */
class UnknownKind extends LitElement {
  private readonly data = new RowsController<'q'>(this, () => ({
    source: { url: SOURCE_URL, pollInterval: 700 },
    queries: { q: { kind: 'team-special', sql: 'SELECT count() AS n FROM {{table}} WHERE run_id = {run:String}', params: { run: 'r' } } },
  }));
  override willUpdate() {
    this.data.sync();
  }
  get state() {
    return this.data.status;
  }
  get error() {
    return this.data.error;
  }
  override render() {
    return litHtml`${this.data.status} ${this.data.error ?? ''}`;
  }
}
customElements.define('relay-unknown-kind', UnknownKind);

const ramp = (from: number, to: number): Point[] => Array.from({ length: to - from + 1 }, (_, i) => ({ step: from + i, value: 10 + from + i }));

const streamsOpened = () => performance.getEntriesByType('resource').filter((e) => e.name.startsWith(`${RELAY_URL}/stream`)).length;

describe('relay source', () => {
  it('is what relay+ URLs read through', () => {
    expect(SOURCE_URL).to.equal(`relay+${RELAY_URL}`);
  });

  it('serves a page of elements with one stream, and new points arrive pushed, in order, once', async () => {
    const run = uniqueRun('relay-page');
    await insertPoints(run, 'loss', ramp(0, 49));
    await insertPoints(run, 'checkpoint.saved', [{ step: 40, value: 1e9 }], { tags_json: '{"path":"/ckpt/40"}' });
    const before = streamsOpened();
    const [a, b] = await Promise.all([
      fixture<LossChart>(html`<loss-chart src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="60000"></loss-chart>`),
      fixture<LossChart>(html`<loss-chart src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="60000"></loss-chart>`),
    ]);
    const table = await fixture<CheckpointTable>(html`<checkpoint-table src=${SOURCE_URL} run=${run} poll-interval="60000"></checkpoint-table>`);
    await waitFor(() => a.chartData?.[0].length === 50 && b.chartData?.[0].length === 50, 'both charts');
    await waitFor(() => table.state === 'ready', 'the checkpoint table');
    expect(table.shadowRoot!.textContent).to.contain('/ckpt/40');
    // The store's own poll interval is a minute: only the push can bring these in time.
    await insertPoints(run, 'loss', ramp(50, 59));
    await waitFor(() => a.chartData?.[0].length === 60, 'pushed points', 10_000);
    expect(Array.from(a.chartData![0])).to.deep.equal(ramp(0, 59).map((p) => p.step));
    expect(Array.from(a.chartData![1] as number[])).to.deep.equal(ramp(0, 59).map((p) => p.value));
    // One store for the page: a stream per subscription change, never per element.
    expect(streamsOpened() - before).to.be.at.most(3);
  });

  it('shows the relay cache as stale while its ClickHouse is away, then catches up with no gap', async () => {
    const run = uniqueRun('relay-stale');
    await insertPoints(run, 'loss', ramp(0, 19));
    const el = await fixture<LossChart>(html`<loss-chart src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="300"></loss-chart>`);
    await waitFor(() => el.chartData?.[0].length === 20, 'the first points');
    await fetch('/__proxy/down');
    try {
      // The chart keeps what it has and says why nothing new comes, as with a direct connection.
      const banner = await waitFor(() => el.shadowRoot!.querySelector('.banner[role="alert"]'), 'the stale banner', 15_000);
      expect(banner.textContent).to.contain(`trainwatch relay at ${RELAY_URL}`);
      expect(banner.textContent).to.contain('does not answer');
      expect(el.state).to.equal('ready');
      expect(el.chartData![0]).to.have.length(20);
      await insertPoints(run, 'loss', ramp(20, 29));
      await fetch('/__proxy/up');
      await waitFor(() => el.chartData?.[0].length === 30 && !el.shadowRoot!.querySelector('.banner'), 'recovery', 20_000);
      expect(Array.from(el.chartData![0])).to.deep.equal(ramp(0, 29).map((p) => p.step));
    } finally {
      await fetch('/__proxy/up').catch(() => undefined);
    }
  });

  it('says so when the relay itself cannot be reached', async () => {
    const el = await fixture<LossChart>(html`<loss-chart src="relay+http://127.0.0.1:9" run="r" poll-interval="300"></loss-chart>`);
    await waitFor(() => el.state === 'error', 'the error state', 15_000);
    expect(el.stateMessage).to.contain('Cannot reach trainwatch relay at http://127.0.0.1:9');
  });

  it('an element whose subscription the relay cannot take shows why, and elements on the page keep streaming', async () => {
    const run = uniqueRun('relay-refused');
    await insertPoints(run, 'loss', ramp(0, 9));
    await insertPoints(run, 'checkpoint.saved', [{ step: 8, value: 1e9 }], { tags_json: '{"path":"/ckpt/8"}' });
    const good = await fixture<LossChart>(html`<loss-chart src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="300"></loss-chart>`);
    await waitFor(() => good.chartData?.[0].length === 10, 'the good chart');
    // Each on its own store (poll interval), as separate parts of a page.
    const longRun = await fixture<LossChart>(html`<loss-chart src=${SOURCE_URL} run=${'r'.repeat(20_000)} poll-interval="400"></loss-chart>`);
    // Good neighbours on the same stores as refused elements: the refused run (400 ms) and the unknown query kind (700 ms).
    const neighbour = await fixture<LossChart>(html`<loss-chart src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="400"></loss-chart>`);
    const rowNeighbour = await fixture<CheckpointTable>(html`<checkpoint-table src=${SOURCE_URL} run=${run} poll-interval="700"></checkpoint-table>`);
    const chartNeighbour = await fixture<LossChart>(html`<loss-chart src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="700"></loss-chart>`);
    // Five runs of 3900 characters: each is fine, together they pass the relay's 16 KB request.
    const tooMany = Array.from({ length: 5 }, (_, i) => `${'x'.repeat(3900)}${i}`).join(',');
    const manyRuns = await fixture<LossChart>(html`<loss-chart src=${SOURCE_URL} run=${tooMany} poll-interval="500"></loss-chart>`);
    const table = await fixture<CheckpointTable>(html`<checkpoint-table src=${SOURCE_URL} run=${'c'.repeat(5000)} poll-interval="600"></checkpoint-table>`);
    const custom = await fixture<UnknownKind>(html`<relay-unknown-kind></relay-unknown-kind>`);

    await waitFor(() => longRun.state === 'error', 'the long run’s error', 10_000);
    expect(longRun.stateMessage).to.contain(`trainwatch relay at ${RELAY_URL}`);
    expect(longRun.stateMessage).to.contain('runs and metrics of at most 4096 characters');
    await waitFor(() => manyRuns.state === 'error', 'the five long runs’ error', 10_000);
    expect(manyRuns.stateMessage).to.contain('More than one relay stream carries (256 series, 64 queries, 16 KB)');
    await waitFor(() => table.shadowRoot!.textContent!.includes('at most 4096 characters'), 'the table’s error', 10_000);
    expect(table.shadowRoot!.textContent).to.contain(`trainwatch relay at ${RELAY_URL}`);
    await waitFor(() => custom.state === 'error', 'the unknown kind’s error', 10_000);
    expect(custom.error).to.contain('does not know the query "team-special"');
    // None of them said the relay cannot be reached: the relay's answer is what they show.
    for (const message of [longRun.stateMessage, manyRuns.stateMessage, custom.error!]) expect(message).not.to.contain('Cannot reach');

    // The neighbours share those stores, and draw exactly what was inserted: a refused entry is not an outage.
    const shared = (ms: number) => liveStores().filter((s) => s.source.label === `trainwatch relay at ${RELAY_URL}` && s.pollInterval === ms);
    for (const ms of [400, 700]) expect(shared(ms), `one store at ${ms} ms`).to.have.length(1);
    await waitFor(() => neighbour.chartData?.[0].length === 10 && chartNeighbour.chartData?.[0].length === 10, 'the neighbours’ charts', 10_000);
    await waitFor(() => rowNeighbour.state === 'ready', 'the neighbouring checkpoint table', 10_000);
    expect(rowNeighbour.shadowRoot!.textContent).to.contain('/ckpt/8');
    for (const ms of [400, 700]) expect(shared(ms)[0].health.failures, `failed polls at ${ms} ms`).to.equal(0);

    // The rest of the page still streams.
    await insertPoints(run, 'loss', ramp(10, 14));
    await waitFor(() => [good, neighbour, chartNeighbour].every((el) => el.chartData?.[0].length === 15), 'pushed points on the good charts', 10_000);
    for (const el of [good, neighbour, chartNeighbour]) {
      expect(Array.from(el.chartData![0])).to.deep.equal(ramp(0, 14).map((p) => p.step));
      expect(Array.from(el.chartData![1] as number[])).to.deep.equal(ramp(0, 14).map((p) => p.value));
      expect(el.state).to.equal('ready');
      expect(el.shadowRoot!.querySelector('.banner[role="alert"]'), 'no error banner').to.equal(null);
    }
    expect(rowNeighbour.state).to.equal('ready');
    expect(rowNeighbour.shadowRoot!.textContent).to.contain('/ckpt/8');
    // The refused ones still say why.
    expect(longRun.state).to.equal('error');
    expect(custom.state).to.equal('error');
    for (const ms of [400, 700]) expect(shared(ms)[0].health.failures).to.equal(0);
  });

  it('rejects a relay URL that is not one', async () => {
    const el = await fixture<LossChart>(html`<loss-chart src="relay+ftp://x" run="r"></loss-chart>`);
    await waitFor(() => el.state === 'error', 'the error state');
    expect(el.stateMessage).to.contain('relay+https://host:port');
  });
});
