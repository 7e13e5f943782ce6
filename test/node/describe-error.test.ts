/** The sentences a page shows for transport errors that carry little or nothing of their own. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError } from '../../src/store/store.js';

const LABEL = 'ClickHouse at http://ch:8123';

describe('describeError', () => {
  it('a refusal with an empty body still says something a user can act on', () => {
    const said = describeError(new Error(''), LABEL);
    assert.equal(said, `${LABEL} refused the request without saying why. Retrying…`);
  });

  it('a message is kept to its first line', () => {
    assert.equal(describeError(new Error('Code: 60. DB::Exception: Unknown table\nstack'), LABEL), `${LABEL}: Code: 60. DB::Exception: Unknown table`);
  });

  it('an HTML page from a proxy is named by its title, never shown as markup', () => {
    const said = describeError(new Error('<html><head><title>502 Bad Gateway</title></head><body><script>x</script></body></html>'), LABEL);
    assert.equal(said, `${LABEL} answered 502 Bad Gateway. Retrying…`);
  });
});
