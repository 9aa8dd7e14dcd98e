import type { SeedReports } from './report-state';

/** The reports the SDK suite and gateway tests assert against. */
export const reportSeed = (): SeedReports => ({});
