// The one table of data sources, in the order their series are written and
// their results logged. Open Notify's two endpoints are two entries.
import type { FetchConfig } from '../config/config';
import { astros } from './astros';
import { crew } from './crew';
import { issNow } from './issNow';
import type { AnySource } from './source';
import { wheretheiss } from './wheretheiss';

export const SOURCES: readonly AnySource[] = [astros, issNow, wheretheiss, crew];

/** The sources a run with this configuration collects. */
export function enabledSources(cfg: FetchConfig): AnySource[] {
  return SOURCES.filter((s) => !s.optIn || cfg.crossCheck !== undefined);
}
