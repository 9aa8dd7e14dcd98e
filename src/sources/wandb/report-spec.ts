import type { ReportBlockModel, ReportModel, ReportPanelModel } from '../../models';
import { appUrl, utc } from './to-model';
import type { Wandb } from './wandb-types';

type Node = Record<string, unknown>;

const isObject = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The text of a Slate node: its own `text`, or its children's joined. */
function textOf(node: unknown): string {
  if (!isObject(node)) return '';
  if (typeof node.text === 'string') return node.text;
  return Array.isArray(node.children) ? node.children.map(textOf).join('') : '';
}

function panelsOf(block: Node): ReportPanelModel[] {
  const metadata = isObject(block.metadata) ? block.metadata : {};
  const section = isObject(metadata.panelBankSectionConfig) ? metadata.panelBankSectionConfig : {};
  const panels = Array.isArray(section.panels) ? section.panels.filter(isObject) : [];
  return panels.map((p) => {
    const config = isObject(p.config) ? p.config : {};
    const metrics = Array.isArray(config.metrics) ? config.metrics.filter((m): m is string => typeof m === 'string') : [];
    return { type: str(p.viewType) ?? 'unknown', title: str(config.chartTitle), x: str(config.xAxis), y: metrics };
  });
}

const block = (type: ReportBlockModel['type'], rawType: string, extra: Partial<ReportBlockModel> = {}): ReportBlockModel => ({
  type,
  rawType,
  level: null,
  text: null,
  markdown: null,
  panels: null,
  ...extra,
});

/** W&B's Slate-like report blocks, typed where the gateway knows them. */
export function toBlocks(spec: Node): ReportBlockModel[] {
  const raw = Array.isArray(spec.blocks) ? spec.blocks.filter(isObject) : [];
  const out: ReportBlockModel[] = [];
  for (const b of raw) {
    const rawType = str(b.type) ?? 'unknown';
    if (rawType === 'paragraph') {
      // The SDK pads every report with empty paragraphs; they carry nothing.
      const text = textOf(b);
      if (text.trim()) out.push(block('PARAGRAPH', rawType, { text }));
    } else if (rawType === 'heading') out.push(block('HEADING', rawType, { level: typeof b.level === 'number' ? b.level : 1, text: textOf(b) }));
    else if (rawType === 'table-of-contents') out.push(block('TABLE_OF_CONTENTS', rawType));
    else if (rawType === 'markdown-block') out.push(block('MARKDOWN', rawType, { markdown: str(b.content) ?? '' }));
    else if (rawType === 'panel-grid') out.push(block('PANEL_GRID', rawType, { panels: panelsOf(b) }));
    else out.push(block('OTHER', rawType));
  }
  return out;
}

/**
 * The report's app URL as the SDK's `BetaReport.url` builds it: the title with non-word characters
 * as `-`, then the view id without base64 padding.
 */
export function reportUrl(base: string, entity: string, project: string, title: string, id: string): string {
  // Python's `\W` (which the SDK uses) is Unicode-aware: letters and digits of any script stay.
  const slug = encodeURIComponent(title.replace(/[^\p{L}\p{N}_]/gu, '-').replace(/-+/g, '-').replace(/^-|-$/g, ''));
  return `${appUrl(base)}/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/reports/${slug}--${id.replace(/=/g, '')}`;
}

/** `…/reports/<Title>--<id>` → the view id, re-padded, as wandb-workspaces' `_url_to_report_id`. */
export function reportIdFromUrl(url: string): string | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const parts = path.split('/').filter(Boolean);
  if (parts.length !== 4 || parts[2] !== 'reports') return null;
  const name = decodeURIComponent(parts[3] ?? '');
  const at = name.lastIndexOf('--');
  if (at < 0) return null;
  const id = name.slice(at + 2);
  if (!/^[A-Za-z0-9+/]+$/.test(id)) return null;
  return id + '='.repeat((4 - (id.length % 4)) % 4);
}

export function toReport(source: string, base: string, entity: string, project: string, v: Wandb.View): ReportModel {
  let spec: Node = {};
  try {
    const parsed = JSON.parse(v.spec ?? '{}') as unknown;
    if (isObject(parsed)) spec = parsed;
  } catch {
    // A spec that does not parse leaves the report without blocks rather than failing it.
  }
  const title = v.displayName || v.name || v.id;
  return {
    source,
    sourceId: v.id,
    projectId: `${entity}/${project}`,
    title,
    description: v.description || null,
    author: v.user?.username ?? null,
    createdAt: utc(v.createdAt),
    updatedAt: utc(v.updatedAt),
    webUrl: reportUrl(base, entity, project, title, v.id),
    blocks: toBlocks(spec),
    spec,
  };
}
