import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import type { HostPicker } from './host-picker.component.js';
import './host-picker.js';

const T0 = Date.UTC(2026, 0, 4);

const select = (el: HostPicker) => el.shadowRoot!.querySelector('select')!;
const options = (el: HostPicker) => [...select(el).options].map((o) => [o.value, o.textContent!.trim()]);

async function ready(el: HostPicker) {
  await waitFor(() => el.state === 'ready', `the host list (state ${el.state}: ${el.stateMessage})`, 10_000);
  await el.updateComplete;
  return el;
}

/** One point per host at `ago` seconds before T0 + 600 s (the newest point of the run). */
async function fleet(run: string, hosts: Record<string, number>) {
  for (const [host, ago] of Object.entries(hosts)) {
    await insertPoints(run, 'sys.cpu_percent', [{ step: 1, value: 50, time: T0 + 600_000 - ago * 1000 }], { host });
  }
  // Run-level rows have no host: never listed.
  await insertPoints(run, 'loss', [{ step: 1, value: 1, time: T0 + 600_000 }]);
}

describe('<host-picker>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores()).to.have.length(0);
  });

  it('lists, by name, the hosts that reported for the runs in the window, after "All hosts"', async () => {
    const a = uniqueRun('hosts-a');
    const b = uniqueRun('hosts-b');
    await fleet(a, { 'node-2': 10, 'node-10': 20, 'node-old': 7200 });
    await fleet(b, { 'node-1': 30, '<b>bold</b>': 40 });
    const el = await ready(await fixture<HostPicker>(html`<host-picker src=${SOURCE_URL} run=${`${a}, ${b}`} window="1h" poll-interval="300"></host-picker>`));
    // Text order, as ClickHouse sorts strings; node-old reported two hours before the newest point.
    expect(options(el)).to.deep.equal([
      ['', 'All hosts'],
      ['<b>bold</b>', '<b>bold</b>'],
      ['node-1', 'node-1'],
      ['node-10', 'node-10'],
      ['node-2', 'node-2'],
    ]);
    // A host name is text, never markup.
    expect(el.shadowRoot!.querySelector('b')).to.equal(null);
    expect(el.hosts.map((h) => [h.host, h.points])).to.deep.equal([
      ['<b>bold</b>', 1],
      ['node-1', 1],
      ['node-10', 1],
      ['node-2', 1],
    ]);
    el.window = 'all';
    await waitFor(() => el.hosts.some((h) => h.host === 'node-old'), 'the old host with window="all"');
    // One run only.
    el.run = b;
    await waitFor(() => el.hosts.length === 2, 'the hosts of one run');
    expect(el.hosts.map((h) => h.host)).to.deep.equal(['<b>bold</b>', 'node-1']);
    await expect(el).to.be.accessible();
  });

  it('outside filters shows its own value, and tells the page when another host is chosen', async () => {
    const run = uniqueRun('hosts-choose');
    await fleet(run, { 'node-0': 1, 'node-1': 2 });
    const el = await ready(await fixture<HostPicker>(html`<host-picker src=${SOURCE_URL} run=${run} value="node-1" poll-interval="300"></host-picker>`));
    expect(select(el).value).to.equal('node-1');
    const change = oneEvent(el, 'trainwatch-host-change');
    select(el).value = 'node-0';
    select(el).dispatchEvent(new Event('change'));
    expect((await change).detail).to.deep.equal({ host: 'node-0' });
    expect(el.getAttribute('value')).to.equal('node-0');
    const all = oneEvent(el, 'trainwatch-host-change');
    el.select('');
    expect((await all).detail).to.deep.equal({ host: '' });
    // Choosing what is chosen says nothing.
    let fired = 0;
    el.addEventListener('trainwatch-host-change', () => fired++);
    el.select('');
    expect(fired).to.equal(0);
    // A chosen host without data in the window stays listed, marked so.
    el.value = 'node-gone';
    await el.updateComplete;
    expect(options(el)).to.deep.equal([
      ['', 'All hosts'],
      ['node-gone', 'node-gone (no data)'],
      ['node-0', 'node-0'],
      ['node-1', 'node-1'],
    ]);
    expect(select(el).value).to.equal('node-gone');
  });

  it('says why it lists nothing: no run, no host, an invalid window', async () => {
    const el = await fixture<HostPicker>(html`<host-picker src=${SOURCE_URL} poll-interval="300"></host-picker>`);
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.equal('No run selected: set the run attribute.');
    const run = uniqueRun('hosts-none');
    await insertPoints(run, 'loss', [{ step: 1, value: 1 }]);
    el.run = run;
    await waitFor(() => el.state === 'empty' && el.stateMessage !== 'No run selected: set the run attribute.', 'the run without hosts');
    expect(el.stateMessage).to.equal('No host reported for these runs in the window.');
    el.window = '1 week';
    await waitFor(() => el.state === 'error', 'the window error');
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.equal('Invalid window "1 week": use a duration such as 15m, 6h, 7d, or "all".');
    // Still a working control: "All hosts" is there.
    expect(options(el)).to.deep.equal([['', 'All hosts']]);
  });

  it('exports the hosts listed as CSV, and all of them with raw', async () => {
    const run = uniqueRun('hosts-csv');
    await fleet(run, { 'node-0': 0, '=cmd': 60 });
    const el = await ready(await fixture<HostPicker>(html`<host-picker src=${SOURCE_URL} run=${run} value="node-0" poll-interval="300"></host-picker>`));
    const newest = new Date(T0 + 600_000).toISOString();
    const minuteBefore = new Date(T0 + 540_000).toISOString();
    const expected = `host,points,last_time,selected\r\n'=cmd,1,${minuteBefore},false\r\nnode-0,1,${newest},true\r\n`;
    expect(await el.toCSV()).to.equal(expected);
    expect(await el.toCSV({ raw: true })).to.equal(expected);
    expect(el.shadowRoot!.querySelector('[part="export"] summary')!.getAttribute('aria-label')).to.equal('Export host list');
  });
});
