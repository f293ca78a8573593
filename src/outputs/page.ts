// The landing page of `serve`: where the ISS is on a world map, who is in
// space by craft, and each endpoint's health. Rendered on the server once
// per refresh (never per request) as plain HTML with an inline SVG: no
// JavaScript and no request besides the page itself, so it works offline
// and under a Content-Security-Policy of default-src 'none'.
import { LAND_FILE, MAP_HEIGHT, MAP_WIDTH, project } from './worldMap';

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * What the page shows of one refresh: a view serve builds from the run
 * (modes/serve.ts), so the page names no source. A missing value comes with
 * the reason its endpoint gave nothing.
 */
export interface PageView {
  iss?: { latitude: number; longitude: number; timestamp: number };
  issReason?: string;
  /** wheretheiss.at's position, with --cross-check. */
  reference?: { latitude: number; longitude: number; altitudeKm: number; sunlit?: boolean; errorMeters?: number };
  astros?: { number: number; people: readonly { name: string; craft: string }[] };
  astrosReason?: string;
  /** Every endpoint of the table, in its order. */
  endpoints: readonly { name: string; up: boolean; detail: string; lastSuccess?: number }[];
}

export interface PageInput {
  view: PageView;
  /** Unix seconds of the refresh. */
  now: number;
  /** How often the page reloads itself: the refresh interval. */
  refreshSeconds: number;
  /** --web.telemetry-path, linked from the header. */
  telemetryPath: string;
  version: string;
}

/** Names listed per craft: a real crew is a handful, but --max-people may be raised. The count stays exact, the metrics keep everyone. */
export const MAX_NAMES_PER_CRAFT = 200;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Every name and craft comes from an API: text in HTML, and in attributes, always through this. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

let land: string | undefined;
/**
 * The coastline path, generated at build time (outputs/worldMap.ts) into a
 * file beside the bundle and read on the first render: a one-shot never
 * loads it (npm run bench, startup). tsc's output of this module is two
 * directories below; the release executable carries it as an asset.
 */
function landPath(): string {
  if (land === undefined) {
    const sea = require('node:sea') as typeof import('node:sea');
    if (sea.isSea()) return (land = sea.getAsset(LAND_FILE, 'latin1'));
    const { existsSync, readFileSync } = require('node:fs') as typeof import('node:fs');
    const path = require('node:path') as typeof import('node:path');
    const file = [path.join(__dirname, LAND_FILE), path.join(__dirname, '..', '..', LAND_FILE)].find((f) => existsSync(f));
    land = file ? readFileSync(file, 'latin1') : '';
  }
  return land;
}

function age(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
const deg = (v: number, pos: string, neg: string) => `${Math.abs(v).toFixed(2)}° ${v >= 0 ? pos : neg}`;

function marker(id: string, p: { latitude: number; longitude: number }, label: string): string {
  const { x, y } = project(p.latitude, p.longitude);
  return `<g id="${id}" class="${id}" data-latitude="${p.latitude}" data-longitude="${p.longitude}"><title>${esc(label)}</title><circle class="halo" cx="${x}" cy="${y}" r="6"/><circle class="dot" cx="${x}" cy="${y}" r="2.2"/></g>`;
}

function map({ iss, reference }: PageView): string {
  const grid: string[] = [];
  for (let lon = -150; lon <= 150; lon += 30) grid.push(`M${lon + 180} 0V${MAP_HEIGHT}`);
  for (let lat = -60; lat <= 60; lat += 30) grid.push(`M0 ${90 - lat}H${MAP_WIDTH}`);
  const markers = [
    reference ? marker('reference', reference, `wheretheiss.at: ${reference.latitude}, ${reference.longitude}`) : '',
    iss ? marker('iss', iss, `Open Notify: ${iss.latitude}, ${iss.longitude}`) : '',
  ].join('');
  const label = iss ? `World map with the ISS at ${deg(iss.latitude, 'N', 'S')}, ${deg(iss.longitude, 'E', 'W')}` : 'World map; the ISS position is not known';
  return `<svg viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}" role="img" aria-label="${esc(label)}"><rect class="sea" width="${MAP_WIDTH}" height="${MAP_HEIGHT}"/><path class="grid" d="${grid.join('')}"/><path class="equator" d="M0 90H${MAP_WIDTH}"/><path class="land" d="${landPath()}"/>${markers}</svg>`;
}

function position(p: PageInput): string {
  const { iss, issReason: reason, reference } = p.view;
  if (!iss) return `<p class="missing">No ISS position: iss-now.json gave no valid data in the last refresh${reason ? ` (${esc(reason)})` : ''}. No marker is drawn rather than a wrong one.</p>`;
  const lines = [
    `<p class="where"><strong>${deg(iss.latitude, 'N', 'S')}, ${deg(iss.longitude, 'E', 'W')}</strong> at ${iso(iss.timestamp)}, the API's own timestamp: <span class="age">${age(p.now - iss.timestamp)} old</span> at the last refresh.</p>`,
  ];
  if (reference) {
    const apart = reference.errorMeters === undefined ? '' : `, ${(reference.errorMeters / 1000).toFixed(1)} km from Open Notify's for the same second`;
    lines.push(
      `<p class="reference">wheretheiss.at: ${deg(reference.latitude, 'N', 'S')}, ${deg(reference.longitude, 'E', 'W')}${apart}; ${Math.round(reference.altitudeKm)} km up${reference.sunlit === undefined ? '' : reference.sunlit ? ', in daylight' : ', eclipsed'}.</p>`,
    );
  }
  return lines.join('');
}

function people({ astros, astrosReason: reason }: PageView): string {
  if (!astros) return `<h2>People in space</h2><p class="missing">astros.json gave no valid data in the last refresh${reason ? ` (${esc(reason)})` : ''}.</p>`;
  // Counted for every person, listed for the first MAX_NAMES_PER_CRAFT: one pass, linear in the people.
  const byCraft = new Map<string, { count: number; names: string[] }>();
  for (const person of astros.people) {
    let craft = byCraft.get(person.craft);
    if (!craft) byCraft.set(person.craft, (craft = { count: 0, names: [] }));
    craft.count += 1;
    if (craft.names.length < MAX_NAMES_PER_CRAFT) craft.names.push(person.name);
  }
  const crafts = [...byCraft.entries()]
    // By code point, not localeCompare: ICU's collation data at first use costs +14 ms and +3.0 MiB of RSS on
    // Node 26, +12 ms and +2.9 MiB on Node 20 (31 paired starts each, 2026-12-07), and the order is the same everywhere.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([craft, { count, names }]) => {
      const more = count > names.length ? `<li class="more">… and ${count - names.length} more</li>` : '';
      return `<section class="craft"><h3>${esc(craft || '(no craft given)')} <span class="count">${count}</span></h3><ul>${names.map((n) => `<li>${esc(n || '(no name given)')}</li>`).join('')}${more}</ul></section>`;
    });
  return `<h2>People in space: <span id="people">${astros.number}</span></h2><div class="crafts">${crafts.join('')}</div>`;
}

function health(p: PageInput): string {
  const rows = p.view.endpoints.map((e) => {
    const status = e.up ? '<td class="ok">up</td>' : '<td class="down">down</td>';
    return `<tr><th scope="row">${esc(e.name)}</th>${status}<td>${e.lastSuccess === undefined ? 'never' : `${age(p.now - e.lastSuccess)} ago`}</td><td>${esc(e.detail)}</td></tr>`;
  });
  return `<h2>Endpoints</h2><table><thead><tr><th>endpoint</th><th>state</th><th>last success</th><th>this refresh</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const STYLE = `
body{margin:0;font:15px/1.45 system-ui,sans-serif;background:#0d1117;color:#e6edf3}
main{max-width:1080px;margin:0 auto;padding:1rem 1.25rem 2rem}
header{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:.5rem}
h1{font-size:1.5rem;margin:.25rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}h3{font-size:1rem;margin:0 0 .25rem}
a{color:#79c0ff}svg{display:block;width:100%;height:auto;border-radius:6px}
.sea{fill:#10253f}.land{fill:#2f5d50;stroke:#4f8a76;stroke-width:.15}.grid{stroke:#1d3a5c;stroke-width:.2;fill:none}.equator{stroke:#2a4f7a;stroke-width:.3;fill:none}
.iss .dot{fill:#ff7b39}.iss .halo{fill:none;stroke:#ff7b39;stroke-width:.8}
.reference .dot{fill:#d2a8ff}.reference .halo{fill:none;stroke:#d2a8ff;stroke-width:.6;stroke-dasharray:1.5 1}
.missing{color:#ffa198}.age,.count,.more{color:#8b949e}.crafts{display:flex;flex-wrap:wrap;gap:1rem 2.5rem}
ul{margin:0;padding-left:1.1rem}table{border-collapse:collapse}th,td{text-align:left;padding:.2rem .9rem .2rem 0;vertical-align:top}
.ok{color:#7ee787}.down{color:#ffa198}footer{margin-top:2rem;color:#8b949e;font-size:.85rem}`;

export function renderPage(p: PageInput): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${p.refreshSeconds}"><link rel="icon" href="data:,">
<title>Where is the ISS? · open-notify-exporter</title><style>${STYLE}</style></head>
<body><main>
<header><h1>Where is the ISS?</h1><nav><a href="${esc(p.telemetryPath)}">${esc(p.telemetryPath)}</a> · <a href="/healthz">/healthz</a></nav></header>
<figure>${map(p.view)}</figure>
${position(p)}
${people(p.view)}
${health(p)}
<footer>Refreshed at ${iso(Math.floor(p.now))}, every ${p.refreshSeconds} s; this page reloads itself. Data from the Open Notify API. open-notify-exporter ${esc(p.version)}.</footer>
</main></body></html>
`;
}
