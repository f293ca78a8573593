// The web config while serve runs: read again when its files change (a
// rotated certificate is on the next connection) or on SIGHUP; a read that
// fails keeps the last valid config serving, as Prometheus keeps its last
// good configuration.
import { statSync } from 'node:fs';
import type { Logger } from '../lib/log';
import { loadWebConfig, WebConfigError, type WebConfig } from './webConfig';

/** How often the files are checked for a change: a new certificate is served within about this. */
const WATCH_MS = 1000;

export interface WebStatus {
  /** Whether the last read (at start, after a change or on SIGHUP) was valid. */
  ok: boolean;
  /** Unix seconds of the last valid read. */
  lastSuccess: number;
}

export interface LiveWebConfig {
  current(): WebConfig;
  status(): WebStatus;
  /** Reads the files again now, changed or not; logs one line either way. */
  reload(): Promise<void>;
  /** Called with each new valid config. */
  onReload(fn: (next: WebConfig) => void): void;
  close(): void;
}

/** What the watched files look like now (mode and owner included: a chown can make a key readable). */
function signature(files: readonly string[]): string {
  return files
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.mode}:${st.uid}:${st.gid}`;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code ?? 'error';
      }
    })
    .join('|');
}

/** Reads the file (throws a WebConfigError) and keeps it current. */
export async function watchWebConfig(file: string, log: Logger): Promise<LiveWebConfig> {
  let files: string[] = [];
  let config = await loadWebConfig(file, files);
  for (const w of config.warnings) log.warn(w);
  let status: WebStatus = { ok: true, lastSuccess: Date.now() / 1000 };
  let seen = signature(files);
  let reading: Promise<void> | undefined;
  const listeners: ((next: WebConfig) => void)[] = [];

  const read = async (): Promise<void> => {
    const tried: string[] = [];
    try {
      const next = await loadWebConfig(config.path, tried);
      if (Boolean(next.tls) !== Boolean(config.tls)) throw new WebConfigError(`web config ${next.path}: tls_server_config: ${next.tls ? 'added' : 'removed'} while serving; restart serve to change between HTTP and HTTPS`);
      if (next.tls && config.tls && next.tls.clientAuth !== config.tls.clientAuth) throw new WebConfigError(`web config ${next.path}: tls_server_config.client_auth_type: changed while serving; restart serve to change it`);
      for (const fn of listeners) fn(next);
      config = next;
      status = { ok: true, lastSuccess: Date.now() / 1000 };
      for (const w of next.warnings) log.warn(w);
      log.info('web config reloaded', { file: config.path });
    } catch (err) {
      status = { ...status, ok: false };
      log.error(`${(err as Error).message}; still serving with the last valid web config`);
    } finally {
      // Watch what the new config names, valid or not, so a file that appears or becomes readable is seen.
      files = tried;
      seen = signature(files);
    }
  };
  const reload = (): Promise<void> => (reading ??= read().finally(() => (reading = undefined)));

  const timer = setInterval(() => {
    if (!reading && signature(files) !== seen) void reload();
  }, WATCH_MS);
  timer.unref();

  return {
    current: () => config,
    status: () => status,
    reload,
    onReload: (fn) => void listeners.push(fn),
    close: () => clearInterval(timer),
  };
}
