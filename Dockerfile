# syntax=docker/dockerfile:1
# Telefhir: FHIR R4 server for telehealth. Multi-stage: compile with dev dependencies, run with
# production dependencies only, as a non-root user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY seed ./seed
COPY bench ./bench
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scripts ./scripts
# the admin CLI and the seed loader run as built, no build step: `telefhir ...`, `telefhir-seed ...`
# (and `npm run telefhir -- ...` / `npm run seed`, which build only where the sources are)
RUN chmod 755 dist/src/cli.js dist/seed/load.js \
 && ln -s /app/dist/src/cli.js /usr/local/bin/telefhir \
 && ln -s /app/dist/seed/load.js /usr/local/bin/telefhir-seed
# read at runtime: Telefhir's own profiles and conformance resources
COPY profiles ./profiles
COPY conformance ./conformance
# the compiled schema validator, cached in node_modules/.cache so that start-up does not compile it
RUN node -e "require('./dist/src/fhir/validation/schema-cache').loadSchemaValidator()"
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# start-up compiles the validators and creates indexes (about 5-15 s; longer on a busy host or a
# large embedded journal to replay): 60 s of grace before failed checks count
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "require('http').get('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
# exec form: node runs as PID 1 and receives SIGTERM itself (graceful shutdown in src/main.ts)
CMD ["node", "dist/src/main.js"]
