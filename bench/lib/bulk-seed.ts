import type { Seed, SeedRun } from '../../test/wandb-server/store';

/** `bench/bulk`: `n` finished runs with a small config and summary, like the MLflow bench experiment. */
export function bulkSeed(n: number): Seed {
  const t0 = Date.UTC(2026, 0, 1);
  const runs: SeedRun[] = Array.from({ length: n }, (_, i) => ({
    name: `b${String(i).padStart(7, '0')}`,
    displayName: `bulk-${i}`,
    state: 'finished',
    config: { lr: Number((0.001 * ((i % 10) + 1)).toFixed(4)), batch_size: 32 * (1 + (i % 4)), optimizer: i % 3 ? 'adam' : 'sgd', epochs: 10 + (i % 5), seed: i, model: { depth: 8 + (i % 4), act: 'relu' } },
    summary: { acc: (i % 100) / 100, loss: 1 - (i % 100) / 100, val_acc: (i % 97) / 97, _step: 0 },
    tags: i % 2 ? ['odd'] : ['even'],
    createdAt: new Date(t0 + i * 1000).toISOString().slice(0, 19),
    history: [],
  }));
  return { entity: 'bench', projects: [{ name: 'bulk', runs }] };
}
