import { encodeId } from '../../src/ids';
import type { WandbServer } from '../wandb-server/server';
import { NOTES_REPORT, VISION_REPORT } from '../wandb-server/seed-reports';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';
import { pythonJson, wandbEnv } from '../helpers/python';
import { wandbApp } from '../helpers/wandb';

const REPORT_FIELDS = `id sourceId title description author createdAt updatedAt webUrl project { sourceId }
  blocks { type level text markdown panels { type title x y } }`;
const asUtc = (noZone: string) => `${noZone}.000Z`;

describe('W&B reports through the gateway', () => {
  let app: TestApp;
  let wandb: WandbServer;
  beforeAll(async () => {
    ({ app, wandb } = await wandbApp());
  });
  afterAll(async () => {
    await app.stop();
    await wandb.stop();
  });
  beforeEach(() => {
    app.calls.reset();
    wandb.operations.length = 0;
  });

  const visionUrl = () => `${wandb.url}/mlgate/vision/reports/Vision-findings--${VISION_REPORT.id.replace(/=+$/, '')}`;

  it('lists a project\'s reports newest first, leaving saved workspaces out, with one ProjectViews request', async () => {
    const data = expectNoErrors(
      await app.gql<{ project: { reports: { nodes: Array<{ title: string; author: string; createdAt: string }> } } }>(
        `query($p: ID!) { project(id: $p) { reports { nodes { title author createdAt } } } }`,
        { p: encodeId('Project', 'wandb', 'mlgate/vision') },
      ),
      app.calls,
    );
    expect(data.project.reports.nodes).toEqual([
      { title: VISION_REPORT.title, author: 'mlgate', createdAt: asUtc(VISION_REPORT.createdAt) },
      { title: NOTES_REPORT.title, author: 'mlgate', createdAt: asUtc(NOTES_REPORT.createdAt) },
    ]);
    expect(wandb.operations).toEqual(['Project', 'ProjectViews']);
  });

  it('reads a report by its URL, with typed blocks and the line plot of its panel grid', async () => {
    const data = expectNoErrors(await app.gql<{ reportByUrl: Record<string, unknown> & { blocks: Array<Record<string, unknown>> } }>(`query($u: String!) { reportByUrl(url: $u) { ${REPORT_FIELDS} } }`, { u: visionUrl() }), app.calls);
    const r = data.reportByUrl;
    expect(r).toMatchObject({
      sourceId: VISION_REPORT.id,
      title: VISION_REPORT.title,
      description: VISION_REPORT.description,
      author: 'mlgate',
      createdAt: asUtc(VISION_REPORT.createdAt),
      updatedAt: asUtc(VISION_REPORT.updatedAt),
      webUrl: visionUrl(),
      project: { sourceId: 'mlgate/vision' },
    });
    const meaningful = r.blocks.filter((b) => !(b.type === 'PARAGRAPH' && !b.text));
    expect(meaningful.map((b) => [b.type, b.level ?? null])).toEqual([
      ['TABLE_OF_CONTENTS', null],
      ['HEADING', 1],
      ['HEADING', 2],
      ['MARKDOWN', null],
      ['PARAGRAPH', null],
      ['PANEL_GRID', null],
    ]);
    expect(meaningful[1]?.text).toBe(VISION_REPORT.h1);
    expect(meaningful[2]?.text).toBe(VISION_REPORT.h2);
    expect(meaningful[3]?.markdown).toBe(VISION_REPORT.markdown);
    expect(meaningful[4]?.text).toBe(VISION_REPORT.paragraph);
    expect(meaningful[5]?.panels).toEqual([{ type: 'Run History Line Plot', title: 'Loss', x: '_step', y: ['loss'] }]);
    // The project is read for its own fields; the report needs no other request.
    expect(app.calls.byOp()).toEqual({ 'wandb.report': 1, 'wandb.project': 1 });
  });

  it('reads several reports by id in one SpecificReport request', async () => {
    const ids = [VISION_REPORT.id, NOTES_REPORT.id].map((id) => encodeId('Report', 'wandb', id));
    const data = expectNoErrors(await app.gql<{ a: { title: string }; b: { title: string } }>(`query($a: ID!, $b: ID!) { a: report(id: $a) { title } b: report(id: $b) { title } }`, { a: ids[0], b: ids[1] }), app.calls);
    expect([data.a.title, data.b.title]).toEqual([VISION_REPORT.title, NOTES_REPORT.title]);
    expect(wandb.operations).toEqual(['SpecificReport']);
  });

  it('a report URL with an unknown id is NOT_FOUND, and a URL that is not a report URL is BAD_USER_INPUT', async () => {
    expect(errorCodes(await app.gql(`query($u: String!) { reportByUrl(url: $u) { id } }`, { u: `${wandb.url}/mlgate/vision/reports/Gone--Vmlldzo5OTk5OTk` }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await app.gql(`query($u: String!) { reportByUrl(url: $u) { id } }`, { u: `${wandb.url}/mlgate/vision/runs/abc` }))).toEqual(['BAD_USER_INPUT']);
    expect(wandb.operations).toEqual(['SpecificReport']);
  });

  const CREATE = `mutation($input: CreateReportInput!) { createReport(input: $input) { report { ${REPORT_FIELDS} } } }`;
  const runGid = (id: string) => encodeId('Run', 'wandb', `mlgate/vision/${id}`);
  const draft = () => ({
    projectId: encodeId('Project', 'wandb', 'mlgate/vision'),
    title: 'Loss & accuracy: trials 0-1',
    description: 'Written through mlgate.',
    blocks: [
      { type: 'TABLE_OF_CONTENTS' },
      { type: 'HEADING', level: 1, text: 'Results' },
      { type: 'MARKDOWN', markdown: '* loss falls\n* accuracy rises' },
      { type: 'HEADING', level: 2, text: 'Curves' },
      { type: 'PARAGRAPH', text: 'Two trials, side by side.' },
      { type: 'PANEL_GRID', panelGrid: { runIds: [runGid('run00000'), runGid('run00001')], plots: [{ title: 'Loss', y: ['loss'], xTitle: 'Step', yTitle: 'Loss' }, { title: 'Accuracy', x: '_runtime', y: ['acc'] }] } },
    ],
  });

  it('creates a report from typed blocks, returns it as saved, and wandb-workspaces reads it back from its URL', async () => {
    const data = expectNoErrors(await app.gql<{ createReport: { report: Record<string, unknown> & { webUrl: string; sourceId: string; blocks: Array<Record<string, unknown>> } } }>(CREATE, { input: draft() }), app.calls);
    const r = data.createReport.report;
    expect(r).toMatchObject({ title: 'Loss & accuracy: trials 0-1', description: 'Written through mlgate.', project: { sourceId: 'mlgate/vision' } });
    expect(r.blocks).toEqual([
      { type: 'TABLE_OF_CONTENTS', level: null, text: null, markdown: null, panels: null },
      { type: 'HEADING', level: 1, text: 'Results', markdown: null, panels: null },
      { type: 'MARKDOWN', level: null, text: null, markdown: '* loss falls\n* accuracy rises', panels: null },
      { type: 'HEADING', level: 2, text: 'Curves', markdown: null, panels: null },
      { type: 'PARAGRAPH', level: null, text: 'Two trials, side by side.', markdown: null, panels: null },
      { type: 'PANEL_GRID', level: null, text: null, markdown: null, panels: [{ type: 'Run History Line Plot', title: 'Loss', x: '_step', y: ['loss'] }, { type: 'Run History Line Plot', title: 'Accuracy', x: '_runtime', y: ['acc'] }] },
    ]);
    // The project (for its internal id), the save, the report read back fresh; then the project
    // again, for the selection's own `project` field.
    expect(wandb.operations).toEqual(['Project', 'upsertView', 'SpecificReport', 'Project']);

    const seen = await pythonJson<{ title: string; description: string; blocks: string[]; plot: { title: string; y: string[] }; runFilter: string }>(
      `
import json, wandb_workspaces.reports.v2 as wr
r = wr.Report.from_url(${JSON.stringify(r.webUrl)})
grid = [b for b in r.blocks if isinstance(b, wr.PanelGrid)][0]
plot = grid.panels[0]
print(json.dumps({"title": r.title, "description": r.description, "blocks": [type(b).__name__ for b in r.blocks],
  "plot": {"title": plot.title, "y": [getattr(m, "name", m) for m in plot.y]}, "runFilter": str(grid.runsets[0].filters)}))
`,
      wandbEnv(wandb.url),
    );
    expect(seen.title).toBe('Loss & accuracy: trials 0-1');
    expect(seen.description).toBe('Written through mlgate.');
    expect(seen.blocks).toEqual(['TableOfContents', 'H1', 'MarkdownBlock', 'H2', 'P', 'PanelGrid']);
    expect(seen.plot).toEqual({ title: 'Loss', y: ['loss'] });
    expect(seen.runFilter).toContain('run00000');
    expect(seen.runFilter).toContain('run00001');
  }, 60_000);

  it('refuses bad blocks, foreign runs and MLflow projects before writing anything', async () => {
    const bad = (change: (d: ReturnType<typeof draft>) => unknown) => {
      const d = draft();
      return { ...d, ...(change(d) as object) };
    };
    const cases: Array<[unknown, string]> = [
      [bad(() => ({ title: ' ' })), 'BAD_USER_INPUT'],
      [bad(() => ({ blocks: [] })), 'BAD_USER_INPUT'],
      [bad(() => ({ blocks: [{ type: 'OTHER' }] })), 'BAD_USER_INPUT'],
      [bad(() => ({ blocks: [{ type: 'HEADING', level: 4, text: 'x' }] })), 'BAD_USER_INPUT'],
      [bad(() => ({ blocks: [{ type: 'PARAGRAPH', text: 'x', markdown: 'y' }] })), 'BAD_USER_INPUT'],
      [bad(() => ({ blocks: [{ type: 'PANEL_GRID', panelGrid: { plots: [{ y: [] }] } }] })), 'BAD_USER_INPUT'],
      [bad(() => ({ blocks: [{ type: 'PANEL_GRID', panelGrid: { runIds: [encodeId('Run', 'wandb', 'mlgate/bulk/run00100')], plots: [{ y: ['loss'] }] } }] })), 'BAD_USER_INPUT'],
      [bad(() => ({ projectId: encodeId('Project', 'mlflow', '1') })), 'UNSUPPORTED_BY_SOURCE'],
      [bad(() => ({ projectId: encodeId('Project', 'wandb', 'mlgate/nosuch') })), 'BAD_USER_INPUT'],
      [bad(() => ({ projectId: encodeId('Project', 'wandb', 'mlgate/nosuch'), blocks: [{ type: 'TABLE_OF_CONTENTS' }] })), 'NOT_FOUND'],
    ];
    for (const [input, code] of cases) expect(errorCodes(await app.gql(CREATE, { input }))).toEqual([code]);
    expect(wandb.operations.filter((op) => op === 'upsertView')).toEqual([]);
  });
});

