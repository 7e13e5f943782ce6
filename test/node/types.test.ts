/**
 * The types a user's project gets: test/typed-page (a plain TS page, a React 19 TSX page,
 * a Vue 3 SFC) must type-check with no error, the files under test/typed-page/wrong must
 * fail with exactly the errors their `✗ TSxxxx` markers name (so the types constrain, they
 * do not merely accept), both against the sources and against the built package, and
 * custom-elements.json must agree with the sources and with the framework types.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGE = join(ROOT, 'test/typed-page');
const TSC = join(ROOT, 'node_modules/.bin/tsc');
const VUE_TSC = join(ROOT, 'node_modules/.bin/vue-tsc');

interface Diagnostic {
  file: string;
  line: number;
  code: string;
  message: string;
}

interface Marker {
  line: number;
  code: string;
  fragment: string;
}

interface Compiled {
  exitCode: number;
  output: string;
  diagnostics: Diagnostic[];
}

/** Runs a compiler (`tsc -p …`) and reads its `file(line,col): error TSxxxx: message` lines. */
function compile(compiler: string, project: string, cwd = ROOT): Promise<Compiled> {
  return new Promise((done) => {
    execFile(compiler, ['--noEmit', '--pretty', 'false', '-p', project], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const diagnostics: Diagnostic[] = [];
      for (const text of output.split('\n')) {
        const m = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(text);
        if (m) diagnostics.push({ file: resolve(cwd, m[1]!), line: Number(m[2]), code: m[3]!, message: m[4]! });
        // An error's message goes on over indented lines ("Property 'colour' does not exist…").
        else if (/^\s/.test(text) && diagnostics.length) diagnostics[diagnostics.length - 1]!.message += `\n${text.trim()}`;
      }
      done({ exitCode: error ? Number(error.code ?? 1) : 0, output, diagnostics });
    });
  });
}

/** The errors a wrong file says it must produce: `// ✗ TS2322 fragment of the message` on the line. */
function markersOf(file: string): Marker[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((text, i) => {
      const m = /✗ (TS\d+) (.*?)\s*(?:-->|\*\/\s*\}|$)/.exec(text);
      return m ? [{ line: i + 1, code: m[1]!, fragment: m[2]! }] : [];
    });
}

/** Asserts the compiler reported exactly the marked errors of `file` (one per marked line, none elsewhere). */
function assertExactlyMarked(compiled: Compiled, file: string): void {
  const markers = markersOf(file);
  assert.ok(markers.length >= 5, `${file} marks its wrong lines`);
  const reported = compiled.diagnostics.filter((d) => d.file === file);
  const name = relative(ROOT, file);
  for (const marker of markers) {
    const hit = reported.find((d) => d.line === marker.line);
    assert.ok(hit, `${name}:${marker.line} must be an error (${marker.code} ${marker.fragment}), but the compiler accepted it`);
    assert.equal(hit.code, marker.code, `${name}:${marker.line}: ${hit.message}`);
    assert.ok(hit.message.includes(marker.fragment), `${name}:${marker.line}: "${hit.message}" should say "${marker.fragment}"`);
  }
  const unexpected = reported.filter((d) => !markers.some((m) => m.line === d.line));
  assert.deepEqual(unexpected, [], `${name} has errors on lines it does not mark`);
}

function assertNoErrors(compiled: Compiled, what: string): void {
  assert.deepEqual(compiled.diagnostics, [], `${what} should type-check:\n${compiled.output}`);
  assert.equal(compiled.exitCode, 0, compiled.output);
}

describe('framework types: the typed page against the sources', () => {
  let tsGood: Compiled;
  let tsWrong: Compiled;
  let vueGood: Compiled;
  let vueWrong: Compiled;

  before(async () => {
    [tsGood, tsWrong, vueGood, vueWrong] = await Promise.all([
      compile(TSC, join(PAGE, 'tsconfig.json')),
      compile(TSC, join(PAGE, 'tsconfig.wrong.json')),
      compile(VUE_TSC, join(PAGE, 'tsconfig.vue.json')),
      compile(VUE_TSC, join(PAGE, 'tsconfig.wrong-vue.json')),
    ]);
  });

  it('a plain TypeScript page (page.ts) and a React 19 TSX page (dashboard.tsx) type-check with no error', () => {
    assertNoErrors(tsGood, 'page.ts and dashboard.tsx');
  });

  it('a Vue 3 template (Dashboard.vue) type-checks under vue-tsc with no error', () => {
    assertNoErrors(vueGood, 'Dashboard.vue');
  });

  it('rejects wrong property types, unknown properties and wrong event details in plain TypeScript', () => {
    assertExactlyMarked(tsWrong, join(PAGE, 'wrong/page.ts'));
  });

  it('rejects wrong prop types, unknown props and wrong event listeners in React TSX', () => {
    assertExactlyMarked(tsWrong, join(PAGE, 'wrong/dashboard.tsx'));
  });

  it('rejects wrong attribute and prop types and wrong event use in Vue templates', () => {
    assertExactlyMarked(vueWrong, join(PAGE, 'wrong/Dashboard.vue'));
  });
});

describe('framework types: the typed page against the built package', () => {
  let work: string;
  let project: string;

  before(() => {
    // <tmp>/node_modules → the repository's dependencies; <tmp>/app/node_modules/trainwatch →
    // the package as npm would install it: package.json and the declarations `tsc` emits.
    work = mkdtempSync(join(tmpdir(), 'trainwatch-types-'));
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    project = join(work, 'app');
    const pkg = join(project, 'node_modules/trainwatch');
    mkdirSync(pkg, { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    for (const file of ['page.ts', 'dashboard.tsx', 'Dashboard.vue', 'wrong']) cpSync(join(PAGE, file), join(project, file), { recursive: true });
    const own = JSON.parse(readFileSync(join(PAGE, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { compilerOptions: Record<string, unknown> };
    const { paths: _sources, ...compilerOptions } = own.compilerOptions;
    const tsconfig = (files: string[], extra: Record<string, unknown> = {}) => JSON.stringify({ compilerOptions: { ...compilerOptions, ...extra }, files });
    writeFileSync(join(project, 'tsconfig.json'), tsconfig(['page.ts', 'dashboard.tsx', 'wrong/page.ts', 'wrong/dashboard.tsx']));
    writeFileSync(join(project, 'tsconfig.vue.json'), tsconfig(['Dashboard.vue', 'wrong/Dashboard.vue'], { jsx: 'preserve' }));
    return new Promise<void>((done, fail) =>
      execFile(TSC, ['-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist/lib')], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, () => {
        // Errors elsewhere in the sources are the type-check step's to report; what matters is what was emitted.
        if (existsSync(join(pkg, 'dist/lib/frameworks/react.d.ts'))) done();
        else fail(new Error('tsc -p tsconfig.build.json emitted no dist/lib/frameworks/react.d.ts'));
      }),
    );
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('resolves trainwatch, trainwatch/define and trainwatch/react through package.json exports: same result as the sources', async () => {
    const compiled = await compile(TSC, 'tsconfig.json', project);
    const good = compiled.diagnostics.filter((d) => !d.file.includes('/wrong/'));
    assert.deepEqual(good, [], compiled.output);
    assertExactlyMarked(compiled, join(project, 'wrong/page.ts'));
    assertExactlyMarked(compiled, join(project, 'wrong/dashboard.tsx'));
  });

  it('resolves trainwatch/vue through package.json exports: same result as the sources', async () => {
    const compiled = await compile(VUE_TSC, 'tsconfig.vue.json', project);
    const good = compiled.diagnostics.filter((d) => !d.file.includes('/wrong/'));
    assert.deepEqual(good, [], compiled.output);
    assertExactlyMarked(compiled, join(project, 'wrong/Dashboard.vue'));
  });
});

interface ManifestItem {
  name: string;
  fieldName?: string;
  description?: string;
}

interface ManifestClass {
  kind: string;
  name: string;
  tagName?: string;
  customElement?: boolean;
  attributes?: ManifestItem[];
  members?: (ManifestItem & { kind: string })[];
  events?: ManifestItem[];
  cssParts?: ManifestItem[];
  cssProperties?: ManifestItem[];
  slots?: ManifestItem[];
}

interface Manifest {
  schemaVersion: string;
  modules: { path: string; declarations?: ManifestClass[]; exports?: { kind: string; name: string; declaration: { name: string; module?: string } }[] }[];
}

const readManifest = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Manifest;
const elementsOf = (manifest: Manifest) =>
  new Map(manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.tagName).map((d) => [d.tagName!, d]));
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

describe('custom-elements.json', () => {
  const manifest = readManifest(join(ROOT, 'custom-elements.json'));
  const elements = elementsOf(manifest);
  // The tags as src/define.ts registers them, read from its imports (`<folder>/<tag>.js`; a folder may hold two tags).
  const defined = [...readFileSync(join(ROOT, 'src/define.ts'), 'utf8').matchAll(/import '\.\/elements\/[a-z-]+\/([a-z-]+)\.js';/g)].map((m) => m[1]!);

  it('is what the analyzer makes of the current sources (`npm run manifest` writes it)', async () => {
    const outdir = 'dist/manifest-check';
    await new Promise<void>((done, fail) =>
      execFile(join(ROOT, 'node_modules/.bin/cem'), ['analyze', '--config', 'custom-elements-manifest.config.mjs', '--outdir', outdir, '--quiet'], { cwd: ROOT }, (error) =>
        error ? fail(error) : done(),
      ),
    );
    assert.deepEqual(readManifest(join(ROOT, outdir, 'custom-elements.json')), manifest, 'custom-elements.json is stale: run `npm run manifest`');
  });

  it('describes every tag src/define.ts registers, and no other', () => {
    assert.ok(defined.length >= 13, `src/define.ts imports the elements (found ${defined.join(', ')})`);
    assert.deepEqual([...elements.keys()].sort(), [...defined].sort());
    for (const tag of defined) {
      const definition = manifest.modules.flatMap((m) => m.exports ?? []).find((e) => e.kind === 'custom-element-definition' && e.name === tag);
      assert.equal(definition?.declaration.name, elements.get(tag)!.name, `<${tag}> has a custom-element-definition export`);
    }
  });

  it('gives every element its documented attributes, events, parts and custom properties, and only public members', () => {
    for (const [tag, element] of elements) {
      assert.ok(element.attributes?.length, `<${tag}> has attributes`);
      for (const attribute of element.attributes!) assert.ok(attribute.description, `<${tag} ${attribute.name}> is described`);
      for (const member of element.members ?? []) {
        assert.ok(!/^[_#]/.test(member.name) && !('privacy' in member && (member.privacy === 'private' || member.privacy === 'protected')), `<${tag}>.${member.name} is public`);
      }
      // The two providers draw nothing: they document their slot instead of parts.
      if (tag === 'trainwatch-source' || tag === 'trainwatch-filters') {
        assert.ok(element.slots?.length, `<${tag}> documents its slot`);
        continue;
      }
      assert.ok(element.cssParts?.some((p) => p.name === 'base'), `<${tag}> documents its base part`);
      for (const item of [...(element.events ?? []), ...(element.cssParts ?? []), ...(element.cssProperties ?? [])]) {
        assert.ok(item.description, `<${tag}> describes ${item.name}`);
      }
      for (const property of element.cssProperties ?? []) assert.match(property.name, /^--trainwatch-/);
    }
    // The data elements all announce their state; the three controls fire their own events.
    const firing = (tag: string) => (elements.get(tag)!.events ?? []).map((e) => e.name).sort();
    assert.deepEqual(firing('loss-chart'), ['trainwatch-open-detail', 'trainwatch-state']);
    assert.deepEqual(firing('checkpoint-table'), ['trainwatch-checkpoint-select', 'trainwatch-state']);
    assert.deepEqual(firing('time-range'), ['trainwatch-range-change']);
    assert.deepEqual(elements.get('loss-chart')!.attributes!.find((a) => a.name === 'x-axis')?.fieldName, 'xAxis');
  });

  it('agrees with the framework types: each attribute is a typed property, each @fires a typed event', async () => {
    // A file of type-level assertions, one per tag and aspect, generated from the manifest.
    const dir = mkdtempSync(join(tmpdir(), 'trainwatch-manifest-types-'));
    try {
      const lines = [
        `import type { TRAINWATCH_TAGS, TrainwatchElementProperties, TrainwatchEventNames, TrainwatchTag } from ${JSON.stringify(join(ROOT, 'src/frameworks/elements.js'))};`,
        'type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;',
        'declare function expect<T extends true>(): void;',
      ];
      const checks: string[] = [];
      const tags = defined.map((tag) => JSON.stringify(tag)).join(' | ');
      lines.push(`expect<Equal<TrainwatchTag, ${tags}>>();`);
      checks.push('the framework types have a tag for each one src/define.ts registers');
      lines.push(`expect<Equal<(typeof TRAINWATCH_TAGS)[number], ${tags}>>();`);
      checks.push('TRAINWATCH_TAGS lists every tag');
      for (const [tag, element] of elements) {
        const fields = (element.attributes ?? []).map((a) => JSON.stringify(a.fieldName ?? camel(a.name)));
        const events = (element.events ?? []).map((e) => JSON.stringify(e.name));
        lines.push(`expect<Equal<keyof TrainwatchElementProperties<'${tag}'>, ${fields.join(' | ') || 'never'}>>();`);
        checks.push(`<${tag}> properties = its attributes' fields`);
        lines.push(`expect<Equal<TrainwatchEventNames['${tag}'], ${events.join(' | ') || 'never'}>>();`);
        checks.push(`<${tag}> events = its @fires`);
      }
      writeFileSync(join(dir, 'checks.ts'), lines.join('\n'));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [], useDefineForClassFields: false }, files: ['checks.ts'] }),
      );
      const compiled = await compile(TSC, 'tsconfig.json', dir);
      const failures = compiled.diagnostics.filter((d) => d.file === join(dir, 'checks.ts')).map((d) => `${checks[d.line - 4]}: ${lines[d.line - 1]}`);
      assert.deepEqual(failures, [], 'src/frameworks/elements.ts disagrees with custom-elements.json');
      assert.equal(checks.length, 2 + 2 * elements.size);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
