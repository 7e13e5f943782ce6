declare module 'trainwatch-test-env' {
  /** URL of the embedded ClickHouse the test run started. */
  export const CLICKHOUSE_URL: string;
  /** A pass-through to it that /__proxy/down and /__proxy/up take away and bring back. */
  export const PROXY_URL: string;
  /** Where elements read from: CLICKHOUSE_URL, or relay+<relay URL> when the run goes through a relay. */
  export const SOURCE_URL: string;
  /** The relay's plain URL in a relay run; empty otherwise. */
  export const RELAY_URL: string;
}
