import { randomUUID } from 'node:crypto';
import { createLoaders, type Loaders } from './loaders';
import type { SourceRegistry } from './sources';
import type { ImportService } from './imports/service';

/** What every resolver receives; built fresh for each request. */
export interface GatewayContext {
  requestId: string;
  sources: SourceRegistry;
  loaders: Loaders;
  /** Base URL of this gateway as the caller reaches it, for download links. */
  publicUrl: string;
  /** Import jobs, shared by all requests. */
  imports: ImportService;
  /** The largest file uploadRunFile takes (decoded bytes). */
  maxInlineUploadBytes: number;
}

export function createContext(args: { sources: SourceRegistry; imports: ImportService; publicUrl: string; requestId?: string; maxInlineUploadBytes: number }): GatewayContext {
  return {
    requestId: args.requestId ?? randomUUID(),
    sources: args.sources,
    loaders: createLoaders(args.sources),
    publicUrl: args.publicUrl,
    imports: args.imports,
    maxInlineUploadBytes: args.maxInlineUploadBytes,
  };
}
