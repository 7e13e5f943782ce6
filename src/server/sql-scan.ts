/**
 * A small SQL scanner for the embedded ClickHouse HTTP server.
 *
 * chDB executes every statement of a `;`-separated text, whereas a ClickHouse
 * server over HTTP refuses multi-statements. The server therefore needs to know,
 * without executing anything, where the one statement ends, which kind it is,
 * which FORMAT it asks for and where inline INSERT data begins. Parsing proper
 * is left to ClickHouse itself; this only tracks quotes and comments.
 */

export interface ScannedSql {
  /** First keyword, upper-cased (`SELECT`, `INSERT`, `WITH`, …), or '' for an empty text. */
  kind: string;
  /** The FORMAT named at top level (for INSERT: of the inline data), if any. */
  format?: string;
  /** For INSERT … FORMAT X: offset where the inline data starts (after one whitespace run). */
  dataOffset?: number;
  /** True when a second statement follows a top-level `;`. */
  multiStatement: boolean;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
const isWord = (c: string) => /[A-Za-z0-9_]/.test(c);

/** Skips a quoted run starting at `i` (the opening quote); returns the index after the closing quote. */
function skipQuoted(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (text[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return text.length;
}

export function scanSql(text: string): ScannedSql {
  const words: string[] = [];
  let format: string | undefined;
  let dataOffset: number | undefined;
  let multiStatement = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (isSpace(c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '#' && (text[i + 1] === ' ' || text[i + 1] === '!')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(text, i);
      words.push('');
    } else if (c === '$' && text[i + 1] === '$') {
      const end = text.indexOf('$$', i + 2);
      i = end < 0 ? text.length : end + 2;
      words.push('');
    } else if (c === ';') {
      if (text.slice(i + 1).trim().length > 0) multiStatement = true;
      break;
    } else if (isWord(c)) {
      let j = i;
      while (j < text.length && isWord(text[j])) j++;
      const word = text.slice(i, j);
      words.push(word.toUpperCase());
      i = j;
      if (words.length >= 2 && words[words.length - 2] === 'FORMAT' && /^[A-Za-z]/.test(word)) {
        format = word;
        if (words[0] === 'INSERT') {
          // Everything after `INSERT … FORMAT X` is data, which may hold any byte.
          let k = j;
          while (k < text.length && isSpace(text[k])) k++;
          dataOffset = k;
          break;
        }
      }
    } else {
      i++;
      words.push(c);
    }
  }
  return { kind: words.find((w) => /^[A-Z]/.test(w)) ?? '', format, dataOffset, multiStatement };
}
