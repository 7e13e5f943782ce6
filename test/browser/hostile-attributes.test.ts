/**
 * Hostile attribute and property values, half the tags (the other half is in
 * hostile-attributes-2.test.ts): see hostile-attributes.ts for what is generated and checked.
 * Then one worked case of a valid but odd run and metric name drawn as data.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { CLICKHOUSE_URL } from 'trainwatch-test-env';
import type { BigNumber } from '../../src/elements/big-number/big-number.component.js';
import type { LossChart } from '../../src/elements/loss-chart/loss-chart.component.js';
import { TRAINWATCH_TAGS } from '../../src/frameworks/elements.js';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';
import { describeHostileAttributes } from './hostile-attributes.js';

describeHostileAttributes(TRAINWATCH_TAGS.filter((_, i) => i % 2 === 0));

describe('odd but valid names are data', () => {
  it('a run and metric full of quotes, SQL, placeholders and Unicode draw like any other', async () => {
    // (Not `{name:Type}`: the embedded ClickHouse substitutes it even in inserted rows; see the report of issue 7.)
    const run = `${uniqueRun('odd')}'"; DROP TABLE x; --{run}{{table}}$1\${x}😀\u202e\\`;
    const metric = `loss'{x}%_*é`;
    await insertPoints(run, metric, [0, 1, 2, 3].map((step) => ({ step, value: 4 - step })));
    const root = await fixture<HTMLDivElement>(html`<div style="width: 600px">
      <loss-chart src=${CLICKHOUSE_URL} run=${run} metric=${metric} smoothing="0"></loss-chart>
      <big-number src=${CLICKHOUSE_URL} run=${run} metric=${metric}></big-number>
    </div>`);
    const chart = root.querySelector<LossChart>('loss-chart')!;
    const number = root.querySelector<BigNumber>('big-number')!;
    await waitFor(() => chart.state === 'ready' && number.state === 'ready', `both to draw (${chart.state}: ${chart.stateMessage}; ${number.state}: ${number.stateMessage})`);
    // `*` is a pattern character only where an attribute says so: here the name matches itself, and its 4 points are drawn.
    expect(Array.from(chart.chartData![1] as ArrayLike<number>)).to.deep.equal([4, 3, 2, 1]);
    expect(number.values.map((v) => [v.run, v.value])).to.deep.equal([[run, 1]]);
    fixtureCleanup();
  });
});
