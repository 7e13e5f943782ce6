/**
 * What the simulator writes beyond losses and GPUs: the rest of the data
 * contract (docs/data-contract.md) — MoE routing, GSA / mHC / recurrence
 * stats, token counts and curriculum buckets, network and memory per host,
 * checkpoints with evaluations and hosting, generated samples.
 *
 * Like the rest of the simulator, every value is a pure function of
 * (seed, run, step): `rng` arrives keyed to the step on a channel of its own.
 * Rows carry their step's time (evaluations and uploads included), so no row
 * lies in the future of a live run.
 */
export interface ExtraSeries {
  metric: string;
  host: string;
  unit: string;
}

export const MOE_LAYERS = 6;
export const MOE_EXPERTS = 8;
export const RECURRENCE_DEPTHS = [1, 2, 4, 8];
export const NET_IFACES = ['ib0', 'eth0'];
export const BENCHMARKS = ['mmlu', 'gsm8k', 'hellaswag'];
export const SUBJECTS = ['code', 'math', 'science', 'law', 'medicine', 'fiction'];
export const FOURIER_BUCKETS = 8;
/** Curriculum stage boundaries in tokens: bucket b starts at STAGES[b - 1]. */
export const STAGE_TOKENS = [2e9, 6e9];

/** Fixed series appended after the core ones, in emission order. */
export function extraSeries(hosts: readonly string[]): ExtraSeries[] {
  const run = (metric: string, unit = ''): ExtraSeries => ({ metric, host: '', unit });
  const list = [
    run('moe.router_loss'),
    run('moe.null_router_loss'),
    run('tokens_total', 'tok'),
    run('data.bucket'),
    ...Array.from({ length: MOE_LAYERS }, (_, l) => run(`moe.layer.${l}.null_ratio`)),
    run('gsa.sparsity'),
    run('gsa.topk_recall'),
    run('gsa.gate_mean'),
    run('mhc.gain_min'),
    run('mhc.gain_mean'),
    run('mhc.gain_max'),
    ...RECURRENCE_DEPTHS.map((d) => run(`recurrence.depth.${d}.loss`)),
  ];
  for (const host of hosts) {
    list.push({ metric: 'sys.mem_percent', host, unit: '%' });
    for (const iface of NET_IFACES) {
      list.push({ metric: `sys.net.${iface}.sent_bytes_per_s`, host, unit: 'B/s' });
      list.push({ metric: `sys.net.${iface}.recv_bytes_per_s`, host, unit: 'B/s' });
    }
  }
  return list;
}

/** A row whose tags vary, written in full (checkpoints, samples, MoE routing, run status). */
export interface EventRow {
  metric: string;
  step: number;
  time: number;
  value: number;
  unit?: string;
  tags: Record<string, unknown>;
}

export interface Random {
  next(): number;
  between(lo: number, hi: number): number;
  normal(): number;
}

export interface ExtrasModel {
  runId: string;
  tokensPerBatch: number;
  /** Loss trend at a step, for the stats that follow it. */
  trend: (step: number) => number;
  /** Per-run preference of each expert for each token (stable over the run). */
  affinity: number[][];
  /** Per-run routing profile of each subject over the Fourier buckets. */
  profile: number[][];
}

export const EXTRA_EVERY = { moe: 100, checkpoint: 1000, sample: 250 } as const;

const TOKENS = ['the', ' the', ' of', 'def', 'return', '(', ')', '=', '\n', ' and', 'θ', '∑', '<div>', '{', '}', 'import', '0', '1', ' is', '.', ',', 'if', ' ', '<|endoftext|>'];

const PROMPTS = [
  'Explain why the sky is blue in one paragraph.',
  'Write a Python function that reverses a linked list.',
  'What is 17 × 23? Show your work.',
  'Write an HTML button that says hello.',
  'Summarize the causes of the French Revolution.',
  'Translate "good morning" into French, German and Japanese.',
];

const COMPLETIONS = [
  'Sunlight scatters off air molecules; shorter (blue) wavelengths scatter most, so the sky looks blue.',
  'def reverse(head):\n    prev = None\n    while head:\n        head.next, prev, head = prev, head, head.next\n    return prev',
  '17 × 23 = 17 × 20 + 17 × 3 = 340 + 51 = 391.',
  '<button onclick="alert(\'hello\')">Say hello</button>',
  'Fiscal crisis, food prices, Enlightenment ideas and a rigid estate system combined in 1789.',
  'Bonjour · Guten Morgen · おはようございます',
];

export function extrasModel(runId: string, tokensPerBatch: number, trend: (step: number) => number, rng: Random): ExtrasModel {
  const affinity = Array.from({ length: MOE_EXPERTS }, () => TOKENS.map(() => rng.next() ** 3));
  const profile = SUBJECTS.map((_, s) => Array.from({ length: FOURIER_BUCKETS }, (_, b) => Math.exp(-((b - ((s * 1.7) % FOURIER_BUCKETS)) ** 2) / 4) + 0.05 * rng.next()));
  return { runId, tokensPerBatch, trend, affinity, profile };
}

export const tokensAt = (model: ExtrasModel, step: number): number => (step + 1) * model.tokensPerBatch;

export const bucketAt = (tokens: number): number => STAGE_TOKENS.filter((t) => tokens >= t).length;

/** The fixed-series values of a system step, in `extraSeries` order. */
export function extraValues(model: ExtrasModel, step: number, hosts: number, rng: Random): number[] {
  const trend = model.trend(step);
  const progress = step / (step + 5000);
  const tokens = tokensAt(model, step);
  const out = [
    0.02 + 0.05 / (1 + step / 800) + 0.002 * rng.normal(),
    0.01 + 0.03 / (1 + step / 1500) + 0.001 * rng.normal(),
    tokens,
    bucketAt(tokens),
    ...Array.from({ length: MOE_LAYERS }, (_, l) => clamp01(0.04 + 0.02 * l + 0.08 * (1 - progress) + 0.01 * rng.normal())),
    clamp01(0.55 + 0.3 * progress + 0.01 * rng.normal()),
    clamp01(0.7 + 0.25 * progress + 0.01 * rng.normal()),
    clamp01(0.5 - 0.1 * progress + 0.02 * rng.normal()),
    0.92 - 0.05 * progress + 0.01 * rng.normal(),
    1.05 + 0.02 * rng.normal(),
    1.3 + 0.25 * progress + 0.03 * rng.normal(),
    ...RECURRENCE_DEPTHS.map((d) => trend * (1 + 0.3 / Math.sqrt(d)) * (1 + 0.01 * rng.normal())),
  ];
  for (let h = 0; h < hosts; h++) {
    out.push(Math.min(100, 62 + 8 * progress + 2 * rng.normal()));
    for (let i = 0; i < NET_IFACES.length; i++) {
      const scale = i === 0 ? 11e9 : 0.12e9;
      out.push(Math.max(0, scale * (0.85 + 0.1 * rng.normal())));
      out.push(Math.max(0, scale * (0.8 + 0.1 * rng.normal())));
    }
  }
  return out.map((v) => Math.round(v * 1e6) / 1e6);
}

/** The event rows of a step: MoE routing snapshots, checkpoints, samples. */
export function extraEvents(model: ExtrasModel, step: number, time: number, rng: Random, emit: (row: EventRow) => void): void {
  if (step > 0 && step % EXTRA_EVERY.moe === 0) {
    model.affinity.forEach((prefs, expert) => {
      const scored = prefs.map((p, t) => ({ token: TOKENS[t], score: p * (1 + 0.4 * rng.next()) }));
      scored.sort((a, b) => b.score - a.score);
      const top = scored.slice(0, 5);
      const total = scored.reduce((sum, s) => sum + s.score, 0);
      for (const { token, score } of top) emit({ metric: 'moe.expert_token_share', step, time, value: round4(score / total), tags: { expert, token } });
    });
    const drift = step / (step + 8000);
    SUBJECTS.forEach((subject, s) => {
      const row = model.profile[s].map((p, b) => p * (1 + 0.15 * rng.normal()) + drift * (b / FOURIER_BUCKETS) * 0.3);
      const sum = row.reduce((a, b) => a + Math.max(0, b), 0);
      row.forEach((p, bucket) => emit({ metric: 'moe.subject_bucket_share', step, time, value: round4(Math.max(0, p) / sum), tags: { subject, bucket } }));
    });
  }
  if (step > 0 && step % EXTRA_EVERY.checkpoint === 0) {
    const duration = Math.round((30 + 20 * rng.next()) * 10) / 10;
    const path = `s3://trainwatch-demo/${model.runId}/step-${String(step).padStart(7, '0')}`;
    emit({ metric: 'checkpoint.saved', step, time, value: Math.round(2.8e10 * (1 + 0.001 * rng.normal())), unit: 'B', tags: { path, duration_s: duration } });
    const quality = 1 - model.trend(step) / model.trend(0);
    BENCHMARKS.forEach((bench, i) => {
      const base = [0.25, 0.02, 0.25][i];
      const gain = [0.45, 0.5, 0.55][i];
      emit({ metric: `checkpoint.eval.${bench}`, step, time, value: round4(Math.min(1, base + gain * quality + 0.01 * rng.normal())), tags: {} });
    });
    if ((step / EXTRA_EVERY.checkpoint) % 5 === 0) {
      const url = `https://huggingface.co/trainwatch-demo/${model.runId}/tree/step-${step}`;
      emit({ metric: 'checkpoint.hosted', step, time, value: 1, tags: { url, where: 'hf-hub' } });
    }
  }
  if (step > 0 && step % EXTRA_EVERY.sample === 0) {
    for (let i = 0; i < 3; i++) {
      const k = Math.floor(rng.next() * PROMPTS.length);
      const reward = round4(Math.min(1, Math.max(0, 0.35 + 0.5 * (step / (step + 4000)) + 0.1 * rng.normal())));
      const completion = COMPLETIONS[k];
      emit({ metric: 'sample', step, time, value: reward, tags: { prompt: PROMPTS[k], completion, scores: { reward, length: completion.length } } });
    }
  }
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
