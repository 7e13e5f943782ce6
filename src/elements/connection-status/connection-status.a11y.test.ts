import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { PROXY_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import '../loss-chart/loss-chart.js';
import type { ConnectionStatus } from './connection-status.component.js';
import './connection-status.js';

const region = (el: ConnectionStatus) => el.shadowRoot!.querySelector('[role="status"]')!;

describe('<connection-status> for screen readers', () => {
  afterEach(async () => {
    await fetch('/__proxy/up');
    fixtureCleanup();
    expect(liveStores()).to.have.length(0);
  });

  it('announces changes of state politely, once each, and stays quiet while polls succeed', async () => {
    const run = uniqueRun('conn-a11y');
    await insertPoints(run, 'loss', [{ step: 1, value: 1 }]);
    const page = await fixture<HTMLDivElement>(html`<div>
      <connection-status></connection-status>
      <loss-chart src=${PROXY_URL} run=${run} poll-interval="300"></loss-chart>
    </div>`);
    const el = page.querySelector('connection-status')!;
    // The first state seen is not announced; going live is.
    await waitFor(() => region(el).textContent === 'Connection live', 'the live announcement');
    expect(el.shadowRoot!.querySelectorAll('[role="status"], [aria-live]')).to.have.length(1);
    // Several polls and clock ticks (each a render): the live region does not change.
    const changes: MutationRecord[] = [];
    const observer = new MutationObserver((records) => changes.push(...records));
    observer.observe(region(el), { childList: true, characterData: true, subtree: true });
    const store = liveStores()[0];
    const requests = store.requests;
    let renders = 0;
    const ticks = setInterval(() => {
      el.requestUpdate();
      renders++;
    }, 100);
    await waitFor(() => store.requests >= requests + 4 && renders >= 10, 'more polls and renders', 10_000);
    clearInterval(ticks);
    await el.updateComplete;
    observer.disconnect();
    expect(changes).to.have.length(0);
    expect(region(el).textContent).to.equal('Connection live');
    // Losing the server: retrying (unless it passes between two renders), then lost, each said once with the reason.
    const said: string[] = [];
    const listener = new MutationObserver(() => said.push(region(el).textContent!));
    listener.observe(region(el), { childList: true, characterData: true, subtree: true });
    await fetch('/__proxy/down');
    await waitFor(() => region(el).textContent!.startsWith('Connection lost: Cannot reach ClickHouse'), 'the lost announcement', 20_000);
    await el.updateComplete;
    listener.disconnect();
    expect(el.announced).to.equal(region(el).textContent);
    const distinct = said.filter((text, i) => text !== said[i - 1]);
    expect(distinct).to.deep.equal(said);
    expect(distinct.length).to.be.within(1, 2);
    if (distinct.length === 2) expect(distinct[0]).to.match(/^Connection retrying: Cannot reach ClickHouse/);
    expect(distinct.at(-1)).to.match(/^Connection lost: Cannot reach ClickHouse/);
    await fetch('/__proxy/up');
    await waitFor(() => region(el).textContent === 'Connection live', 'the recovery announcement', 20_000);
  });

  it('keeps the sentence readable in compact mode and passes axe in both themes', async () => {
    const el = await fixture<ConnectionStatus>(html`<connection-status compact></connection-status>`);
    const sentence = el.shadowRoot!.querySelector('.visually-hidden')!;
    expect(sentence.textContent).to.equal('Connection: Not connected');
    expect(el.shadowRoot!.querySelector('.light')!.getAttribute('aria-hidden')).to.equal('true');
    expect(region(el).textContent).to.equal('');
    await expect(el).to.be.accessible();
    el.compact = false;
    el.theme = 'dark';
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('.text')!.textContent).to.equal('Connection: Not connected');
    await expect(el).to.be.accessible();
  });
});
