/**
 * The row queries a relay runs: the SQL of every element that ships with
 * trainwatch, by kind. Viewers send a kind and its values, never SQL, so a
 * relay gives a page no more than the elements need.
 *
 * The SQL is taken from the elements' own query builders (called here with
 * placeholder values; the text does not depend on them), so it cannot drift.
 */
import { bigNumberQuery, bigNumberRawQuery } from '../../elements/big-number/big-number.queries.js';
import { checkpointsQuery } from '../../elements/checkpoint-table/checkpoint-table.queries.js';
import { gridQuery, idleQuery, probeQuery, rawSamplesQuery } from '../../elements/gpu-util/gpu-util.queries.js';
import { metricChartQuery, metricRawQuery } from '../../elements/metric-chart/metric-chart.queries.js';
import { checkpointStepsQuery, spikesQuery, statsQuery } from '../../elements/metric-detail/metric-detail.queries.js';
import { milestonesQuery } from '../../elements/milestone-bar/milestone-bar.queries.js';
import { heatmapQuery, heatmapRawQuery, heatmapStepsQuery } from '../../elements/moe-heatmap/moe-heatmap.queries.js';
import { tokensQuery, tokensRawQuery, tokenStepsQuery } from '../../elements/moe-tokens/moe-tokens.queries.js';
import { runsQuery } from '../../elements/run-picker/run-picker.queries.js';
import { samplesQuery, sampleStepsQuery } from '../../elements/sample-viewer/sample-viewer.queries.js';
import { healthQuery } from '../../elements/health-table/health-table.queries.js';
import { hostsQuery } from '../../elements/trainwatch-filters/host-picker.queries.js';
import type { RowQuery } from '../../sources/source.js';

const util = { run: '', metric: '', window: 0, buckets: 2, idleThreshold: 0 };
const moe = { run: '', metric: '', step: undefined };
const detail = { run: '', metric: '', host: '', axis: 'step' as const };

const BUILT_IN: RowQuery[] = [
  bigNumberQuery([], '', 0, 'last'),
  checkpointsQuery({ runs: [], metric: '', evalMetric: '', hostedMetric: '', pathField: '', durationField: '', urlField: '', whereField: '', hostedOnly: false, limit: 1 }),
  gridQuery(util),
  idleQuery(util),
  probeQuery('', ''),
  metricChartQuery({ runs: [], patterns: [], windowSeconds: 0, buckets: 1, groupBy: 'metric', across: false }),
  milestonesQuery('', '', [], 0),
  heatmapQuery({ ...moe, rowField: '', columnField: '' }),
  heatmapStepsQuery({ ...moe, rowField: '', columnField: '' }),
  tokensQuery({ ...moe, expertField: '', tokenField: '', top: 1 }),
  tokenStepsQuery({ ...moe, expertField: '', tokenField: '', top: 1 }),
  runsQuery('', 1),
  sampleStepsQuery('', ''),
  samplesQuery('', '', 0, { prompt: '', completion: '', scores: '' }, 1),
  hostsQuery([], 0),
  healthQuery({ runs: [], bounds: [], since: 0, checks: [], combine: 'min' }),
  statsQuery(detail),
  spikesQuery({ ...detail, threshold: 6 }),
  checkpointStepsQuery('', ''),
  // What the elements' "raw" CSV exports read.
  bigNumberRawQuery([], '', 0, 1),
  rawSamplesQuery(util, 1),
  metricRawQuery({ runs: [], patterns: [], windowSeconds: 0, limit: 1 }),
  heatmapRawQuery({ ...moe, rowField: '', columnField: '' }, 0, 1),
  tokensRawQuery({ ...moe, expertField: '', tokenField: '', top: 1 }, 0, 1),
];

/** Kind → SQL of the built-in elements, plus any extra kinds (`--queries`). */
export function queryCatalog(extra: Record<string, string> = {}): Map<string, string> {
  const catalog = new Map<string, string>();
  for (const query of BUILT_IN) catalog.set(query.kind, query.sql);
  for (const [kind, sql] of Object.entries(extra)) catalog.set(kind, sql);
  return catalog;
}
