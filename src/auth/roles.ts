/** Who may do what: each role includes the ones before it. */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);
export const atLeast = (role: Role, needed: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(needed);

/** Mutations that only admins may run (imports, cache flushes); every other mutation needs an editor. */
export const ADMIN_MUTATIONS = new Set(['startImport', 'cancelImport', 'flushCache']);
