/**
 * One run, one colour, across everything on the page, even when the page
 * holds two copies of trainwatch (the ESM build and the single-file bundle,
 * or two notebook cells that each inline the bundle).
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { colorFor, PALETTE } from '../../src/chart/colors.js';
import '../../src/define.js';
import type { SourceConfig } from '../../src/store/registry.js';
import { resetConfiguration } from '../../src/store/registry.js';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';

interface Bundle {
  colorFor: (run: string) => string;
  configure: (config: Partial<SourceConfig>) => void;
}

/** The single-file bundle, a second copy of trainwatch beside the one these tests import. */
async function loadBundle(): Promise<{ bundle: Bundle; warnings: string[] }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
  try {
    const bundle = (await import(/* @vite-ignore */ `${location.origin}/dist/bundle/trainwatch.js`)) as Bundle;
    return { bundle, warnings };
  } finally {
    console.warn = warn;
  }
}

describe('two copies of trainwatch on one page', () => {
  afterEach(() => {
    fixtureCleanup();
    resetConfiguration();
  });

  it('load without a warning per tag: the tags stay with the first copy', async () => {
    const { warnings } = await loadBundle();
    expect(warnings).to.deep.equal([]);
    // The tags this file's imports defined are still the ones in the registry.
    const { LossChart } = await import('../../src/elements/loss-chart/loss-chart.component.js');
    expect(customElements.get('loss-chart')).to.equal(LossChart);
  });

  it("share configure(): the other copy's call reaches this copy's elements", async () => {
    const { bundle } = await loadBundle();
    const run = uniqueRun('two-copies');
    await insertPoints(run, 'loss', [{ step: 0, value: 2 }, { step: 1, value: 1 }]);
    bundle.configure({ url: SOURCE_URL });
    const chart = await fixture<HTMLElementTagNameMap['loss-chart']>(html`<loss-chart run=${run} smoothing="0"></loss-chart>`);
    await waitFor(() => chart.state === 'ready' && chart.chartData, `the chart to draw (state ${chart.state}: ${chart.stateMessage})`, 10_000);
    expect(Array.from(chart.chartData![0])).to.deep.equal([0, 1]);
  });

  it('share run colours', async () => {
    const { bundle } = await loadBundle();
    expect(bundle.colorFor, 'the bundle exports colorFor').to.be.a('function');
    expect(bundle.colorFor).to.not.equal(colorFor);
    const runs = [uniqueRun('colour-a'), uniqueRun('colour-b'), uniqueRun('colour-c')];
    // Alternate which copy sees a run first: each must hand out the next free colour of the one table.
    const fromBundle = bundle.colorFor(runs[0]);
    const fromSource = colorFor(runs[1]);
    const third = bundle.colorFor(runs[2]);
    expect(colorFor(runs[0])).to.equal(fromBundle);
    expect(bundle.colorFor(runs[1])).to.equal(fromSource);
    expect(colorFor(runs[2])).to.equal(third);
    expect(new Set([fromBundle, fromSource, third]).size, 'three new runs get three colours').to.equal(3);
    for (const colour of [fromBundle, fromSource, third]) expect(PALETTE).to.include(colour);
  });
});
