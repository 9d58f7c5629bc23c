# syntax=docker/dockerfile:1
# dataworks-chatops: multi-stage build. The final image holds the compiled JS, production dependencies,
# templates and sample events, and runs as the unprivileged "node" user.
#   docker build -t dw-chatops .
#   docker build --build-arg NPM_CONFIG_REGISTRY=https://registry.npmmirror.com -t dw-chatops .   (mainland China)
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# NODE_OPTIONS: a young generation of 8 MiB semi-spaces instead of V8's 32–64 MiB keeps a busy bot near 200 MiB
# (docs/operations.md "Memory"); setting NODE_OPTIONS yourself replaces it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=8 \
    DW_CHATOPS_CONFIG=/config/dw-chatops.yaml \
    HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY templates ./templates
COPY examples/events ./examples/events
COPY src/console/console.html ./src/console/console.html
USER node
EXPOSE 8080
# /healthz answers while the process serves; a `worker` answers on its --metrics-port (set HEALTHCHECK_URL).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/dw-chatops.js"]
CMD ["serve"]
