// custom-elements.json: every element's attributes, properties, events, CSS parts and
// CSS custom properties, read from the classes and their JSDoc headers (Lit mode).
// Storybook's docs pages and editors read it; `npm run manifest` (and `npm run build`)
// writes it.

/**
 * trainwatch registers its tags with `defineElement('loss-chart', LossChart)` (a guarded
 * `customElements.define`, src/internal/define.ts), which the analyzer does not know:
 * record those calls as custom-element definitions so each class gets its tag.
 */
function defineElementCalls() {
  const definitions = [];
  return {
    name: 'trainwatch-define-element',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== 'defineElement') return;
      const [tag, klass] = node.arguments;
      if (!tag || !klass || !ts.isStringLiteral(tag) || !ts.isIdentifier(klass)) return;
      definitions.push({ tag: tag.text, className: klass.text, modulePath: moduleDoc.path });
    },
    packageLinkPhase({ customElementsManifest }) {
      const modules = customElementsManifest.modules;
      for (const { tag, className, modulePath } of definitions) {
        const home = modules.find((m) => m.declarations?.some((d) => d.kind === 'class' && d.name === className));
        const definer = modules.find((m) => m.path === modulePath);
        if (!home || !definer) throw new Error(`custom-elements.json: <${tag}> is defined with ${className}, which was not analyzed`);
        const declaration = home.declarations.find((d) => d.kind === 'class' && d.name === className);
        declaration.tagName = tag;
        declaration.customElement = true;
        definer.exports = [...(definer.exports ?? []), { kind: 'custom-element-definition', name: tag, declaration: { name: className, module: home.path } }];
      }
    },
  };
}

/**
 * Type aliases that are unions of literals (`type XAxisMode = 'step' | 'time' | 'relative'`)
 * are written out in place of their name, so readers of the manifest (Storybook's
 * controls, editors) see the allowed values rather than a name they cannot resolve.
 */
function inlineLiteralUnions() {
  const aliases = new Map();
  /** `const GROUP_BYS = ['metric', 'host', 'none'] as const`, for `(typeof GROUP_BYS)[number]`. */
  const constTuples = new Map();
  const pending = [];
  const expand = (text) =>
    text
      ?.split('|')
      .map((part) => part.trim())
      .map((part) => aliases.get(part) ?? part)
      .join(' | ');
  return {
    name: 'trainwatch-inline-literal-unions',
    analyzePhase({ ts, node }) {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isAsExpression(node.initializer)) {
        const array = node.initializer.expression;
        if (ts.isArrayLiteralExpression(array) && array.elements.every((e) => ts.isStringLiteral(e))) {
          constTuples.set(node.name.text, array.elements.map((e) => `'${e.text}'`).join(' | '));
        }
      }
      if (!ts.isTypeAliasDeclaration(node)) return;
      const type = node.type;
      if (ts.isUnionTypeNode(type) && type.types.every((t) => ts.isLiteralTypeNode(t))) {
        aliases.set(node.name.text, type.types.map((t) => t.getText()).join(' | '));
      }
      // (typeof TUPLE)[number]: resolved once every module has been read.
      const indexed = ts.isIndexedAccessTypeNode(type) ? type : undefined;
      const query = indexed && (ts.isParenthesizedTypeNode(indexed.objectType) ? indexed.objectType.type : indexed.objectType);
      if (query && ts.isTypeQueryNode(query) && ts.isIdentifier(query.exprName) && indexed.indexType.getText() === 'number') {
        pending.push([node.name.text, query.exprName.text]);
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      for (const [alias, tuple] of pending) if (constTuples.has(tuple)) aliases.set(alias, constTuples.get(tuple));
      for (const declaration of customElementsManifest.modules.flatMap((m) => m.declarations ?? [])) {
        for (const item of [...(declaration.members ?? []), ...(declaration.attributes ?? [])]) {
          if (item.type?.text) item.type.text = expand(item.type.text);
        }
      }
    },
  };
}

/**
 * A paragraph after a blank line in a class's JSDoc is prose about the element, even when it
 * follows the tags (`@attr theme - …` then a paragraph on zooming): the JSDoc parser would add
 * it to the last tag's description. It goes to the class description instead, after any
 * prose before the tags, and each tag keeps its own line(s).
 */
function prosePastTags() {
  const TAGS = { attr: 'attributes', attribute: 'attributes', fires: 'events', event: 'events', csspart: 'cssParts', cssprop: 'cssProperties', cssproperty: 'cssProperties', slot: 'slots' };
  const classes = new Map();
  return {
    name: 'trainwatch-prose-past-tags',
    analyzePhase({ ts, node }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const text = node.getSourceFile().getFullText();
      const comment = (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).map((r) => text.slice(r.pos, r.end)).filter((c) => c.startsWith('/**')).at(-1);
      if (!comment) return;
      const lines = comment.replace(/^\/\*\*|\*\/$/g, '').split('\n').map((l) => l.replace(/^\s*\* ?/, '').trimEnd());
      const prose = [[]];
      const tags = [];
      let tag;
      for (const line of lines) {
        const start = /^@(\w+)\s*(?:\{[^}]*\}\s*)?(\S*)\s*(?:-\s*)?(.*)$/.exec(line);
        if (start) {
          tag = { kind: start[1], name: start[2], text: [start[3]] };
          tags.push(tag);
        } else if (line.trim() === '') {
          tag = undefined;
          if (prose.at(-1).length) prose.push([]);
        } else if (tag) tag.text.push(line.trim());
        else prose.at(-1).push(line.trim());
      }
      classes.set(node.name.text, {
        description: prose.map((p) => p.join(' ')).filter(Boolean).join('\n\n'),
        tags: tags.filter((t) => TAGS[t.kind]).map((t) => ({ list: TAGS[t.kind], name: t.name === '-' ? '' : t.name, text: t.text.join(' ').trim() })),
      });
    },
    packageLinkPhase({ customElementsManifest }) {
      for (const declaration of customElementsManifest.modules.flatMap((m) => m.declarations ?? [])) {
        const found = declaration.kind === 'class' && classes.get(declaration.name);
        if (!found) continue;
        if (found.description) declaration.description = found.description;
        for (const { list, name, text } of found.tags) {
          const item = declaration[list]?.find((i) => i.name === name);
          if (item && text) item.description = text;
        }
      }
    },
  };
}

/**
 * The manifest describes the public API of the elements: private and protected members,
 * statics (styles, Lit's property table) and the modules that declare no element are left
 * out, so tools reading it list only what a page can use.
 */
function publicElementsOnly() {
  /** Lit's internal reactive state (`static properties = { sortKey: { state: true } }`), per class. */
  const internalState = new Map();
  return {
    name: 'trainwatch-public-elements-only',
    analyzePhase({ ts, node }) {
      if (!ts.isPropertyDeclaration(node) || node.name.getText() !== 'properties' || !node.initializer) return;
      if (!ts.isObjectLiteralExpression(node.initializer) || !ts.isClassDeclaration(node.parent) || !node.parent.name) return;
      const names = node.initializer.properties
        .filter((p) => ts.isPropertyAssignment(p) && ts.isObjectLiteralExpression(p.initializer))
        .filter((p) => p.initializer.properties.some((o) => o.name?.getText() === 'state' && o.initializer?.kind === ts.SyntaxKind.TrueKeyword))
        .map((p) => p.name.getText());
      internalState.set(node.parent.name.text, new Set(names));
    },
    packageLinkPhase({ customElementsManifest }) {
      const classes = new Set(customElementsManifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.kind === 'class').map((d) => d.name));
      for (const module of customElementsManifest.modules) {
        // src/internal/define.ts calls customElements.define(tag, ctor) with variables: not a definition.
        module.exports = module.exports?.filter((e) => e.kind !== 'custom-element-definition' || classes.has(e.declaration?.name));
      }
      for (const declaration of customElementsManifest.modules.flatMap((m) => m.declarations ?? [])) {
        if (declaration.kind !== 'class') continue;
        const hidden = internalState.get(declaration.name) ?? new Set();
        declaration.attributes = declaration.attributes?.filter((a) => !hidden.has(a.fieldName ?? a.name));
        declaration.members = declaration.members?.filter(
          (m) =>
            !hidden.has(m.name) && !m.static && m.privacy !== 'private' && m.privacy !== 'protected' && !m.name.startsWith('#') && !m.name.startsWith('_'),
        );
      }
      customElementsManifest.modules = customElementsManifest.modules.filter(
        (m) =>
          m.declarations?.some((d) => d.customElement) || m.exports?.some((e) => e.kind === 'custom-element-definition'),
      );
    },
  };
}

/** Modules in path order: the file system lists them in any order, and the manifest must not change with it. */
function sortedModules() {
  return {
    name: 'trainwatch-sorted-modules',
    packageLinkPhase({ customElementsManifest }) {
      customElementsManifest.modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  // Tests, stories and the Node-only server are not the browser API.
  exclude: ['src/**/*.test.ts', 'src/**/*.stories.ts', 'src/server/**', 'src/**/*.d.ts'],
  outdir: '.',
  litelement: true,
  // package.json already names the manifest ("customElements"); do not rewrite it on every build.
  packagejson: false,
  dependencies: false,
  plugins: [defineElementCalls(), inlineLiteralUnions(), prosePastTags(), publicElementsOnly(), sortedModules()],
};
