// Browser tests: real Chromium (Debian's), real ClickHouse engine (the embedded
// chDB server, started here for the whole run), TypeScript sources served
// through esbuild. No test talks to a fake of ClickHouse.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { register } from 'tsx/esm/api';

register();
const { startClickHouseServer } = await import('./src/server/clickhouse-server.ts');
const { chromiumLaunchOptions } = await import('./src/server/headless-chromium.ts');
const { startRelay } = await import('./src/server/relay/relay-server.ts');
const { startFaultProxy } = await import('./src/server/fault-proxy.ts');

/**
 * TRAINWATCH_SOURCE=relay runs the element tests again with every element
 * reading through a trainwatch relay (SOURCE_URL = relay+http://…) while the
 * tests still write straight into ClickHouse: same tests, other transport.
 */
const viaRelay = process.env.TRAINWATCH_SOURCE === 'relay';
const require = createRequire(import.meta.url);

/** @clickhouse/client-web ships CommonJS; the dev server needs ESM, so bundle it once. */
function commonJsAsEsm(specifier) {
  const path = `/__esm/${specifier.replace(/[^a-z0-9]+/gi, '_')}.js`;
  let code;
  return {
    name: 'commonjs-as-esm',
    resolveImport({ source }) {
      if (source === specifier) return path;
    },
    async serve(context) {
      if (context.path !== path) return;
      // Named exports of a CommonJS module are only known at run time: read them here.
      const names = Object.keys(require(specifier)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
      const stdin = {
        contents: `import * as m from ${JSON.stringify(specifier)};\nexport const { ${names.join(', ')} } = m;`,
        resolveDir: process.cwd(),
        loader: 'js',
      };
      code ??= (await build({ stdin, bundle: true, format: 'esm', platform: 'browser', write: false, target: 'es2022' })).outputFiles[0].text;
      return { body: code, type: 'js' };
    },
  };
}

/** Starts the embedded ClickHouse for the run and tells the tests where it is via /__env.js. */
function embeddedClickHouse() {
  let server;
  let proxy;
  let relay;
  return {
    name: 'embedded-clickhouse',
    async serverStart() {
      server = await startClickHouseServer({
        port: 0,
        users: [
          { name: 'default', password: '' },
          { name: 'viewer', password: 'viewer-secret', readonly: true },
        ],
      });
      // A fault-injecting proxy: /__proxy/down and /__proxy/up take the server away and bring it back
      // (without restarting chDB, which allows one engine per process); /__proxy/mode sets any other fault.
      proxy = await startFaultProxy(server);
      // Behind the outage proxy, so tests can take the relay's ClickHouse away.
      if (viaRelay) relay = await startRelay({ clickhouseUrl: proxy.url, port: 0, pollInterval: 250, allowOrigins: ['*'] });
    },
    async serverStop() {
      await relay?.close();
      await proxy?.close().catch(() => {});
      await server?.close();
    },
    resolveImport({ source }) {
      if (source === 'trainwatch-test-env') return '/__env.js';
    },
    async serve(context) {
      if (context.path === '/__env.js') {
        return {
          body: [
            `export const CLICKHOUSE_URL = ${JSON.stringify(server.url)};`,
            `export const PROXY_URL = ${JSON.stringify(proxy.url)};`,
            `export const SOURCE_URL = ${JSON.stringify(relay ? `relay+${relay.url}` : server.url)};`,
            `export const RELAY_URL = ${JSON.stringify(relay?.url ?? '')};`,
          ].join('\n'),
          type: 'js',
        };
      }
      if (context.path === '/__proxy/down') {
        await proxy.down();
        return { body: 'down', type: 'text' };
      }
      if (context.path === '/__proxy/up') {
        await proxy.up();
        return { body: 'up', type: 'text' };
      }
      // /__proxy/mode?mode=status&status=503[&match=RowBinary][&times=1]: see src/server/fault-proxy.ts.
      if (context.path === '/__proxy/mode') {
        const q = context.URL.searchParams;
        const num = (name) => (q.has(name) ? Number(q.get(name)) : undefined);
        await proxy.setFault({
          mode: q.get('mode') ?? 'pass',
          ms: q.get('ms') === 'Infinity' ? Infinity : num('ms'),
          status: num('status'),
          bytes: num('bytes'),
          every: num('every'),
          times: num('times'),
          match: q.get('match') ?? undefined,
        });
        return { body: JSON.stringify(proxy.fault), type: 'json' };
      }
      // /__proxy/log: the requests the proxy saw, as JSON ({ at, method, kind, fault, settings }).
      if (context.path === '/__proxy/log') {
        return { body: JSON.stringify(proxy.log), type: 'json' };
      }
    },
  };
}

export default {
  files: viaRelay
    ? ['src/elements/**/*.test.ts', 'test/browser/relay-source.test.ts', 'test/browser/static-page.test.ts']
    : ['src/**/*.test.ts', 'test/browser/**/*.test.ts', '!test/browser/relay-source.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'production'] },
  concurrency: 1,
  testsFinishTimeout: 240_000,
  testFramework: { config: { timeout: 20_000 } },
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: chromiumLaunchOptions(),
    }),
  ],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
    commonJsAsEsm('@clickhouse/client-web'),
    embeddedClickHouse(),
  ],
};
