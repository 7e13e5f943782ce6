// `npm test`: type-check, build (the static-page test loads the built bundle),
// then every Node test file and every browser test, and one closing line with
// the totals: "N passed, N failed".
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

/** Runs a command, streaming its output, and resolves with its exit code and text. */
function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...env } });
    let text = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        text += chunk;
        process.stdout.write(chunk);
      });
    }
    child.on('close', (code) => resolve({ code: code ?? 1, text }));
  });
}

let passed = 0;
let failed = 0;
const problems = [];

for (const [name, args] of [
  ['typecheck (browser)', ['tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['typecheck (node)', ['tsc', '--noEmit', '-p', 'tsconfig.node.json']],
]) {
  const { code } = await run('npx', args);
  if (code !== 0) problems.push(name);
}

const buildResult = await run('node', ['scripts/build.mjs']);
if (buildResult.code !== 0) problems.push('build');

const nodeFiles = readdirSync('test/node').filter((f) => f.endsWith('.test.ts')).map((f) => `test/node/${f}`);
const nodeResult = await run('node', ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', ...nodeFiles]);
const nodePass = Number(/ℹ pass (\d+)/.exec(nodeResult.text)?.[1] ?? 0);
const nodeFail = Number(/ℹ fail (\d+)/.exec(nodeResult.text)?.[1] ?? 0) + Number(/ℹ cancelled (\d+)/.exec(nodeResult.text)?.[1] ?? 0);
passed += nodePass;
failed += nodeFail;
if (nodeResult.code !== 0 && nodeFail === 0) problems.push('node tests (exited without a count)');

// Every browser test reading ClickHouse directly, then the element tests again through a relay.
for (const [name, env] of [
  ['browser tests', {}],
  ['browser tests via the relay', { TRAINWATCH_SOURCE: 'relay' }],
]) {
  const browserResult = await run('npx', ['web-test-runner', '--static-logging'], env);
  // The runner colours its summary even when asked not to; read it without the escape codes.
  const plain = browserResult.text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const counts = [...plain.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
  passed += Number(counts?.[1] ?? 0);
  failed += Number(counts?.[2] ?? 0);
  if (browserResult.code !== 0 && Number(counts?.[2] ?? 0) === 0) problems.push(`${name} (exited without a failure count)`);
}

if (problems.length) console.log(`\nfailed steps: ${problems.join(', ')}`);
// A step that failed without counting tests (build, typecheck, a crash) still counts as a failure.
console.log(`\n${passed} passed, ${failed + problems.length} failed`);
process.exitCode = failed + problems.length > 0 ? 1 : 0;
