// Every query of a dashboard with its panel, for the tests that check them against the contract and Prometheus.
import type { Panel, Target } from '../../src/mixin/dashboard';

export function queries(d: { panels?: unknown }): { panel: Panel; target: Target }[] {
  return (d.panels as Panel[]).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
}
