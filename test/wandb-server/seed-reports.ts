import { viewId, type SeedReports } from './report-state';

/**
 * Spec pieces in the shape wandb-workspaces 0.4.13 writes them (reports/v2 `_to_model`), so the
 * seeded reports read back through `Report.from_url()` like ones the SDK saved.
 */
const text = (t = '') => [{ text: t }];
const paragraph = (t = '') => ({ type: 'paragraph', children: text(t) });
const heading = (level: number, t: string) => ({ type: 'heading', children: text(t), level });

const FLOW = { snapToColumns: true, columnsPerPage: 3, rowsPerPage: 2, gutterWidth: 16, boxWidth: 460, boxHeight: 300 };
const LOCAL_PANEL_SETTINGS = {
  smoothingWeight: 0,
  smoothingType: 'exponential',
  xAxis: '_step',
  ignoreOutliers: false,
  useRunsTableGroupingInPanels: true,
  smoothingActive: true,
  xAxisActive: false,
};

interface LinePlot {
  id: string;
  title: string;
  x: string;
  y: string[];
  titleX: string;
  titleY: string;
}

/** A panel grid over one run set of a project (its internal id is filled in by ReportState). */
function panelGrid(entity: string, project: string, runSetId: string, plots: LinePlot[]) {
  return {
    type: 'panel-grid',
    children: text(),
    metadata: {
      openViz: true,
      openRunSet: 0,
      name: 'unused-name',
      runSets: [
        {
          id: runSetId,
          runFeed: { version: 2, columnVisible: {}, columnPinned: {}, columnWidths: {}, columnOrder: [], pageSize: 10, onlyShowSelected: false },
          enabled: true,
          project: { name: project, entityName: entity },
          name: 'Run set',
          search: { query: '' },
          filters: { filterFormat: 'filterV2', filters: [] },
          grouping: [],
          sort: { keys: [{ key: { section: 'run', name: 'createdAt' }, ascending: false }] },
          selections: { root: 1, bounds: [], tree: [] },
          expandedRowAddresses: [],
        },
      ],
      hideRunSets: false,
      panels: { views: { '0': { name: 'Panels', defaults: [], config: [] } }, tabs: ['0'] },
      panelBankConfig: {
        state: 0,
        settings: { autoOrganizePrefix: 2, showEmptySections: false, sortAlphabetically: false },
        sections: [{ name: 'Hidden Panels', isOpen: false, type: 'flow', flowConfig: FLOW, sorted: 0, localPanelSettings: LOCAL_PANEL_SETTINGS, panels: [] }],
      },
      panelBankSectionConfig: {
        name: 'Report Panels',
        isOpen: false,
        panels: plots.map((p, i) => ({
          __id__: p.id,
          layout: { x: 8 * (i % 3), y: 6 * Math.floor(i / 3), w: 8, h: 6 },
          viewType: 'Run History Line Plot',
          config: { chartTitle: p.title, xAxis: p.x, metrics: p.y, xAxisTitle: p.titleX, yAxisTitle: p.titleY },
        })),
        type: 'grid',
        flowConfig: FLOW,
        sorted: 0,
        localPanelSettings: LOCAL_PANEL_SETTINGS,
      },
      customRunColors: {},
    },
  };
}

/** The SDK pads the user's blocks with an empty paragraph at each end. */
const spec = (blocks: unknown[]) => ({ version: 5, panelSettings: {}, blocks: [paragraph(), ...blocks, paragraph()], width: 'readable', authors: [], discussionThreads: [] });

/** The full report: every block kind the gateway types, and one line plot. */
export const VISION_REPORT = {
  id: viewId(100001),
  name: 'visionreport',
  title: 'Vision findings',
  description: 'What the first vision trials showed.',
  createdAt: '2026-01-20T10:00:00',
  updatedAt: '2026-01-21T08:30:00',
  author: 'mlgate',
  h1: 'Findings',
  h2: 'Loss curves',
  markdown: 'Loss falls **steadily**; see [the runs](#runs).',
  paragraph: 'Every trial converged within 50 steps.',
  plot: { id: 'visionloss01', title: 'Loss', x: '_step', y: ['loss'], titleX: 'Step', titleY: 'Training loss' },
} as const;

/** A smaller, older report: a heading and a paragraph. */
export const NOTES_REPORT = {
  id: viewId(100002),
  name: 'baselinenote',
  title: 'Baseline notes',
  description: 'Notes on the baseline runs.',
  createdAt: '2026-01-15T09:00:00',
  author: 'mlgate',
  h1: 'Baseline',
  paragraph: 'Baseline runs are tagged `baseline`.',
} as const;

/** A saved workspace in the same project: a view, but not a report, so no report listing shows it. */
export const VISION_WORKSPACE = { id: viewId(100003), name: 'nw0workspace', title: 'Main workspace', type: 'project-view' } as const;

/** The reports the SDK suite and gateway tests assert against. */
export const reportSeed = (): SeedReports => [
  {
    n: 100001,
    project: 'vision',
    name: VISION_REPORT.name,
    displayName: VISION_REPORT.title,
    description: VISION_REPORT.description,
    user: VISION_REPORT.author,
    createdAt: VISION_REPORT.createdAt,
    updatedAt: VISION_REPORT.updatedAt,
    spec: spec([
      { type: 'table-of-contents', children: text() },
      heading(1, VISION_REPORT.h1),
      heading(2, VISION_REPORT.h2),
      { type: 'markdown-block', children: text(), content: VISION_REPORT.markdown },
      paragraph(VISION_REPORT.paragraph),
      panelGrid('mlgate', 'vision', 'visionrunset', [{ ...VISION_REPORT.plot, y: [...VISION_REPORT.plot.y] }]),
    ]),
  },
  {
    n: 100002,
    project: 'vision',
    name: NOTES_REPORT.name,
    displayName: NOTES_REPORT.title,
    description: NOTES_REPORT.description,
    user: NOTES_REPORT.author,
    createdAt: NOTES_REPORT.createdAt,
    spec: spec([heading(1, NOTES_REPORT.h1), paragraph(NOTES_REPORT.paragraph)]),
  },
  {
    n: 100003,
    project: 'vision',
    name: VISION_WORKSPACE.name,
    displayName: VISION_WORKSPACE.title,
    type: VISION_WORKSPACE.type,
    createdAt: '2026-01-22T12:00:00',
    spec: { section: { panelBankConfig: {}, runSets: [] } },
  },
];
