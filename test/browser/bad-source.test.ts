/**
 * A source that cannot be built (a malformed URL, a table name that is not
 * database.table) is the user's mistake on one element: it shows as that
 * element's error, never as an exception escaping into the page.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../src/elements/loss-chart/loss-chart.js';
import '../../src/elements/checkpoint-table/checkpoint-table.js';
import type { TrainwatchElement } from '../../src/internal/trainwatch-element.js';
import { liveStores } from '../../src/store/registry.js';
import { waitFor } from './helpers.js';

describe('an unusable source', () => {
  let uncaught: string[] = [];
  const onError = (event: ErrorEvent) => uncaught.push(event.message);
  const onRejection = (event: PromiseRejectionEvent) => uncaught.push(String(event.reason));

  beforeEach(() => {
    uncaught = [];
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
  });

  afterEach(() => {
    window.removeEventListener('error', onError);
    window.removeEventListener('unhandledrejection', onRejection);
    fixtureCleanup();
    expect(liveStores()).to.have.length(0);
  });

  for (const [what, attrs, expected] of [
    ['a URL that is not one', { src: 'not a url' }, /Cannot use this source: .*malformed/i],
    ['a table name with a space', { src: 'http://127.0.0.1:9', table: 'bad table' }, /Cannot use this source: Invalid table name "bad table"/],
    ['a table name with SQL in it', { src: 'http://127.0.0.1:9', table: 'db.t; DROP TABLE x' }, /Invalid table name/],
  ] as const) {
    it(`with ${what} is the element's error, not the page's`, async () => {
      for (const tag of ['loss-chart', 'checkpoint-table']) {
        const el = await fixture<TrainwatchElement>(html`<div></div>`).then((host) => {
          const child = document.createElement(tag) as TrainwatchElement & { run: string };
          child.run = 'r1';
          for (const [name, value] of Object.entries(attrs)) child.setAttribute(name, value);
          host.append(child);
          return child;
        });
        await waitFor(() => el.state === 'error', `<${tag}> to show the error (state ${el.state})`);
        expect(el.stateMessage).to.match(expected);
        expect(el.shadowRoot!.textContent).to.match(expected);
      }
      expect(uncaught, 'nothing thrown into the page').to.deep.equal([]);
    });
  }
});
