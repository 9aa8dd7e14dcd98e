import { registrySeed } from './seed-registries';
import { reportSeed } from './seed-reports';
import type { HistoryRow, Seed, SeedRun } from './store';

const at = (day: number, minute = 0) => new Date(Date.UTC(2026, 0, 1 + day, 9, minute)).toISOString().slice(0, 19);

function history(steps: number, every = 1, offset = 0): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (let s = 0; s < steps; s += every) {
    rows.push({
      _step: s,
      _runtime: s * 0.5,
      _timestamp: 1767258000 + s,
      loss: Number((2 * Math.exp(-(s + offset) / 300)).toFixed(6)),
      acc: Number((0.5 + 0.45 * (1 - Math.exp(-s / 400))).toFixed(6)),
      ...(s % 10 === 0 ? { val_loss: Number((2.2 * Math.exp(-(s + offset) / 300)).toFixed(6)) } : {}),
    });
  }
  return rows;
}

const events = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ _runtime: i * 10, _timestamp: 1767258000 + i * 10, 'system.cpu': 20 + (i % 7), 'system.memory': 40 + (i % 5) }));

function run(i: number, over: Partial<SeedRun> = {}): SeedRun {
  const h = over.history ?? history(50, 1, i);
  const last = h[h.length - 1];
  return {
    name: `run${String(i).padStart(5, '0')}`,
    displayName: `trial-${i}`,
    state: 'finished',
    config: { experiment_name: i % 3 === 0 ? 'foo' : i % 3 === 1 ? 'bar' : 'baz', lr: 0.001 * (i + 1), batch_size: 32 * (1 + (i % 2)), model: { depth: 8 + i, act: 'relu' } },
    summary: last ? { loss: last.loss, acc: last.acc, _step: last._step, val_acc: 0.7 + i / 100 } : {},
    history: h,
    events: events(12),
    tags: i % 2 === 0 ? ['baseline', 'main'] : ['main'],
    group: i < 3 ? 'sweep-a' : 'solo',
    ...(i < 3 ? { sweepName: VISION_SWEEP } : {}),
    jobType: 'train',
    commit: `c0ffee${String(i).padStart(34, '0')}`,
    notes: `notes of trial ${i}`,
    createdAt: at(i),
    files: { 'config.yaml': `lr: ${0.001 * (i + 1)}\n`, 'output.log': `trial ${i}\n` },
    ...over,
  };
}

export const VISION_SWEEP = 'swp7a1b2';
export const BULK_SWEEP = 'bulk0sw1';

/** The data the SDK conformance suite and the gateway's W&B tests assert against. */
export function testSeed(): Seed {
  return {
    entity: 'mlgate',
    projects: [
      {
        name: 'vision',
        runs: [
          ...Array.from({ length: 6 }, (_, i) => run(i)),
          run(6, { name: 'longhist1', displayName: 'long-history', history: history(2500) }),
        ],
        sweeps: [
          {
            name: VISION_SWEEP,
            displayName: 'lr search',
            description: 'learning-rate search over three trials',
            createdAt: at(0),
            runCountExpected: 3,
            config: {
              method: 'bayes',
              metric: { name: 'val_acc', goal: 'maximize' },
              parameters: { lr: { min: 0.0001, max: 0.01 }, batch_size: { values: [32, 64] } },
            },
          },
          { name: 'swpempty', state: 'RUNNING', createdAt: at(5), config: { method: 'random', metric: { name: 'loss' }, parameters: { lr: { values: [0.1] } } } },
        ],
      },
      {
        name: 'bulk',
        runs: Array.from({ length: 60 }, (_, i) => run(100 + i, { createdAt: at(10, i), ...(i % 2 === 0 ? { sweepName: BULK_SWEEP } : {}) })),
        sweeps: [{ name: BULK_SWEEP, createdAt: at(10), config: { method: 'grid', metric: { name: 'loss', goal: 'minimize' }, parameters: { lr: { values: [0.1, 0.2] } } } }],
      },
      { name: 'empty', runs: [] },
    ],
    registries: registrySeed(),
    reports: reportSeed(),
  };
}
