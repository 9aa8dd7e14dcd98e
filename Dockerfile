# syntax=docker/dockerfile:1
# Build stage: dev dependencies, codegen, the IDE bundle and the TypeScript build.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install follows the lock; see the Makefile for why not npm ci.
RUN npm install --no-audit --no-fund
COPY codegen.yml tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY scripts/build-ide.mjs ./scripts/build-ide.mjs
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies only, run as the unprivileged `node` user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/ide-dist ./ide-dist
COPY schema ./schema
COPY src/ide/examples ./src/ide/examples
# Import jobs' SQLite file (MLGATE_JOBS_DB) lives here; mount a volume so jobs survive a new container.
ENV MLGATE_DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/index.js"]
