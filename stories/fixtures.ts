/**
 * Lets stories point elements at generated data: any `src` starting with
 * `fixture:` is served by a FixtureSource instead of ClickHouse, so stories
 * need no server and look the same on every machine.
 *
 *   <loss-chart src="fixture:live?growth=20" run="gpt-124m-baseline"></loss-chart>
 */
import { FIXTURE_RUNS, FixtureSource } from '../src/sources/fixture-source.js';
import { registerTransport } from '../src/store/registry.js';

export { FIXTURE_METRICS, FIXTURE_RUNS, FIXTURE_SCENARIOS } from '../src/sources/fixture-source.js';

registerTransport('fixture:', (config) => FixtureSource.fromUrl(config.url));

/** A fixture URL: a scenario of FIXTURE_SCENARIOS plus parameter overrides. */
export function fixture(scenario = 'default', params: Record<string, string | number> = {}): string {
  // Commas stay readable (`runs=a,b`) in the src control.
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString().replaceAll('%2C', ',');
  return `fixture:${scenario}${query ? `?${query}` : ''}`;
}

/** The run most stories show. */
export const BASELINE = FIXTURE_RUNS[0];
