import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globToLike, wildcardPart } from '../../src/internal/pattern.js';
import { parseWindow } from '../../src/internal/time-window.js';

describe('metric patterns', () => {
  it('turns * into % and escapes LIKE wildcards so they match themselves', () => {
    assert.equal(globToLike('sys.gpu.*.util_percent'), 'sys.gpu.%.util\\_percent');
    assert.equal(globToLike('100%_done\\x'), '100\\%\\_done\\\\x');
  });
  it('names a series by what the wildcard matched', () => {
    assert.equal(wildcardPart('sys.gpu.*.util_percent', 'sys.gpu.12.util_percent'), '12');
    assert.equal(wildcardPart('gsa.*', 'gsa.sparsity'), 'sparsity');
    assert.equal(wildcardPart('loss', 'loss'), 'loss');
  });
});

describe('time windows', () => {
  it('reads durations and all', () => {
    assert.equal(parseWindow('15m'), 900);
    assert.equal(parseWindow('6h'), 21_600);
    assert.equal(parseWindow('7d'), 604_800);
    assert.equal(parseWindow('all'), 0);
    assert.equal(parseWindow(''), 0);
  });
  it('rejects anything else with a message', () => {
    for (const bad of ['1w', '-1h', '0m', 'h', '1e9d', "1h' OR 1"]) assert.throws(() => parseWindow(bad), /Invalid window/);
  });
});
