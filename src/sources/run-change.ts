/** A validated change to one run, in source-neutral terms; each source applies what it can. */
export interface RunChange {
  summary?: { set: Record<string, unknown>; rename: Array<{ from: string; to: string }>; delete: string[] };
  config?: { set: Record<string, unknown>; delete: string[] };
  meta?: {
    name?: string;
    notes?: string;
    tags?: { add: string[]; remove: string[]; replace: string[] | null };
    group?: string;
    jobType?: string;
  };
}
