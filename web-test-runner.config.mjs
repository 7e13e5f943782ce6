// Browser tests: real Chromium (Debian's), real ClickHouse engine (the embedded
// chDB server, started here for the whole run), TypeScript sources served
// through esbuild. No test talks to a fake of ClickHouse.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { register } from 'tsx/esm/api';

register();
const { startClickHouseServer } = await import('./src/server/clickhouse-server.ts');
const { chromiumLaunchOptions } = await import('./src/server/headless-chromium.ts');
const { startRelay } = await import('./src/server/relay/relay-server.ts');

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

/**
 * A TCP pass-through to the embedded ClickHouse that tests can take down and
 * bring back (/__proxy/down, /__proxy/up): "the server went away" without
 * restarting chDB, which allows one engine per process.
 */
async function startOutageProxy(target) {
  const sockets = new Set();
  let listener;
  let port = 0;
  const up = () =>
    new Promise((resolve, reject) => {
      if (listener) return resolve();
      listener = createServer((client) => {
        const upstream = connect(target.port, '127.0.0.1');
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        port = listener.address().port;
        resolve();
      });
    });
  const down = () =>
    new Promise((resolve) => {
      if (!listener) return resolve();
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      listener.close(() => resolve());
      listener = undefined;
    });
  await up();
  return { get url() { return `http://127.0.0.1:${port}`; }, up, down };
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
      proxy = await startOutageProxy(server);
      // Behind the outage proxy, so tests can take the relay's ClickHouse away.
      if (viaRelay) relay = await startRelay({ clickhouseUrl: proxy.url, port: 0, pollInterval: 250, allowOrigins: ['*'] });
    },
    async serverStop() {
      await relay?.close();
      await proxy?.down().catch(() => {});
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
