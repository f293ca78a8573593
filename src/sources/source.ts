// What a data source is. Every source is a value of this one shape, listed
// in one table (table.ts), as blackbox_exporter's Probers map: collecting,
// the state per endpoint, the registry, the summaries and /healthz loop over
// the table and never name a source. Adding one is a file like astros.ts,
// an entry in the table, its metric specs in contract/metrics.ts, its tests.
import type { FetchConfig } from '../config/config';
import type { Sink } from '../contract/metrics';

/** The valid data of sources that came before in this run (for one that depends on another). */
export interface Earlier {
  data(name: string): unknown;
}

export interface Source<T> {
  /** The `endpoint` label of its series and its name in the log line. */
  readonly name: string;
  /** Collected only with --cross-check (the one opt-in group so far); the others always are. */
  readonly optIn?: boolean;
  /** Sources whose data this one needs before it can ask (collected first). */
  readonly after?: readonly string[];
  url(cfg: FetchConfig, earlier: Earlier): string;
  /**
   * The parsed JSON body, untrusted: its data, or a ValidationError naming
   * the first fault. `warn` is for a fault that costs a series but not the
   * source's data (it reaches the log); `cfg` holds the limits (--max-people).
   */
  validate(json: unknown, nowSeconds: number, earlier: Earlier, warn: (message: string) => void, cfg: FetchConfig): T;
  /** Its data series. Only called with valid data: a failed source has none (no stale values). */
  fill(data: T, sink: Sink): void;
}

/**
 * The table holds sources of different data types; each source only ever
 * sees its own data, which `defineSource` checks when it is written, so the
 * table may forget the type.
 */
export type AnySource = Source<unknown>;
export function defineSource<T>(s: Source<T>): AnySource {
  return s;
}
