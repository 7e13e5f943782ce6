import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { PROXY_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import '../loss-chart/loss-chart.js';
import { ConnectionStatus } from './connection-status.component.js';
import './connection-status.js';

const light = (el: ConnectionStatus) => el.shadowRoot!.querySelector('.base')!;

describe('<connection-status>', () => {
  afterEach(async () => {
    await fetch('/__proxy/up');
    fixtureCleanup();
    expect(liveStores()).to.have.length(0);
  });

  it('is grey with nothing connected', async () => {
    const el = await fixture<ConnectionStatus>(html`<connection-status></connection-status>`);
    expect(el.summary.level).to.equal('idle');
    expect(getComputedStyle(el.shadowRoot!.querySelector('.light')!).backgroundColor).to.not.equal('rgb(26, 127, 55)');
  });

  it('goes green, then yellow and red while the server is away, and green again when it is back', async () => {
    const run = uniqueRun('conn');
    await insertPoints(run, 'loss', [{ step: 1, value: 1 }]);
    const page = await fixture<HTMLDivElement>(html`<div>
      <connection-status></connection-status>
      <loss-chart src=${PROXY_URL} run=${run} poll-interval="300"></loss-chart>
    </div>`);
    const el = page.querySelector('connection-status')!;
    const lightColor = () => getComputedStyle(el.shadowRoot!.querySelector('.light')!).backgroundColor;
    await waitFor(() => el.summary.level === 'ok', 'green');
    el.requestUpdate();
    await el.updateComplete;
    expect(light(el).classList.contains('ok')).to.equal(true);
    expect(lightColor()).to.equal('rgb(26, 127, 55)');
    expect(light(el).textContent).to.match(/Live · updated/);
    await fetch('/__proxy/down');
    await waitFor(() => el.summary.level === 'degraded', 'yellow', 10_000);
    expect(el.summary.text).to.match(/^Retrying: Cannot reach ClickHouse/);
    await waitFor(() => el.summary.level === 'down', 'red', 15_000);
    el.requestUpdate();
    await el.updateComplete;
    expect(lightColor()).to.equal('rgb(207, 34, 46)');
    expect(light(el).getAttribute('title')).to.match(/Cannot reach ClickHouse/);
    await fetch('/__proxy/up');
    await waitFor(() => el.summary.level === 'ok', 'green again', 20_000);
  });
});
