import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { ifDefined } from 'lit/directives/if-defined.js';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import type { OpenDetailDetail } from '../../chart/open-detail.js';
import { liveStores } from '../../store/registry.js';
import type { LossChart } from './loss-chart.component.js';
import './loss-chart.js';

const BASE_TIME = Date.UTC(2026, 0, 1);
const ramp = (n: number): Point[] => Array.from({ length: n }, (_, i) => ({ step: i, value: 3 - i / n }));
/** A fragment URL: following it changes location.hash, not the page, so the test can see a followed link. */
const TEMPLATE = '#open?run={run}&metric={metric}&from={from}&to={to}&axis={axis}';
/** Text a URL must escape: & ? # / % space, quotes and markup. */
const HOSTILE = `a&b c/#?%"<i>x</i>`;
/** encodeURIComponent(HOSTILE), written out. */
const HOSTILE_ENCODED = 'a%26b%20c%2F%23%3F%25%22%3Ci%3Ex%3C%2Fi%3E';

async function chartFor(run: string, metric: string, detailHref: string | undefined, xAxis = 'step') {
  const el = await fixture<LossChart>(html`<loss-chart
    style="width: 640px"
    src=${SOURCE_URL}
    run=${run}
    metric=${metric}
    smoothing="0"
    poll-interval="300"
    x-axis=${xAxis}
    detail-href=${ifDefined(detailHref)}
  ></loss-chart>`);
  await waitFor(() => el.state === 'ready' && el.chartData, 'the chart to draw');
  return el;
}

const opens = (el: LossChart) => [...el.shadowRoot!.querySelectorAll<HTMLElement>('.legend .open-detail')];

describe('<loss-chart> detail-href', () => {
  afterEach(() => {
    fixtureCleanup();
    history.replaceState(null, '', location.pathname + location.search);
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('shows no open link without detail-href', async () => {
    const run = uniqueRun('nolink');
    await insertPoints(run, 'loss', ramp(20));
    const el = await chartFor(run, 'loss', undefined);
    expect(opens(el)).to.deep.equal([]);
    expect(el.shadowRoot!.querySelectorAll('.legend button')).to.have.length(1);
  });

  it('links each legend line to the template, URL-encoding hostile run and metric names, with the zoomed range', async () => {
    const run = `${HOSTILE}-${uniqueRun('link')}`;
    await insertPoints(run, HOSTILE, ramp(300));
    await insertPoints(run, 'val_loss', ramp(300));
    const el = await chartFor(run, `${HOSTILE},val_loss`, TEMPLATE);
    const links = opens(el);
    expect(links.map((a) => a.tagName)).to.deep.equal(['A', 'A']);
    const runEncoded = `${HOSTILE_ENCODED}${run.slice(HOSTILE.length)}`;
    expect(links[0].getAttribute('href')).to.equal(`#open?run=${runEncoded}&metric=${HOSTILE_ENCODED}&from=&to=&axis=step`);
    expect(links[1].getAttribute('href')).to.equal(`#open?run=${runEncoded}&metric=val_loss&from=&to=&axis=step`);
    expect(links[0].getAttribute('aria-label')).to.equal(`Open ${HOSTILE} of ${run} in detail`);
    // Markup in the names stays text.
    expect(el.shadowRoot!.querySelector('.legend i')).to.equal(null);

    el.setZoom([100.4, 200.6]);
    await el.updateComplete;
    expect(opens(el)[1].getAttribute('href')).to.equal(`#open?run=${runEncoded}&metric=val_loss&from=100&to=201&axis=step`);
    await expect(el).to.be.accessible();
  });

  it('fires a cancelable trainwatch-open-detail on click: canceled, the link is not followed; else it is', async () => {
    const run = uniqueRun('click');
    await insertPoints(run, 'loss', ramp(300));
    const el = await chartFor(run, 'loss', TEMPLATE);
    el.setZoom([10, 20]);
    await el.updateComplete;
    const seen: OpenDetailDetail[] = [];
    const route = (e: CustomEvent<OpenDetailDetail>) => {
      seen.push(e.detail);
      e.preventDefault();
    };
    // Listened for on the document: the event bubbles out of the shadow root.
    document.addEventListener('trainwatch-open-detail', route);
    opens(el)[0].click();
    document.removeEventListener('trainwatch-open-detail', route);
    expect(seen).to.deep.equal([{ run, metric: 'loss', from: 10, to: 20, axis: 'step' }]);
    expect(location.hash, 'a page that routes itself keeps its URL').to.equal('');

    opens(el)[0].click();
    expect(decodeURIComponent(location.hash)).to.equal(`#open?run=${run}&metric=loss&from=10&to=20&axis=step`);
  });

  it('gives wall time to a detail view when the chart counts time from the run start', async () => {
    const run = uniqueRun('relative');
    await insertPoints(run, 'loss', ramp(300));
    const el = await chartFor(run, 'loss', TEMPLATE, 'relative');
    // 60 s to 120 s after the run's first point, which is at BASE_TIME.
    el.setZoom([60, 120]);
    await el.updateComplete;
    const from = (BASE_TIME + 60_000) / 1000;
    expect(opens(el)[0].getAttribute('href')).to.equal(`#open?run=${run}&metric=loss&from=${from}&to=${from + 60}&axis=time`);
  });

  it('with an empty detail-href offers a button that only fires the event', async () => {
    const run = uniqueRun('button');
    await insertPoints(run, 'loss', ramp(50));
    const el = await chartFor(run, 'loss', '');
    const [button] = opens(el);
    expect(button.tagName).to.equal('BUTTON');
    expect(button.getAttribute('aria-label')).to.equal(`Open loss of ${run} in detail`);
    const seen: OpenDetailDetail[] = [];
    el.addEventListener('trainwatch-open-detail', (e) => seen.push(e.detail));
    button.click();
    expect(seen).to.deep.equal([{ run, metric: 'loss', axis: 'step' }]);
    expect(location.hash).to.equal('');
  });
});
