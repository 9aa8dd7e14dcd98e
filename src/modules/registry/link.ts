import type { GatewayContext } from '../../context';
import { badInput } from '../../errors';
import type { LinkArtifactInput } from '../../generated/graphql';
import { decodeId, modelVersionNativeId, parseModelVersionNativeId } from '../../ids';
import type { ModelVersionModel } from '../../models';
import type { ArtifactRef } from '../../sources/source';
import { loadModelVersion } from '../base/node';
import { aliasList } from './aliases';

/** W&B's names for projects, artifacts and collections: letters, digits, `_`, `-` and `.`. */
const NAME = /^[\w.-]{1,128}$/;

function checkName(value: string, argument: string, what: string): string {
  if (!NAME.test(value)) throw badInput(`${what} ${JSON.stringify(value.slice(0, 130))} must be 1-128 letters, digits, \`_\`, \`-\` or \`.\`.`, { argument });
  return value;
}

/** `<entity>/<project>/<name>[:<version or alias>]`; no version means `latest`, as in the SDK. */
export function parseArtifactPath(path: string): { entity: string; project: string; name: string } {
  const parts = path.split('/');
  if (parts.length !== 3) throw badInput(`artifactPath ${JSON.stringify(path.slice(0, 200))} must be \`<entity>/<project>/<name>:<version or alias>\`.`, { argument: 'artifactPath' });
  const [entity = '', project = '', named = ''] = parts;
  const [name = '', version = 'latest', ...extra] = named.split(':');
  if (extra.length) throw badInput('artifactPath has more than one `:`.', { argument: 'artifactPath' });
  for (const [v, what] of [[entity, 'Entity'], [project, 'Project'], [name, 'Artifact name'], [version, 'Version or alias']] as const) checkName(v, 'artifactPath', what);
  return { entity, project, name: `${name}:${version}` };
}

/** Exactly one way of naming the artifact, and its source. */
function artifactOf(input: LinkArtifactInput): { source: string; artifact: ArtifactRef } {
  if ((input.artifactPath == null) === (input.modelVersionId == null)) throw badInput('Name the artifact by exactly one of `artifactPath` or `modelVersionId`.', { argument: 'artifactPath' });
  if (input.modelVersionId != null) {
    const ref = decodeId(input.modelVersionId, 'ModelVersion');
    if (input.source != null && input.source !== ref.source) throw badInput(`modelVersionId is a version of source '${ref.source}', not '${input.source}'.`, { argument: 'source' });
    return { source: ref.source, artifact: { modelVersion: parseModelVersionNativeId(ref.native) } };
  }
  if (input.source == null) throw badInput('Name the `source` the artifactPath is in.', { argument: 'source' });
  return { source: input.source, artifact: { path: parseArtifactPath(input.artifactPath ?? '') } };
}

export async function linkArtifact(ctx: GatewayContext, input: LinkArtifactInput): Promise<{ version: ModelVersionModel }> {
  const { source, artifact } = artifactOf(input);
  const registry = checkName(input.registry, 'registry', 'Registry').replace(/^wandb-registry-/, '');
  const collection = checkName(input.collection, 'collection', 'Collection');
  const aliases = aliasList(input.aliases, 'aliases');
  const linked = await ctx.sources.get(source).linkArtifact({ artifact, registry, collection, aliases, createCollection: input.createCollection ?? false });
  return { version: await loadModelVersion(ctx, { type: 'ModelVersion', source, native: modelVersionNativeId(linked.model, linked.version) }) };
}
