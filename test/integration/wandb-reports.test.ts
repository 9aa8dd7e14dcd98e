import { encodeId } from '../../src/ids';
import type { WandbServer } from '../wandb-server/server';
import { NOTES_REPORT, VISION_REPORT } from '../wandb-server/seed-reports';
import { errorCodes, expectNoErrors, type TestApp } from '../helpers/test-app';
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
});
