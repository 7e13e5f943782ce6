/**
 * A small SQL scanner for the embedded ClickHouse HTTP server.
 *
 * chDB executes every statement of a `;`-separated text, whereas a ClickHouse
 * server over HTTP refuses multi-statements. The server therefore needs to know,
 * without executing anything, where the one statement ends, which kind it is,
 * which FORMAT it asks for and where inline INSERT data begins. Parsing proper
 * is left to ClickHouse itself; this only tracks quotes and comments, and does
 * so the way ClickHouse's lexer (src/Parsers/Lexer.cpp) does: whatever it takes
 * for a string or a comment must be one for ClickHouse too, or a `;` could hide
 * from it.
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
  /** True for `… INTO OUTFILE …`, which would write a file on the server. */
  intoOutfile: boolean;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

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

/** Skips a `/* … *\/` comment starting at `i`; ClickHouse nests them, as the SQL standard says. */
function skipBlockComment(text: string, i: number): number {
  let depth = 1;
  let j = i + 2;
  while (j + 1 < text.length) {
    if (text[j] === '/' && text[j + 1] === '*') {
      j += 2;
      depth++;
    } else if (text[j] === '*' && text[j + 1] === '/') {
      j += 2;
      if (--depth === 0) return j;
    } else {
      j++;
    }
  }
  return text.length;
}

const HEREDOC_TAG = /\$[A-Za-z0-9_]*\$/y;

/** For a `$tag$ … $tag$` here-doc starting at `i`, the index after it; otherwise undefined. */
function heredocEnd(text: string, i: number): number | undefined {
  HEREDOC_TAG.lastIndex = i;
  const tag = HEREDOC_TAG.exec(text)?.[0];
  if (!tag) return undefined;
  const end = text.indexOf(tag, i + tag.length);
  return end < 0 ? undefined : end + tag.length;
}

/** End of a bare word or number at `i`: word characters and `$`; a number also takes `.` and an exponent's sign. */
function wordEnd(text: string, i: number): number {
  const numeric = /[0-9]/.test(text[i]);
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (isWord(c) || c === '$' || (numeric && c === '.')) j++;
    else if (numeric && (c === '-' || c === '+') && /[eEpP]/.test(text[j - 1])) j++;
    else break;
  }
  return j;
}

export function scanSql(text: string): ScannedSql {
  const words: string[] = [];
  let format: string | undefined;
  let dataOffset: number | undefined;
  let multiStatement = false;
  let intoOutfile = false;
  let insertSelect = false;
  let ended = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if ((c === '-' && text[i + 1] === '-') || (c === '/' && text[i + 1] === '/') || (c === '#' && (text[i + 1] === ' ' || text[i + 1] === '!'))) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      i = skipBlockComment(text, i);
      continue;
    }
    if (ended) {
      // Anything but whitespace and comments after the `;` is a second statement.
      multiStatement = true;
      break;
    }
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(text, i);
      words.push('');
    } else if (c === '\u2018' || c === '\u201C') {
      // ‘string’ and “identifier”: Unicode quotes, without escapes.
      const end = text.indexOf(c === '\u2018' ? '\u2019' : '\u201D', i + 1);
      i = end < 0 ? text.length : end + 1;
      words.push('');
    } else if (c === '$' && heredocEnd(text, i) !== undefined) {
      i = heredocEnd(text, i)!;
      words.push('');
    } else if (c === ';') {
      ended = true;
      i++;
    } else if (isWord(c) || (c === '$' && isWord(text[i + 1]))) {
      const j = wordEnd(text, i);
      const word = text.slice(i, j);
      const upper = word.toUpperCase();
      const previous = words[words.length - 1];
      words.push(upper);
      i = j;
      if (words[0] === 'INSERT' && (upper === 'SELECT' || upper === 'WITH')) insertSelect = true;
      if (previous === 'INTO' && upper === 'OUTFILE') intoOutfile = true;
      if (previous === 'FORMAT' && /^[A-Za-z]/.test(word) && upper !== 'FORMAT') {
        format = word;
        if (words[0] === 'INSERT' && !insertSelect) {
          let k = j;
          while (k < text.length && isSpace(text[k])) k++;
          dataOffset = k;
          // Everything after `INSERT … FORMAT X` is data, which may hold any byte; but
          // ClickHouse ends Values data (SQL literals) at a `;`, so that is scanned on.
          if (upper !== 'VALUES') break;
        }
      }
    } else {
      i++;
      words.push(c);
    }
  }
  return { kind: words.find((w) => /^[A-Z]/.test(w)) ?? '', format, dataOffset, multiStatement, intoOutfile };
}
