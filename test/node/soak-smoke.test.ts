/**
 * A short soak (bench/soak-harness.ts): the demo dashboard against fast
 * simulated runs, every level visited, then toured twice more. What it
 * asserts does not depend on the machine's speed: no page error and no
 * element in an error state; back on the dashboard, the same DOM nodes,
 * event listeners and elements as at the first visit (an element that
 * outlived its tour would add hundreds of nodes and dozens of listeners); and
 * no series ever holds more points than the store's budget, although more
 * than that arrived for one. `npm run soak` reports the speed figures.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runSoak, type Counts } from '../../bench/soak-harness.js';

/**
 * Outgrown by one stay on the dashboard at this rate, and larger than a chart's first view
 * (up to 4 points per pixel column: about 5,400 for the widest chart at the harness's 1400 px).
 */
const BUDGET = 6_000;
const RATE = 1_000;

const brief = ({ tags: _tags, ...c }: Counts) => JSON.stringify(c);

it('keeps the dashboard clean, its DOM and listeners flat across tours, and every series within its point budget', { timeout: 240_000 }, async () => {
  const result = await runSoak({
    minutes: 0,
    windows: 2,
    tourEvery: 1,
    rate: RATE,
    history: 2_000,
    pastDays: 1,
    sampleSeconds: 10,
    dwellSeconds: 0.5,
    pointBudget: BUDGET,
  });
  assert.deepEqual(result.errors, []);
  assert.equal(result.returns.length, 2, 'toured twice');
  const { baseline } = result;
  assert.ok(baseline.nodes > 1000 && baseline.elements > 100, `a full dashboard: ${brief(baseline)}`);
  for (const [i, back] of result.returns.entries()) {
    const what = `after tour ${i + 1}: ${brief(back)}; first visit: ${brief(baseline)}`;
    // What the page shows: the same, give or take a line of text that comes with the data (a chart's
    // note once its points are reduced: a <p>, its text and Lit's markers).
    assert.ok(Math.abs(back.elements - baseline.elements) <= 2, `elements ${what}`);
    assert.ok(Math.abs(back.attached - baseline.attached) <= 6, `nodes in the document and its shadow roots ${what}`);
    // What it subscribes to: exactly the same.
    assert.equal(back.stores, baseline.stores, `stores ${what}`);
    assert.equal(back.subscriptions, baseline.subscriptions, `store subscriptions ${what}`);
    // Counted between polls; a poll starting at that moment holds its two requests' abort listeners.
    assert.ok(Math.abs(back.listeners - baseline.listeners) <= 2, `listeners ${what}`);
    // Every node alive, detached ones too. V8 may keep one destroyed uPlot reachable (through the `rect`
    // getter uPlot defines on each instance, in a hidden-class descriptor V8 shares between them) with
    // the chart around it; which chart that is varies by up to ~50 nodes. An element kept per tour
    // would add its subtree every tour (the Model tab alone mounts about 8,000 nodes).
    assert.ok(Math.abs(back.nodes - baseline.nodes) <= 100, `all DOM nodes ${what}`);
  }
  const [first, second] = result.returns;
  assert.ok(second.nodes - first.nodes <= 60, `no growth from one tour to the next: ${first.nodes} then ${second.nodes}`);
  for (const sample of result.samples) {
    assert.ok(sample.series >= 5, `the dashboard's line charts hold their series (${sample.series})`);
    assert.ok(sample.maxPoints <= BUDGET, `${sample.maxPoints} points held in one series at ${sample.minute.toFixed(2)} min; budget ${BUDGET}`);
  }
  const arrived = Math.max(...result.samples.map((s) => s.maxArrived));
  assert.ok(arrived > BUDGET, `more points than the budget arrived for a series during one stay (${arrived}), so it had to be reduced`);
});
