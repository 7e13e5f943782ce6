import { expect } from '@open-wc/testing';
import { readUrlFilters, writeUrlFilters } from './url-filters.js';

describe('url-filters', () => {
  it('reads the prefixed names, decoded, and nothing else', () => {
    expect(readUrlFilters('?tw-run=a,b&run=other&tw-host=node%2D1&tw-window=6h', 'tw-')).to.deep.equal({ run: 'a,b', host: 'node-1', window: '6h' });
    expect(readUrlFilters('?run=a%2Cb&window=all', '')).to.deep.equal({ run: 'a,b', window: 'all' });
    // + is a space in a query; the first of a repeated name counts; empty ones are absent.
    expect(readUrlFilters('run=x+y&run=z&host=&window', '')).to.deep.equal({ run: 'x y' });
    // A malformed escape is kept as written rather than thrown.
    expect(readUrlFilters('?run=100%&window=%E0%A4%A', '')).to.deep.equal({ run: '100%', window: '%E0%A4%A' });
    expect(readUrlFilters('', 'tw-')).to.deep.equal({});
  });

  it('writes in place, appends what was missing, removes what is empty, and leaves the rest as written', () => {
    const page = '?a=1&x=a%20b+c&tw-window=1h&b=%E2%9C%93';
    expect(writeUrlFilters(page, 'tw-', { run: 'r1,r2', window: '6h' })).to.equal('?a=1&x=a%20b+c&tw-window=6h&b=%E2%9C%93&tw-run=r1,r2');
    expect(writeUrlFilters(page, 'tw-', {})).to.equal('?a=1&x=a%20b+c&b=%E2%9C%93');
    expect(writeUrlFilters('?tw-run=a&tw-run=b', 'tw-', { run: 'c' })).to.equal('?tw-run=c');
    expect(writeUrlFilters('?tw-run=a', 'tw-', {})).to.equal('');
    expect(writeUrlFilters('', '', { host: 'node 1', run: `x' OR 1=1&y=#` })).to.equal(`?run=x'%20OR%201%3D1%26y%3D%23&host=node%201`);
  });

  it('round-trips any text', () => {
    const values = [`x' OR 1=1 --`, '{run:String}', '$1 ${a}', 'a,b', 'é/ü?&=#+', ' %41 '.trim(), 'r'.repeat(5000)];
    for (const run of values) {
      const search = writeUrlFilters('?keep=1', 'tw-', { run, host: run, window: run });
      expect(readUrlFilters(search, 'tw-')).to.deep.equal({ run, host: run, window: run });
      expect(search.startsWith('?keep=1&')).to.equal(true);
    }
  });
});
