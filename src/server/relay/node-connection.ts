/** The ClickHouse connection of the relay: the official Node client (@clickhouse/client). */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseConnection, ClickHouseSourceOptions } from '../../sources/clickhouse-source.js';

export function nodeConnection(options: ClickHouseSourceOptions): ClickHouseConnection {
  const client = createClient({
    url: options.url,
    username: options.user ?? 'default',
    password: options.password ?? '',
    // The source times the whole exchange (60 s by default); this timer must not fire first.
    request_timeout: (options.timeout ?? 60_000) + 1000,
    // Failures reach the relay as exceptions (and viewers as a stale status); aborted polls are not news.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    async exec(query, params, signal) {
      const { stream } = await client.exec({ query, query_params: params, abort_signal: signal });
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    close: () => client.close(),
  };
}
