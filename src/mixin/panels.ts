// The Grafana panel shapes the dashboard (dashboard.ts) is made of: its
// panel and target types, narrowed from Grafana's own published schema, and
// the options each kind of panel repeats.
import type { Panel as GrafanaPanel } from '@grafana/schema';

export const DS = { type: 'prometheus', uid: '${datasource}' };

// A type, not an interface: Grafana's targets are Record<string, unknown>, which only a type alias satisfies.
export type Target = {
  refId: string;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  format?: 'time_series' | 'table';
}

/**
 * A panel as dashboard.ts writes it: Grafana's own published type
 * (@grafana/schema, a devDependency: types only, nothing at run time), with
 * the fields we always set made required and our Prometheus targets.
 */
export type PanelSpec = Omit<GrafanaPanel, 'id' | 'datasource' | 'targets'> & {
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  /** Row panels only. */
  collapsed?: boolean;
  panels?: [];
};

export type Panel = Omit<PanelSpec, 'targets'> & {
  id: number;
  datasource?: typeof DS;
  targets?: (Target & { datasource: typeof DS })[];
};

/** A time series panel's unit and options. */
export const ts = (unit: string, extra: Record<string, unknown> = {}) => ({
  fieldConfig: { defaults: { unit, ...extra }, overrides: [] },
  options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
});

/** A stat panel's unit and options: the last value. */
export const stat = (unit: string, extra: Record<string, unknown> = {}) => ({
  fieldConfig: { defaults: { unit, ...extra }, overrides: [] },
  options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'auto', justifyMode: 'auto', orientation: 'auto' },
});

/** A Geomap marker layer placed by two fields of the joined frame. */
export const marker = (name: string, lat: string, lon: string, color: string, size: number) => ({
  type: 'markers',
  name,
  config: { showLegend: true, style: { color: { fixed: color }, opacity: 0.8, size: { fixed: size }, symbol: { fixed: 'img/icons/marker/circle.svg', mode: 'fixed' } } },
  location: { mode: 'coords', latitude: lat, longitude: lon },
  tooltip: true,
});
