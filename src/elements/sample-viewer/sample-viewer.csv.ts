/**
 * <sample-viewer> as CSV: a line per sample with its step, time, main score,
 * prompt and completion as written, and a column per named score.
 */
import { isoTime, toCsv } from '../../internal/export.js';
import type { Sample } from './sample-viewer.queries.js';

export const SAMPLE_CSV_COLUMNS = ['run', 'step', 'time', 'score', 'prompt', 'completion'] as const;

/**
 * Named scores become `scores.<name>` columns in order of first appearance; a
 * sample whose tags_json was not an object adds a `raw_tags_json` column.
 */
export function samplesCsv(run: string, step: number | undefined, samples: readonly Sample[]): string {
  const names = [...new Set(samples.flatMap((s) => s.scoreValues.map(([name]) => name)))];
  const malformed = samples.some((s) => !s.wellFormed);
  const header = [...SAMPLE_CSV_COLUMNS, ...names.map((n) => `scores.${n}`), ...(malformed ? ['raw_tags_json'] : [])];
  return toCsv(
    header,
    samples.map((s) => {
      const scores = new Map(s.scoreValues);
      return [
        run,
        step,
        isoTime(s.time),
        s.score,
        s.wellFormed ? s.prompt : '',
        s.wellFormed ? s.completion : '',
        ...names.map((n) => scores.get(n) ?? null),
        ...(malformed ? [s.wellFormed ? '' : s.raw] : []),
      ];
    }),
  );
}
