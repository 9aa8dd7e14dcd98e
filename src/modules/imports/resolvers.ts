import { badInput } from '../../errors';
import type { Resolvers } from '../../generated/graphql';
import { validateFirst } from '../../pagination';

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
const cursor = (id: string): string => Buffer.from(`ImportJob:${id}`).toString('base64url');

function afterId(after: string | null | undefined): string | null {
  if (!after) return null;
  const text = Buffer.from(after, 'base64url').toString('utf8');
  if (!text.startsWith('ImportJob:')) throw badInput('`after` is not a cursor from importJobs.');
  return text.slice('ImportJob:'.length);
}

/** Thin: the import service (src/imports/) validates, stores and runs; these shape its models. */
export const importResolvers: Resolvers = {
  Query: {
    importJob: (_, { id }, ctx) => ctx.imports.get(id),
    importJobs: async (_, { first, after }, ctx) => {
      const n = validateFirst(first, 20);
      const jobs = await ctx.imports.store.listJobs(n + 1, afterId(after));
      const nodes = jobs.slice(0, n);
      return {
        nodes,
        pageInfo: { hasNextPage: jobs.length > n, hasPreviousPage: Boolean(after), startCursor: nodes[0] ? cursor(nodes[0].id) : null, endCursor: nodes.length ? cursor(nodes[nodes.length - 1]!.id) : null },
      };
    },
  },
  Mutation: {
    startImport: (_, { input }, ctx) => ctx.imports.startImport(input),
    cancelImport: (_, { id }, ctx) => ctx.imports.cancel(id),
  },
  ImportJob: {
    source: (job) => ({ source: job.spec.source.name, experiments: job.spec.source.experimentIds, filter: job.spec.source.filter }),
    destination: (job) => ({ source: job.spec.destination.name, entity: job.spec.destination.entity, project: job.spec.destination.project, remap: job.spec.destination.remap }),
    options: (job) => job.spec.options,
    counts: (job, _, ctx) => ctx.imports.store.counts(job.id),
    problems: async (job, { first }, ctx) => (await ctx.imports.store.problems(job.id, validateFirst(first, 50))).map((p) => ({ ...p, at: new Date(p.at) })),
    createdAt: (job) => new Date(job.createdAt),
    startedAt: (job) => date(job.startedAt),
    endedAt: (job) => date(job.endedAt),
  },
};
