/**
 * One run, one colour, across everything on the page, even when the page
 * holds two copies of trainwatch (the ESM build and the single-file bundle,
 * or two notebook cells that each inline the bundle).
 */
import { expect } from '@open-wc/testing';
import { colorFor, PALETTE } from '../../src/chart/colors.js';
import { uniqueRun } from './helpers.js';

describe('run colours on a page', () => {
  it('are shared by two copies of trainwatch', async () => {
    const bundle = (await import(/* @vite-ignore */ `${location.origin}/dist/bundle/trainwatch.js`)) as { colorFor: (run: string) => string };
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
