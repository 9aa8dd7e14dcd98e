import type { TypeFields } from './root';

/** Root fields for views (reports): view, upsertView, deleteView, upsertModel. */
export const reportsRoot = {};

/** Fields the report domain adds to other domains' types (e.g. Project.allViews). */
export const reportFields: TypeFields = {};
