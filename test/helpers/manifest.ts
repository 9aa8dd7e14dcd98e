import { readFileSync } from 'node:fs';

/** What python/seed_mlflow.py logged, as the real mlflow client reports it back. */
export interface ManifestRun {
  id: string;
  experimentId: string;
  name: string;
  status: 'FINISHED' | 'FAILED' | 'RUNNING' | 'KILLED' | 'SCHEDULED';
  startTime: number;
  endTime: number | null;
  user: string | null;
  params: Record<string, string>;
  metrics: Record<string, { value: number; step: number; timestamp: number }>;
  /** Full history per key: [step, value, timestamp], sorted by step then time. */
  history: Record<string, Array<[number, number, number]>>;
  tags: Record<string, string>;
  systemTags: Record<string, string>;
  notes: string | null;
  gitCommit: string | null;
  sourceName: string | null;
  artifacts: Array<{ path: string; size: number; sha256: string }>;
}

export interface ManifestModelVersion {
  version: string;
  runId: string | null;
  source: string;
  status: string;
  description: string | null;
  tags: Record<string, string>;
  aliases: string[];
}

export interface Manifest {
  trackingUri: string;
  experiments: Array<{ id: string; name: string; tags: Record<string, string>; runIds: string[] }>;
  runs: ManifestRun[];
  registeredModels: Array<{
    name: string;
    description: string | null;
    tags: Record<string, string>;
    aliases: Record<string, string>;
    versions: ManifestModelVersion[];
  }>;
}

export function loadManifest(): Manifest {
  const path = process.env.MLGATE_TEST_MANIFEST;
  if (!path) throw new Error('MLGATE_TEST_MANIFEST is not set: the jest global setup did not seed MLflow.');
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}
