import { randomBytes } from 'node:crypto';
import type { ReportDraftBlock, ReportLinePlotDraft } from '../../models';

/**
 * A report spec in the shape wandb-workspaces (reports v2) saves, so reports created through the
 * gateway open in the W&B app and read back through `Report.from_url()` like the SDK's own.
 */

type Json = Record<string, unknown>;

/** wandb-workspaces' ids: 12 lowercase letters and digits. */
const shortId = () => Array.from(randomBytes(12), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

const text = (t = '') => [{ text: t }];
const paragraph = (t = '') => ({ type: 'paragraph', children: text(t) });

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

export interface SpecProject {
  entity: string;
  project: string;
  /** W&B's internal project id, which run sets carry. */
  internalId: string;
}

function linePlot(p: ReportLinePlotDraft, i: number): Json {
  const config: Json = { xAxis: p.x, metrics: p.y };
  if (p.title !== null) config.chartTitle = p.title;
  if (p.xTitle !== null) config.xAxisTitle = p.xTitle;
  if (p.yTitle !== null) config.yAxisTitle = p.yTitle;
  // Three panels a row, as the SDK lays out a grid.
  return { __id__: shortId(), layout: { x: 8 * (i % 3), y: 6 * Math.floor(i / 3), w: 8, h: 6 }, viewType: 'Run History Line Plot', config };
}

function panelGrid(project: SpecProject, runIds: string[] | null, plots: ReportLinePlotDraft[]): Json {
  const filters = runIds ? [{ key: { section: 'run', name: 'name' }, op: 'IN', value: runIds, disabled: false }] : [];
  return {
    type: 'panel-grid',
    children: text(),
    metadata: {
      openViz: true,
      openRunSet: 0,
      name: 'unused-name',
      runSets: [
        {
          id: shortId(),
          runFeed: { version: 2, columnVisible: {}, columnPinned: {}, columnWidths: {}, columnOrder: [], pageSize: 10, onlyShowSelected: false },
          enabled: true,
          project: { name: project.project, entityName: project.entity, id: project.internalId },
          name: 'Run set',
          search: { query: '' },
          filters: { filterFormat: 'filterV2', filters },
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
        panels: plots.map(linePlot),
        type: 'grid',
        flowConfig: FLOW,
        sorted: 0,
        localPanelSettings: LOCAL_PANEL_SETTINGS,
      },
      customRunColors: {},
    },
  };
}

function toSpecBlock(block: ReportDraftBlock, project: SpecProject): Json {
  switch (block.type) {
    case 'TABLE_OF_CONTENTS':
      return { type: 'table-of-contents', children: text() };
    case 'HEADING':
      return { type: 'heading', children: text(block.text), level: block.level };
    case 'PARAGRAPH':
      return paragraph(block.text);
    case 'MARKDOWN':
      return { type: 'markdown-block', children: text(), content: block.markdown };
    case 'PANEL_GRID':
      return panelGrid(project, block.runIds, block.plots);
  }
}

/** The whole spec, padded with an empty paragraph at each end as the SDK pads it. */
export function buildReportSpec(blocks: ReportDraftBlock[], project: SpecProject): Json {
  return {
    version: 5,
    panelSettings: {},
    blocks: [paragraph(), ...blocks.map((b) => toSpecBlock(b, project)), paragraph()],
    width: 'readable',
    authors: [],
    discussionThreads: [],
  };
}

/** The view's `name`: wandb-workspaces sends a random one for every new report. */
export const newViewName = shortId;
