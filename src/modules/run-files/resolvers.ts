import type { Resolvers } from '../../generated/graphql';
import { decodeContent, fileChooser, listedFile, runTarget } from './service';
import { uploadPath } from './paths';

const streamOf = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(ctrl) {
      ctrl.enqueue(bytes);
      ctrl.close();
    },
  });

export const runFileResolvers: Resolvers = {
  Mutation: {
    uploadRunFile: async (_, args, ctx) => {
      const target = runTarget(ctx, args.runId);
      const path = uploadPath(args.path);
      const bytes = decodeContent(args.contentBase64, ctx.maxInlineUploadBytes);
      await target.source.uploadFile(target.ref, path, { body: streamOf(bytes), length: bytes.length });
      return listedFile(ctx.publicUrl, target, path);
    },
    deleteRunFiles: async (_, args, ctx) => {
      const target = runTarget(ctx, args.runId);
      const choose = fileChooser(args);
      return { deleted: await target.source.deleteFiles(target.ref, choose) };
    },
  },
};
