# ocpp-sim container image: `docker build -t ocpp-sim .` (README "Container image").
# Stage 1 builds the server (tsc + precompiled validators), the web UI and the API docs with
# every dependency; stage 2 is a slim Node runtime with production dependencies and the built
# output only, running as an unprivileged user.

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run build:client && npm run docs

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/server/dist/src ./server/dist/src
COPY --from=build /src/server/dist/generated ./server/dist/generated
COPY --from=build /src/client/dist ./client/dist
COPY --from=build /src/docs/api ./docs/api
COPY start.sh LICENSE README.md ./
# The image's own user (uid 10001): no root in the container; state goes to /data.
RUN groupadd --system --gid 10001 ocpp && useradd --system --uid 10001 --gid ocpp --home-dir /data --create-home ocpp
USER 10001:10001
ENV XDG_STATE_HOME=/data
VOLUME ["/data"]
# 8100: mock CSMS (--csms); 3000/3001: web UI and bridge (server mode, BIND=0.0.0.0).
EXPOSE 8100 3000 3001
ENTRYPOINT ["node", "/app/server/dist/src/runtime/main.js"]
CMD ["--help"]
