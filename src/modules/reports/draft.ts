import { badInput } from '../../errors';
import type { ReportDraft, ReportDraftBlock, ReportLinePlotDraft } from '../../models';
import { decodeId } from '../../ids';

export interface ReportBlockArg {
  type: string;
  level?: number | null;
  text?: string | null;
  markdown?: string | null;
  panelGrid?: { runIds?: readonly string[] | null; plots: ReadonlyArray<{ title?: string | null; x?: string | null; y: readonly string[]; xTitle?: string | null; yTitle?: string | null }> } | null;
}

const LIMITS = { title: 256, description: 4096, blocks: 200, text: 10_000, markdown: 100_000, plots: 20, keys: 20, key: 256, runs: 500 };
const FIELDS = ['level', 'text', 'markdown', 'panelGrid'] as const;
const ALLOWED: Record<string, ReadonlyArray<(typeof FIELDS)[number]>> = {
  TABLE_OF_CONTENTS: [],
  HEADING: ['level', 'text'],
  PARAGRAPH: ['text'],
  MARKDOWN: ['markdown'],
  PANEL_GRID: ['panelGrid'],
};

function bounded(value: string | null | undefined, max: number, what: string, argument: string, required: boolean): string | null {
  if (value === null || value === undefined || (!required && value === '')) {
    if (required) throw badInput(`${what} is required.`, { argument });
    return null;
  }
  if (required && value.trim() === '') throw badInput(`${what} must not be empty.`, { argument });
  if (value.length > max) throw badInput(`${what} is longer than ${max} characters.`, { argument });
  return value;
}

function historyKey(key: string | null | undefined, argument: string): string {
  const k = bounded(key, LIMITS.key, 'A plotted key', argument, true) as string;
  return k;
}

function plot(p: NonNullable<ReportBlockArg['panelGrid']>['plots'][number], at: string): ReportLinePlotDraft {
  if (p.y.length === 0 || p.y.length > LIMITS.keys) throw badInput(`A line plot takes 1 to ${LIMITS.keys} keys in \`y\`.`, { argument: `${at}.y` });
  return {
    title: bounded(p.title, LIMITS.title, 'A plot title', `${at}.title`, false),
    x: historyKey(p.x ?? '_step', `${at}.x`),
    y: p.y.map((k, i) => historyKey(k, `${at}.y[${i}]`)),
    xTitle: bounded(p.xTitle, LIMITS.title, 'An axis title', `${at}.xTitle`, false),
    yTitle: bounded(p.yTitle, LIMITS.title, 'An axis title', `${at}.yTitle`, false),
  };
}

/** Run ids of a panel grid: runs of the report's own project, as their ids in that source. */
function runIdsOf(ids: readonly string[] | null | undefined, source: string, projectId: string, at: string): string[] | null {
  if (ids === null || ids === undefined) return null;
  if (ids.length === 0 || ids.length > LIMITS.runs) throw badInput(`\`runIds\` takes 1 to ${LIMITS.runs} runs, or none for all runs.`, { argument: at });
  return ids.map((id, i) => {
    const ref = decodeId(id, 'Run');
    const slash = ref.native.lastIndexOf('/');
    if (ref.source !== source || ref.native.slice(0, slash) !== projectId) {
      throw badInput('A panel grid plots runs of the report\'s own project only.', { argument: `${at}[${i}]` });
    }
    return ref.native.slice(slash + 1);
  });
}

function block(b: ReportBlockArg, i: number, source: string, projectId: string): ReportDraftBlock {
  const at = `input.blocks[${i}]`;
  const allowed = ALLOWED[b.type];
  if (!allowed) throw badInput(`Blocks of type ${b.type} cannot be created; use TABLE_OF_CONTENTS, HEADING, PARAGRAPH, MARKDOWN or PANEL_GRID.`, { argument: `${at}.type` });
  const stray = FIELDS.filter((f) => b[f] !== null && b[f] !== undefined && !allowed.includes(f));
  if (stray.length) throw badInput(`A ${b.type} block does not take ${stray.map((f) => `\`${f}\``).join(', ')}.`, { argument: `${at}.${stray[0]}` });
  switch (b.type) {
    case 'HEADING': {
      const level = b.level ?? 1;
      if (level !== 1 && level !== 2 && level !== 3) throw badInput('A heading level is 1, 2 or 3.', { argument: `${at}.level` });
      return { type: 'HEADING', level, text: bounded(b.text, LIMITS.text, 'A heading\'s text', `${at}.text`, true) as string };
    }
    case 'PARAGRAPH':
      return { type: 'PARAGRAPH', text: bounded(b.text, LIMITS.text, 'A paragraph\'s text', `${at}.text`, true) as string };
    case 'MARKDOWN':
      return { type: 'MARKDOWN', markdown: bounded(b.markdown, LIMITS.markdown, 'A markdown block\'s content', `${at}.markdown`, true) as string };
    case 'PANEL_GRID': {
      const grid = b.panelGrid;
      if (!grid) throw badInput('A PANEL_GRID block needs `panelGrid`.', { argument: `${at}.panelGrid` });
      if (grid.plots.length === 0 || grid.plots.length > LIMITS.plots) throw badInput(`A panel grid holds 1 to ${LIMITS.plots} plots.`, { argument: `${at}.panelGrid.plots` });
      return {
        type: 'PANEL_GRID',
        runIds: runIdsOf(grid.runIds, source, projectId, `${at}.panelGrid.runIds`),
        plots: grid.plots.map((p, j) => plot(p, `${at}.panelGrid.plots[${j}]`)),
      };
    }
    default:
      return { type: 'TABLE_OF_CONTENTS' };
  }
}

/** The whole input checked before anything is written; the first problem is named with its path. */
export function reportDraft(
  input: { title: string; description?: string | null; blocks: readonly ReportBlockArg[] },
  source: string,
  projectId: string,
): ReportDraft {
  if (input.blocks.length === 0 || input.blocks.length > LIMITS.blocks) throw badInput(`A report has 1 to ${LIMITS.blocks} blocks.`, { argument: 'input.blocks' });
  return {
    projectId,
    title: bounded(input.title, LIMITS.title, 'The title', 'input.title', true) as string,
    description: bounded(input.description, LIMITS.description, 'The description', 'input.description', false),
    blocks: input.blocks.map((b, i) => block(b, i, source, projectId)),
  };
}
