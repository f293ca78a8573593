// `serve`: /metrics over HTTP on :8899, fetched in the background on
// --refresh and cached between refreshes.
import type { Registry } from 'prom-client';
import type { ServeConfig } from '../config/config';
import { ExitCode } from '../config/config';
import { renderOwnSeries } from '../contract/registry';
import type { RunState } from '../contract/state';
import { gzipSync } from 'node:zlib';
import { ListenError, startMetricsServer, type MetricsServer } from '../outputs/metricsServer';
import { renderPage, type PageView } from '../outputs/page';
import { astros, astrosOf } from '../sources/astros';
import { earlierOf, type Collection } from '../sources/collect';
import { issNow, issNowOf } from '../sources/issNow';
import type { AnySource } from '../sources/source';
import { enabledSources } from '../sources/table';
import { wheretheissOf } from '../sources/wheretheiss';
import { runLoop } from './loop';
import { finish, loadState, produce, summarize, type Memory, type RunDeps } from './pipeline';

/** The landing page's view of a refresh: each source's valid data, or why it gave none; every endpoint's health. */
export function pageView(c: Collection, state: RunState): PageView {
  const earlier = earlierOf(c.results);
  const reason = (source: AnySource) => {
    const o = c.results.find((r) => r.source === source)?.outcome;
    return o && !o.ok ? o.reason : undefined;
  };
  return {
    iss: issNowOf(earlier),
    issReason: reason(issNow),
    reference: wheretheissOf(earlier),
    astros: astrosOf(earlier),
    astrosReason: reason(astros),
    endpoints: c.results.map(({ source, outcome }) => ({
      name: source.name,
      up: outcome.ok,
      detail: outcome.ok ? `${outcome.durationSeconds.toFixed(3)} s` : outcome.reason,
      lastSuccess: state.lastSuccess[source.name],
    })),
  };
}

export async function runServe(cfg: ServeConfig, deps: RunDeps): Promise<number> {
  const log = deps.log;
  const memory: Memory = {};
  const endpoints = enabledSources(cfg.fetch).map((s) => s.name);

  let processRegistry: Registry | undefined;
  if (cfg.processMetrics) {
    // Only with --process-metrics: prom-client's default collectors (an event-loop delay histogram, a GC observer) run only where asked for.
    const RegistryClass = require('prom-client/lib/registry') as typeof Registry;
    const collectDefaultMetrics = require('prom-client/lib/defaultMetrics') as typeof import('prom-client').collectDefaultMetrics;
    processRegistry = new RegistryClass();
    processRegistry.setDefaultLabels(cfg.labels);
    collectDefaultMetrics({ register: processRegistry });
    // Gauges named *_total (the sums of the per-type families beside them): promtool flags a
    // non-counter with that suffix, and the output must pass it silently.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) processRegistry.removeSingleMetric(name);
  }

  let web: import('../outputs/webReload').LiveWebConfig | undefined;
  if (cfg.webConfigFile) {
    const { watchWebConfig } = require('../outputs/webReload') as typeof import('../outputs/webReload');
    const { WebConfigError } = require('../outputs/webConfig') as typeof import('../outputs/webConfig');
    try {
      web = await watchWebConfig(cfg.webConfigFile, log);
    } catch (err) {
      if (!(err instanceof WebConfigError)) throw err;
      log.error(err.message);
      return ExitCode.usage;
    }
  }
  const tls = web?.current().tls !== undefined;

  let server: MetricsServer;
  try {
    server = await startMetricsServer(cfg.listen, log, {
      maxConnections: cfg.maxConnections,
      telemetryPath: cfg.telemetryPath,
      processRegistry,
      renderOwn: (own) => renderOwnSeries(own, cfg.labels, tls),
      webConfig: web,
    });
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    log.error(err.message);
    return ExitCode.usage;
  }
  log.info('serving metrics', { listen: server.address, path: cfg.telemetryPath, ...(web ? { tls, basic_auth: web.current().users.size > 0, web_config: web.current().path } : {}), refresh: 'cron' in cfg.refresh ? cfg.refresh.cron : `${cfg.refresh.everyMs / 1000}s`, version: deps.version });
  if ('everyMs' in cfg.refresh && cfg.refresh.everyMs < 5000) {
    log.warn('refresh is faster than the API asks for (at most one request every 5 s)');
  }

  // The page reloads itself at the refresh interval; for a cron refresh, every minute.
  const refreshSeconds = 'everyMs' in cfg.refresh ? Math.max(1, Math.round(cfg.refresh.everyMs / 1000)) : 60;

  // Exporters log nothing per scrape, and a refresh every 15 s is no news: it is a debug line,
  // and info (or error) only for the first and when an endpoint starts failing or recovers.
  let failedBefore: string | undefined;
  const refresh = async (signal: AbortSignal): Promise<void> => {
    const started = performance.now();
    const prev = await loadState(memory, log, endpoints);
    const p = await produce(cfg, { ...deps, signal }, prev);
    const summary = summarize(p.collection);
    if (signal.aborted) {
      log.warn('stopping: aborted the refresh in flight; /metrics kept the last complete refresh until the end', summary.fields);
      return;
    }
    memory.state = p.state;
    const page = renderPage({ view: pageView(p.collection, p.state), now: deps.now() / 1000, refreshSeconds, telemetryPath: cfg.telemetryPath, version: deps.version });
    const pageGzip = gzipSync(page);
    await server.publish({
      text: p.text,
      page,
      pageGzip,
      // Healthy while at least one endpoint gave valid data.
      healthy: summary.failed.length < p.collection.results.length,
      reasons: summary.failed.map((e) => `${e}: ${summary.fields[e]}`).join('; '),
    });
    const failedNow = summary.failed.join(',');
    finish(log, summary, started, { ok: 'refresh finished', failed: 'refresh finished with failed endpoints' }, {}, failedNow === failedBefore);
    failedBefore = failedNow;
  };

  return runLoop(cfg.refresh, refresh, {
    log,
    runOnStart: true,
    memory,
    job: 'refresh',
    onStop: () => server.close(),
    onReload: () => (web ? web.reload() : log.info('received SIGHUP: no --web.config.file to reload; going on')),
  });
}
