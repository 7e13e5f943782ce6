import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { ifDefined } from 'lit/directives/if-defined.js';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import type { OpenDetailDetail } from '../../chart/open-detail.js';
import { liveStores } from '../../store/registry.js';
import type { MetricChart } from './metric-chart.component.js';
import './metric-chart.js';

const T0 = Date.UTC(2026, 0, 1);
const minutes = (n: number, f: (i: number) => number): Point[] => Array.from({ length: n }, (_, i) => ({ step: i, value: f(i), time: T0 + i * 60_000 }));
/** A fragment URL: following it changes location.hash, not the page. */
const TEMPLATE = '#open?run={run}&metric={metric}&host={host}&from={from}&to={to}&axis={axis}';
const HOSTILE = `a&b c/#?%"<i>x</i>`;
/** encodeURIComponent(HOSTILE), written out. */
const HOSTILE_ENCODED = 'a%26b%20c%2F%23%3F%25%22%3Ci%3Ex%3C%2Fi%3E';

async function chartFor(run: string, metric: string, detailHref: string | undefined, attrs: Partial<Record<string, string>> = {}) {
  const el = await fixture<MetricChart>(html`<metric-chart
    style="width: 640px"
    src=${SOURCE_URL}
    run=${run}
    metric=${metric}
    stat=${attrs.stat ?? ''}
    group-by=${attrs.groupBy ?? 'metric'}
    poll-interval="300"
    detail-href=${ifDefined(detailHref)}
  ></metric-chart>`);
  await waitFor(() => el.state === 'ready' && el.chartData, 'the chart to draw');
  return el;
}

const opens = (el: MetricChart) => [...el.shadowRoot!.querySelectorAll<HTMLElement>('.legend .open-detail')];

describe('<metric-chart> detail-href', () => {
  afterEach(() => {
    fixtureCleanup();
    history.replaceState(null, '', location.pathname + location.search);
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('shows no open link without detail-href', async () => {
    const run = uniqueRun('nolink');
    await insertPoints(run, 'tokens_per_s', minutes(10, (i) => 1000 + i));
    const el = await chartFor(run, 'tokens_per_s', undefined);
    expect(opens(el)).to.deep.equal([]);
  });

  it('links each series to the template with its run, metric and host URL-encoded, and the zoomed time range', async () => {
    const run = `${HOSTILE}-${uniqueRun('link')}`;
    await insertPoints(run, HOSTILE, minutes(30, (i) => i), { host: 'node/0' });
    await insertPoints(run, HOSTILE, minutes(30, (i) => 2 * i), { host: 'node-1' });
    const el = await chartFor(run, HOSTILE, TEMPLATE);
    const runEncoded = `${HOSTILE_ENCODED}${run.slice(HOSTILE.length)}`;
    const hrefs = opens(el).map((a) => a.getAttribute('href'));
    expect(hrefs).to.deep.equal([
      `#open?run=${runEncoded}&metric=${HOSTILE_ENCODED}&host=node-1&from=&to=&axis=time`,
      `#open?run=${runEncoded}&metric=${HOSTILE_ENCODED}&host=node%2F0&from=&to=&axis=time`,
    ]);
    expect(opens(el)[0].getAttribute('aria-label')).to.equal(`Open ${HOSTILE} of ${run} on node-1 in detail`);
    expect(el.shadowRoot!.querySelector('.legend i')).to.equal(null);

    const from = (T0 + 5 * 60_000) / 1000;
    el.setZoom([from, from + 600.0004]);
    await el.updateComplete;
    expect(opens(el)[0].getAttribute('href')).to.equal(`#open?run=${runEncoded}&metric=${HOSTILE_ENCODED}&host=node-1&from=${from}&to=${from + 600}.001&axis=time`);
    await expect(el).to.be.accessible();
  });

  it('fires a cancelable trainwatch-open-detail on click: canceled, the link is not followed; else it is', async () => {
    const run = uniqueRun('click');
    await insertPoints(run, 'tokens_per_s', minutes(20, (i) => 1000 + i));
    const el = await chartFor(run, 'tokens_per_s', TEMPLATE);
    const seen: OpenDetailDetail[] = [];
    const route = (e: CustomEvent<OpenDetailDetail>) => {
      seen.push(e.detail);
      e.preventDefault();
    };
    document.addEventListener('trainwatch-open-detail', route);
    opens(el)[0].click();
    document.removeEventListener('trainwatch-open-detail', route);
    expect(seen).to.deep.equal([{ run, metric: 'tokens_per_s', axis: 'time' }]);
    expect(location.hash).to.equal('');
    opens(el)[0].click();
    expect(decodeURIComponent(location.hash)).to.equal(`#open?run=${run}&metric=tokens_per_s&host=&from=&to=&axis=time`);
  });

  it('offers no link for lines that are not one metric: statistics across series, or metrics grouped by host', async () => {
    const run = uniqueRun('stat');
    await insertPoints(run, 'moe.layer.0.null_ratio', minutes(10, (i) => i / 10));
    await insertPoints(run, 'moe.layer.1.null_ratio', minutes(10, (i) => i / 20));
    const stats = await chartFor(run, 'moe.layer.*.null_ratio', TEMPLATE, { stat: 'p50,max' });
    expect(stats.lines).to.have.length(2);
    expect(opens(stats)).to.deep.equal([]);
    fixtureCleanup();
    const byHost = await chartFor(run, 'moe.layer.*.null_ratio', TEMPLATE, { groupBy: 'host' });
    expect(byHost.lines).to.have.length(1);
    expect(opens(byHost)).to.deep.equal([]);
    fixtureCleanup();
    const perMetric = await chartFor(run, 'moe.layer.*.null_ratio', TEMPLATE);
    expect(opens(perMetric).map((a) => a.getAttribute('aria-label'))).to.deep.equal([
      `Open moe.layer.0.null_ratio of ${run} in detail`,
      `Open moe.layer.1.null_ratio of ${run} in detail`,
    ]);
  });
});
