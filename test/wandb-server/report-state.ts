import type { Store } from './store';

/** Seed shape for reports (views of type "runs"). */
export type SeedReports = Record<string, never>;

/** Reports and other views, as upsertView stores them. */
export class ReportState {
  constructor(readonly store: Store, _seed: SeedReports | undefined) {}
}
