import { historyRows, mapRun, MappingError } from '../../src/imports/mapping';
import type { SourceRun } from '../../src/imports/source';
import { verifyRun } from '../../src/imports/verify';

const run = (over: Partial<SourceRun> = {}): SourceRun => ({
  runId: 'a'.repeat(32),
  experimentId: '7',
  name: 'bold-fox',
  status: 'FINISHED',
  startTime: 1_700_000_000_123,
  endTime: 1_700_000_060_623,
  user: 'ada',
  params: { lr: '0.01', layers: '3' },
  tags: { baseline: '', keep: 'true', team: 'vision', 'mlflow.note.content': 'first try', 'mlflow.user': 'ada', 'mlflow.runName': 'bold-fox' },
  latestMetrics: { loss: { key: 'loss', value: 0.25, step: 9, timestamp: 1_700_000_050_000 }, acc: { key: 'acc', value: 0.9, step: 9, timestamp: 1_700_000_050_000 } },
  ...over,
});

describe('MLflow → W&B run mapping', () => {
  it('maps identity, times to the millisecond, params, tags, notes, group and summary', () => {
    expect(mapRun(run(), 'vision-exp')).toEqual({
      runId: 'a'.repeat(32),
      displayName: 'bold-fox',
      state: 'finished',
      startedAt: 1_700_000_000_123,
      endedAt: 1_700_000_060_623,
      user: 'ada',
      config: {
        lr: '0.01',
        layers: '3',
        mlflow_tags: { keep: 'true', team: 'vision' },
        mlflow_system_tags: { 'mlflow.note.content': 'first try', 'mlflow.runName': 'bold-fox', 'mlflow.user': 'ada' },
      },
      summary: { acc: 0.9, loss: 0.25, _runtime: 60.5 },
      tags: ['baseline', 'keep'],
      notes: 'first try',
      group: 'vision-exp',
      jobType: null,
    });
  });

  it('maps each MLflow status, and a running run has no end and no runtime', () => {
    expect(mapRun(run({ status: 'FAILED' }), 'e').state).toBe('failed');
    expect(mapRun(run({ status: 'KILLED' }), 'e').state).toBe('crashed');
    const running = mapRun(run({ status: 'RUNNING', endTime: null }), 'e');
    expect(running).toMatchObject({ state: 'running', endedAt: null });
    expect(running.summary).not.toHaveProperty('_runtime');
  });

  it('refuses a param that would overwrite a reserved config key instead of dropping either', () => {
    expect(() => mapRun(run({ params: { mlflow_tags: 'x' } }), 'e')).toThrow(MappingError);
  });

  it('keeps every point with its own step and time: shared instants share a row, others get their own', () => {
    const rows = historyRows([
      { key: 'loss', value: 1, step: 0, timestamp: 1000 },
      { key: 'acc', value: 0.1, step: 0, timestamp: 1000 },
      { key: 'loss', value: 0.5, step: 1, timestamp: 2500 },
      { key: 'acc', value: 0.2, step: 1, timestamp: 2600 },
      { key: 'loss', value: 0.4, step: 1, timestamp: 2500 },
    ]);
    expect(rows).toEqual([
      { _step: 0, _timestamp: 1, loss: 1, acc: 0.1 },
      { _step: 1, _timestamp: 2.5, loss: 0.5 },
      { _step: 1, _timestamp: 2.5, loss: 0.4 },
      { _step: 1, _timestamp: 2.6, acc: 0.2 },
    ]);
  });
});

describe('import verification', () => {
  const spec = mapRun(run(), 'e');
  const state = { exists: true, config: structuredClone(spec.config), summary: { ...spec.summary, _wandb: { runtime: 60 } }, historyLength: 10 };

  it('accepts the run as written, ignoring summary keys W&B adds', () => {
    expect(verifyRun(spec, 10, state)).toBeNull();
  });

  it('names what differs', () => {
    expect(verifyRun(spec, 10, { ...state, exists: false })).toMatch(/not in the destination/);
    expect(verifyRun(spec, 10, { ...state, config: { ...state.config, lr: '0.02' } })).toMatch(/config differs at 'lr'/);
    expect(verifyRun(spec, 10, { ...state, config: { ...state.config, extra: 1 } })).toMatch(/config differs at 'extra'/);
    expect(verifyRun(spec, 10, { ...state, summary: { ...state.summary, loss: 0.3 } })).toMatch(/summary differs at 'loss'/);
    expect(verifyRun(spec, 11, state)).toMatch(/history has 10 rows, the source 11/);
  });
});
