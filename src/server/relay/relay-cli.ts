/** `trainwatch relay`: settings from flags, then the user's environment names, then defaults. */
import { readFileSync } from 'node:fs';
import { integer, parse, untilInterrupted, UsageError } from '../cli-args.js';
import type { EmbeddedClickHouse } from '../clickhouse-server.js';
import { startRelay } from './relay-server.js';

export async function relayCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const v = parse(args, {
    clickhouse: { type: 'string' },
    embedded: { type: 'boolean' },
    user: { type: 'string' },
    password: { type: 'string' },
    database: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'poll-interval': { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    token: { type: 'string' },
    'max-clients': { type: 'string' },
    queries: { type: 'string' },
  });
  const pollSeconds = Number(v['poll-interval'] ?? env.POLL_INTERVAL_SEC ?? 2);
  if (!Number.isFinite(pollSeconds) || pollSeconds < 0.25 || pollSeconds > 3600) {
    throw new UsageError(`--poll-interval (POLL_INTERVAL_SEC) must be seconds from 0.25 to 3600; got "${v['poll-interval'] ?? env.POLL_INTERVAL_SEC}"`);
  }
  let embedded: EmbeddedClickHouse | undefined;
  let url = v.clickhouse;
  if (v.embedded) {
    if (url) throw new UsageError('give --clickhouse or --embedded, not both');
    // chDB is loaded only here: a relay in front of a real ClickHouse does not carry the engine.
    const { startClickHouseServer } = await import('../clickhouse-server.js');
    embedded = await startClickHouseServer({ port: 0 });
    url = embedded.url;
  }
  url ??= env.CH_HOST ? `${/^https?:\/\//.test(env.CH_HOST) ? '' : 'http://'}${env.CH_HOST}:${env.CH_PORT ?? 8123}` : 'http://127.0.0.1:8123';
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--clickhouse must be an http(s) URL; got "${url}"`);
  let queries: Record<string, string> | undefined;
  if (v.queries) {
    queries = JSON.parse(readFileSync(v.queries, 'utf8')) as Record<string, string>;
    if (!queries || typeof queries !== 'object' || !Object.values(queries).every((sql) => typeof sql === 'string')) {
      throw new UsageError(`--queries must be a JSON object of kind → SQL; ${v.queries} is not`);
    }
  }
  const relay = await startRelay({
    clickhouseUrl: url,
    user: v.user ?? env.CH_USER,
    password: v.password ?? env.CH_PASSWORD,
    database: v.database ?? env.CH_DATABASE,
    port: integer(v.port, 'port', 8787, 0, 65535),
    host: v.host,
    pollInterval: pollSeconds * 1000,
    allowOrigins: v['allow-origin'],
    token: v.token ?? env.RELAY_TOKEN,
    maxClients: integer(v['max-clients'], 'max-clients', 5000, 1, 1_000_000),
    queries,
  });
  console.log(`trainwatch relay on ${relay.url} reading ${url}${embedded ? ' (embedded)' : ''} every ${pollSeconds} s`);
  console.log(`elements: src="relay+${relay.url}"${v['allow-origin']?.length ? ` · pages from ${v['allow-origin'].join(', ')}` : ' · no cross-origin pages allowed (--allow-origin)'}`);
  await untilInterrupted();
  await relay.close();
  await embedded?.close();
}
