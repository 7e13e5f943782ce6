import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { TimeRange } from './time-range.component.js';
import './time-range.js';

const options = (el: TimeRange) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[role="radio"]')];

describe('<time-range>', () => {
  it('offers the windows, marks the chosen one, and announces a click with its seconds', async () => {
    const el = await fixture<TimeRange>(html`<time-range></time-range>`);
    expect(el.value).to.equal('1h');
    expect(options(el).map((o) => o.textContent!.trim())).to.deep.equal(['15m', '1h', '6h', '24h', '7d', 'All']);
    expect(options(el).map((o) => o.getAttribute('aria-checked'))).to.deep.equal(['false', 'true', 'false', 'false', 'false', 'false']);
    const change = oneEvent(el, 'trainwatch-range-change');
    options(el)[2].click();
    expect((await change).detail).to.deep.equal({ window: '6h', seconds: 6 * 3600 });
    expect(el.getAttribute('value')).to.equal('6h');
  });

  it('moves with the arrow keys like a radio group', async () => {
    const el = await fixture<TimeRange>(html`<time-range value="7d"></time-range>`);
    const change = oneEvent(el, 'trainwatch-range-change');
    options(el)[4].dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true, composed: true }));
    expect((await change).detail).to.deep.equal({ window: 'all', seconds: 0 });
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement?.textContent?.trim()).to.equal('All');
  });

  it('drops choices that are not windows instead of failing', async () => {
    const el = await fixture<TimeRange>(html`<time-range options="5m, 1 week, <b>x</b>, 2h" value="2h"></time-range>`);
    expect(options(el).map((o) => o.textContent!.trim())).to.deep.equal(['5m', '2h']);
    await expect(el).to.be.accessible();
  });

  it('shows a window that is not among the choices as one, and checks nothing for one that is not a window', async () => {
    const el = await fixture<TimeRange>(html`<time-range value="3h"></time-range>`);
    expect(options(el).map((o) => o.textContent!.trim())).to.deep.equal(['15m', '1h', '3h', '6h', '24h', '7d', 'All']);
    expect(options(el).map((o) => o.getAttribute('aria-checked'))).to.deep.equal(['false', 'false', 'true', 'false', 'false', 'false', 'false']);
    el.value = `6h' OR 1=1`;
    await el.updateComplete;
    expect(options(el).map((o) => o.textContent!.trim())).to.deep.equal(['15m', '1h', '6h', '24h', '7d', 'All']);
    expect(options(el).filter((o) => o.getAttribute('aria-checked') === 'true')).to.have.length(0);
    // Still one tab stop, on the first choice.
    expect(options(el).map((o) => o.tabIndex)).to.deep.equal([0, -1, -1, -1, -1, -1]);
    const change = oneEvent(el, 'trainwatch-range-change');
    options(el)[1].click();
    expect((await change).detail).to.deep.equal({ window: '1h', seconds: 3600 });
    await expect(el).to.be.accessible();
  });
});
