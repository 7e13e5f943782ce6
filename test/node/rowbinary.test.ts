/**
 * The RowBinary decoder on bytes a real ClickHouse engine wrote (the embedded
 * server), not on bytes made up here: values the chart must keep exact
 * (large steps, epoch-ms times, NaN, ±Inf, -0) and answers it must refuse.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { decodePointRows, GarbledResponseError, ROW_BYTES } from '../../src/sources/rowbinary.js';

let ch: EmbeddedClickHouse;

before(async () => {
  ch = await startClickHouseServer({ port: 0 });
});
after(async () => {
  await ch.close();
});

async function rowBinary(select: string): Promise<Uint8Array> {
  const response = await fetch(`${ch.url}/`, { method: 'POST', body: `${select} FORMAT RowBinary` });
  assert.equal(response.status, 200, await response.clone().text());
  return new Uint8Array(await response.arrayBuffer());
}

const ROW = (k: number, kind: number, step: string, time: string, value: string) =>
  `SELECT toUInt16(${k}) AS k, toUInt8(${kind}) AS kind, toInt64(${step}) AS s, toInt64(${time}) AS t, toFloat64(${value}) AS v`;

describe('decodePointRows', () => {
  it('decodes what ClickHouse writes, exactly', async () => {
    const bytes = await rowBinary(
      'SELECT * FROM (' +
      [
        ROW(0, 0, '0', '0', '1.5'),
        ROW(65535, 2, '9007199254740991', '1767225600123', 'nan'),
        ROW(7, 1, '-1', '-1', 'inf'),
        ROW(3, 1, '4294967296', '4294967295', '-inf'),
        ROW(1, 0, '123456789', '1767225600999', '-0.0'),
      ].join(' UNION ALL ') + ') ORDER BY k',
    );
    assert.equal(bytes.length, 5 * ROW_BYTES);
    const rows = decodePointRows(bytes);
    assert.equal(rows.length, 5);
    assert.deepEqual(Array.from(rows.k), [0, 1, 3, 7, 65535]);
    assert.deepEqual(Array.from(rows.kind), [0, 0, 1, 1, 2]);
    assert.deepEqual(Array.from(rows.step), [0, 123456789, 4294967296, -1, 9007199254740991]);
    assert.deepEqual(Array.from(rows.time), [0, 1767225600999, 4294967295, -1, 1767225600123]);
    assert.equal(rows.value[0], 1.5);
    assert.ok(Object.is(rows.value[1], -0));
    assert.equal(rows.value[2], -Infinity);
    assert.equal(rows.value[3], Infinity);
    assert.ok(Number.isNaN(rows.value[4]));
  });

  it('decodes an empty answer as no rows', async () => {
    const rows = decodePointRows(await rowBinary(`${ROW(0, 0, '0', '0', '0')} WHERE 0`));
    assert.equal(rows.length, 0);
  });

  it('refuses a 64-bit value a double cannot hold exactly, rather than rounding it', async () => {
    const bytes = await rowBinary(ROW(0, 0, '9007199254740993', '0', '0'));
    assert.throws(() => decodePointRows(bytes), GarbledResponseError);
  });

  it('refuses a cut-off answer, and surfaces an exception ClickHouse appended mid-stream', async () => {
    const bytes = await rowBinary(`${ROW(0, 0, '1', '2', '3')} UNION ALL ${ROW(1, 0, '4', '5', '6')}`);
    assert.throws(() => decodePointRows(bytes.subarray(0, bytes.length - 3)), /cut off or garbled/);
    const withException = new Uint8Array([...bytes, ...new TextEncoder().encode('Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)\n')]);
    assert.throws(() => decodePointRows(withException), /Code: 241\. DB::Exception: Memory limit exceeded/);
  });
});
