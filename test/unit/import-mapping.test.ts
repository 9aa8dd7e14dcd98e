import { historyRows, mapRun, MappingError, type MlflowSourceRun } from '../../src/imports/mapping';
import { verifyRun } from '../../src/imports/verify';

const run = (over: Partial<MlflowSourceRun> = {}): MlflowSourceRun => ({
  runId: 'a'.repeat(32),
  key: 'a'.repeat(32),
  exitCode: 0,
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
      commit: null,
      metadata: { startedAt: '2023-11-14T22:13:20.123Z', username: 'ada' },
    });
  });

  it('maps each MLflow status, and a running run has no end and no runtime', () => {
    expect(mapRun(run({ status: 'FAILED' }), 'e').state).toBe('failed');
    expect(mapRun(run({ status: 'KILLED' }), 'e').state).toBe('failed');
    const running = mapRun(run({ status: 'RUNNING', endTime: null }), 'e');
    expect(running).toMatchObject({ state: 'running', endedAt: null });
    expect(running.summary).not.toHaveProperty('_runtime');
  });

  it('records program and git origin in the metadata, and the commit as the run commit', () => {
    const spec = mapRun(run({ tags: { 'mlflow.source.name': 'train.py', 'mlflow.source.git.commit': 'c0ffee', 'mlflow.source.git.repoURL': 'git@host:team/repo.git' } }), 'e');
    expect(spec.commit).toBe('c0ffee');
    expect(spec.metadata).toEqual({ startedAt: '2023-11-14T22:13:20.123Z', username: 'ada', program: 'train.py', git: { remote: 'git@host:team/repo.git', commit: 'c0ffee' } });
  });

  it('refuses a param that would overwrite a reserved config key instead of dropping either', () => {
    expect(() => mapRun(run({ params: { mlflow_tags: 'x' } }), 'e')).toThrow(MappingError);
  });

  it('makes one row per MLflow step, timed by the step\'s latest point', () => {
    const rows = historyRows([
      { key: 'loss', value: 1, step: 0, timestamp: 1000 },
      { key: 'acc', value: 0.1, step: 0, timestamp: 1000 },
      { key: 'loss', value: 0.5, step: 10, timestamp: 2500 },
      { key: 'lr', value: 0.01, step: 10, timestamp: 2600 },
      { key: 'acc', value: 0.2, step: 10, timestamp: 2500 },
      { key: 'mlflow_step', value: 3, step: 5, timestamp: 1500 },
    ]);
    expect(rows).toEqual([
      { _step: 0, _timestamp: 1, loss: 1, acc: 0.1 },
      { _step: 5, _timestamp: 1.5, mlflow_step: 3 },
      { _step: 10, _timestamp: 2.6, loss: 0.5, lr: 0.01, acc: 0.2 },
    ]);
  });

  it('keeps every point of a run that logged a key twice at one step: a row per instant, MLflow\'s step in mlflow_step', () => {
    // mlflow.log_metric without a step logs at step 0 every time.
    const rows = historyRows([
      { key: 'loss', value: 0.9, step: 0, timestamp: 1000 },
      { key: 'acc', value: 0.1, step: 0, timestamp: 1000 },
      { key: 'loss', value: 0.7, step: 0, timestamp: 2000 },
      { key: 'loss', value: 0.6, step: 0, timestamp: 2000 },
      { key: 'loss', value: 0.5, step: 3, timestamp: 1500 },
    ]);
    expect(rows).toEqual([
      { _step: 0, _timestamp: 1, mlflow_step: 0, loss: 0.9, acc: 0.1 },
      // One key twice at one instant: rows in value order, whatever order the source listed them in.
      { _step: 1, _timestamp: 2, mlflow_step: 0, loss: 0.6 },
      { _step: 2, _timestamp: 2, mlflow_step: 0, loss: 0.7 },
      { _step: 3, _timestamp: 1.5, mlflow_step: 3, loss: 0.5 },
    ]);
    expect(historyRows([{ key: 'loss', value: 1, step: -1, timestamp: 1000 }])).toEqual([{ _step: 0, _timestamp: 1, mlflow_step: -1, loss: 1 }]);
    expect(() => historyRows([{ key: 'mlflow_step', value: 1, step: 0, timestamp: 1 }, { key: 'mlflow_step', value: 2, step: 0, timestamp: 2 }])).toThrow(MappingError);
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
