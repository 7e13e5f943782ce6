import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { TimeRange } from './time-range.component.js';
import './time-range.js';

const radios = (el: TimeRange) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[role="radio"]')];

describe('<time-range> keyboard and accessibility', () => {
  it('is one tab stop; arrows, Home and End choose with real key presses, focus following and visible', async () => {
    const el = await fixture<TimeRange>(html`<time-range value="6h"></time-range>`);
    const chosen: string[] = [];
    el.addEventListener('trainwatch-range-change', (e) => chosen.push(e.detail.window));
    // Only the chosen option is in the tab order.
    expect(radios(el).map((r) => r.tabIndex)).to.deep.equal([-1, -1, 0, -1, -1, -1]);
    await sendKeys({ press: 'Tab' });
    const focused = () => el.shadowRoot!.activeElement as HTMLButtonElement;
    expect(focused().textContent!.trim()).to.equal('6h');
    // Keyboard focus is drawn: a solid 2 px outline.
    expect(getComputedStyle(focused()).outlineStyle).to.equal('solid');
    expect(getComputedStyle(focused()).outlineWidth).to.equal('2px');
    await sendKeys({ press: 'End' });
    await el.updateComplete;
    expect(focused().textContent!.trim()).to.equal('All');
    await sendKeys({ press: 'ArrowLeft' });
    await el.updateComplete;
    await sendKeys({ press: 'Home' });
    await el.updateComplete;
    expect(focused().textContent!.trim()).to.equal('15m');
    await sendKeys({ press: 'ArrowUp' });
    await el.updateComplete;
    expect(chosen).to.deep.equal(['all', '7d', '15m', 'all']);
    expect(radios(el).map((r) => r.getAttribute('aria-checked'))).to.deep.equal(['false', 'false', 'false', 'false', 'false', 'true']);
  });

  it('is a labelled radio group and passes axe in both themes', async () => {
    const el = await fixture<TimeRange>(html`<time-range theme="light"></time-range>`);
    const group = el.shadowRoot!.querySelector('[role="radiogroup"]')!;
    expect(group.getAttribute('aria-label')).to.equal('Time range');
    expect(radios(el).every((r) => r.type === 'button')).to.equal(true);
    await expect(el).to.be.accessible();
    el.theme = 'dark';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });
});
