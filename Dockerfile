# open-notify-exporter as a container: `serve` on :8899 by default, as an
# exporter on its own, or the one-shot / `schedule` writing into a mounted
# node_exporter textfile directory.
#   docker build -t open-notify-exporter .
#   docker run -p 8899:8899 open-notify-exporter
#
# The official Node.js image of the Active LTS line, 26. trixie-slim: Debian
# 13, the stable release with the Debian security team's full support
# (bookworm, 12, is down to LTS), without extras.
ARG NODE_IMAGE=node:26-trixie-slim

FROM ${NODE_IMAGE} AS build
# Behind a TLS-intercepting proxy npm needs the proxy's CA: pass its path
# with --build-arg NODE_EXTRA_CA_CERTS=... and mount the file there
# (podman build -v ca.crt:/path:ro). Build stage only; the image has none.
# Empty by default: Node.js reads no extra CA then, and the build does not warn.
ARG NODE_EXTRA_CA_CERTS=""
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json LICENSE ./
COPY bin ./bin
COPY src ./src
# The bundle and its source map (npm run build), then only the production
# dependencies: the bundle holds everything but node-cron and the web config's.
RUN npm run build \
 && npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm cache clean --force

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="open-notify-exporter" \
      org.opencontainers.image.description="People in space and the ISS position from the Open Notify API as Prometheus metrics: serve /metrics, or write node_exporter's textfile atomically" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/open-notify-exporter/open-notify-exporter"
WORKDIR /app
COPY --from=build /src/package.json /src/LICENSE ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist/open-notify-exporter.js /src/dist/open-notify-exporter.js.map /src/dist/land-110m.svgpath ./dist/
COPY --from=build /src/node_modules ./node_modules
# As the systemd scheduler unit: a small young generation, no JIT, and a full
# collection a minute between runs keep a long-running serve or schedule
# small (npm run bench, daemons and soak).
ENV NODE_ENV=production NODE_OPTIONS="--max-semi-space-size=1 --jitless --expose-gc"
# Node's compile cache, made here by the Node.js and the flags that run the
# image, and read at every start; the container never writes it (--read-only).
ENV NODE_COMPILE_CACHE=/app/compile-cache
RUN node /app/bin/open-notify-exporter rules > /dev/null && chmod -R a+rX /app/compile-cache
# A numeric, non-root user (Kubernetes' runAsNonRoot accepts it), owning
# nothing in the image: the root file system may be read-only. In textfile
# mode the mounted directory must be writable by this UID.
USER 65532:65532
EXPOSE 8899
# No curl in the image: the CLI asks serve's /healthz itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "/app/bin/open-notify-exporter", "healthcheck"]
# node is PID 1: serve and schedule handle SIGTERM and SIGINT themselves
# (docker stop, Ctrl-C in docker run -it) and exit 0. serve listens on :8899
# unless OPEN_NOTIFY_WEB_LISTEN_ADDRESS says otherwise; the HEALTHCHECK reads
# the same variable (and OPEN_NOTIFY_WEB_CONFIG_FILE), never serve's flags.
ENTRYPOINT ["node", "/app/bin/open-notify-exporter"]
CMD ["serve"]
