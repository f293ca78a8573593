// One run: config → fetch → validated data → registry → text → file.
import type { RunConfig } from './config';
import { ExitCode } from './config';
import type { Logger } from './log';
import { buildRegistry, render } from './metrics';
import { collect, ENDPOINT_NAMES } from './openNotify';
import type { PreviousResult } from './previous';
import { EMPTY_PREVIOUS, readPrevious } from './previous';
import { WriteError, writeTextfile } from './textfile';

export interface RunDeps {
  /** Unix time in milliseconds. */
  now(): number;
  log: Logger;
  version: string;
  nodejs: string;
  writeStdout(text: string): Promise<void>;
}

export const STDOUT = '-';

export async function runOnce(cfg: RunConfig, deps: RunDeps): Promise<number> {
  const started = performance.now();
  const toStdout = cfg.output === STDOUT;
  const [prev, collection] = await Promise.all([
    toStdout ? Promise.resolve<PreviousResult>({ previous: EMPTY_PREVIOUS }) : readPrevious(cfg.output),
    collect(cfg.fetch, {
      now: deps.now,
      userAgent: `open-notify-exporter/${deps.version}`,
      debug: (msg, fields) => deps.log.debug(msg, fields),
    }),
  ]);
  if (prev.warning) deps.log.warn(prev.warning);

  const registry = buildRegistry(collection, {
    now: Math.round(deps.now()) / 1000,
    version: deps.version,
    nodejs: deps.nodejs,
    labels: cfg.labels,
    previousLastSuccess: prev.previous.lastSuccess,
  });
  const text = await render(registry);

  const failed = ENDPOINT_NAMES.filter((e) => !collection[e].ok);
  const fields: Record<string, unknown> = {};
  for (const e of ENDPOINT_NAMES) {
    const o = collection[e];
    fields[e] = o.ok ? 'ok' : `error: ${o.reason}`;
  }

  let written = cfg.output;
  try {
    if (toStdout) {
      await deps.writeStdout(text);
    } else {
      const result = await writeTextfile(cfg.output, text);
      written = result.path;
      for (const f of result.swept) deps.log.warn('removed a temp file left by an interrupted run', { file: f });
    }
  } catch (err) {
    const message = err instanceof WriteError ? err.message : `cannot write ${cfg.output}: ${String(err)}`;
    deps.log.error(message, { ...fields, output: cfg.output });
    return ExitCode.writeFailed;
  }

  const summary = {
    outcome: failed.length === 0 ? 'ok' : failed.length === ENDPOINT_NAMES.length ? 'failed' : 'partial',
    ...fields,
    duration: `${((performance.now() - started) / 1000).toFixed(3)}s`,
    output: written,
  };
  if (failed.length === 0) {
    deps.log.info('run finished', summary);
    return ExitCode.ok;
  }
  deps.log.error('run finished with failed endpoints', summary);
  return ExitCode.endpointFailed;
}
