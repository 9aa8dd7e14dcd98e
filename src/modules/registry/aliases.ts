import type { GatewayContext } from '../../context';
import { badInput } from '../../errors';
import { decodeId, parseModelVersionNativeId } from '../../ids';
import type { ModelVersionModel } from '../../models';
import { loadModelVersion } from '../base/node';

const ALIAS = /^[\w-]{1,256}$/;
const MAX_CHANGES = 50;

export function aliasList(values: readonly string[] | null | undefined, argument: string): string[] {
  const list = [...new Set(values ?? [])];
  if (list.length > MAX_CHANGES) throw badInput(`At most ${MAX_CHANGES} aliases can change at once.`, { argument });
  for (const a of list) {
    if (!ALIAS.test(a)) throw badInput(`Alias ${JSON.stringify(a)} must be 1-256 letters, digits, \`_\` or \`-\`.`, { argument });
    // MLflow refuses both; W&B manages `latest` and `v<n>` itself.
    if (a.toLowerCase() === 'latest' || /^v\d+$/i.test(a)) throw badInput(`Alias ${JSON.stringify(a)} is reserved.`, { argument });
  }
  return list;
}

export async function setModelVersionAliases(
  ctx: GatewayContext,
  args: { id: string; add?: readonly string[] | null; remove?: readonly string[] | null },
): Promise<{ version: ModelVersionModel }> {
  const ref = decodeId(args.id, 'ModelVersion');
  const add = aliasList(args.add, 'add');
  const remove = aliasList(args.remove, 'remove');
  const both = add.filter((a) => remove.includes(a));
  if (both.length) throw badInput(`Alias ${JSON.stringify(both[0])} is both added and removed.`, { argument: 'remove' });
  if (add.length + remove.length === 0) throw badInput('Name aliases to `add` or `remove`.', { argument: 'add' });
  const { model, version } = parseModelVersionNativeId(ref.native);
  await ctx.sources.get(ref.source).setModelVersionAliases({ model, version }, { add, remove });
  return { version: await loadModelVersion(ctx, ref) };
}
