import { badInput } from './errors';

/** Types that have global ids. */
export type NodeType = 'Run' | 'Project' | 'RegisteredModel' | 'ModelVersion' | 'Sweep' | 'Report';
const NODE_TYPES: ReadonlySet<string> = new Set<NodeType>(['Run', 'Project', 'RegisteredModel', 'ModelVersion', 'Sweep', 'Report']);

export interface GlobalId {
  type: NodeType;
  source: string;
  /** The source's own id; for compound keys the source module decides the layout. */
  native: string;
}

const PREFIX = 'mlg1';

/** Global ids are base64url of `mlg1:<type>:<source>:<native>`; source names never contain ':'. */
export function encodeId(type: NodeType, source: string, native: string): string {
  return Buffer.from(`${PREFIX}:${type}:${source}:${native}`, 'utf8').toString('base64url');
}

export function decodeId(id: string, expected?: NodeType): GlobalId {
  const text = /^[A-Za-z0-9_-]+$/.test(id) ? Buffer.from(id, 'base64url').toString('utf8') : '';
  const [prefix, type, source, ...rest] = text.split(':');
  const native = rest.join(':');
  if (prefix !== PREFIX || !type || !NODE_TYPES.has(type) || !source || !native) {
    throw badInput(`Malformed id: ${JSON.stringify(id.slice(0, 80))} is not an mlgate global id.`, { argument: 'id' });
  }
  if (expected && type !== expected) {
    throw badInput(`The id is a ${type} id, but a ${expected} id is expected.`, { argument: 'id' });
  }
  return { type: type as NodeType, source, native };
}

/** MLflow runs carry their experiment in the id so runs can be fetched in batches per experiment. */
export function runNativeId(projectId: string | null, runId: string): string {
  return projectId ? `${projectId}/${runId}` : runId;
}

export function parseRunNativeId(native: string): { projectId: string | null; runId: string } {
  const slash = native.lastIndexOf('/');
  return slash < 0 ? { projectId: null, runId: native } : { projectId: native.slice(0, slash), runId: native.slice(slash + 1) };
}

export function modelVersionNativeId(model: string, version: string): string {
  return `${model}/${version}`;
}

export function parseModelVersionNativeId(native: string): { model: string; version: string } {
  const slash = native.lastIndexOf('/');
  if (slash <= 0 || slash === native.length - 1) throw badInput('Malformed model version id.', { argument: 'id' });
  return { model: native.slice(0, slash), version: native.slice(slash + 1) };
}

/** A sweep is `<projectId>/<sweepId>`; W&B project ids are `entity/project`. */
export function sweepNativeId(projectId: string, sweepId: string): string {
  return `${projectId}/${sweepId}`;
}

export function parseSweepNativeId(native: string): { projectId: string; sweepId: string } {
  const slash = native.lastIndexOf('/');
  if (slash <= 0 || slash === native.length - 1) throw badInput('Malformed sweep id.', { argument: 'id' });
  return { projectId: native.slice(0, slash), sweepId: native.slice(slash + 1) };
}
