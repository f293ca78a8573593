// The coastlines of the landing page: Natural Earth's 110m land (public
// domain, from the npm package world-atlas, a devDependency) turned into one
// SVG path at build time. Only the path ships (dist/land-110m.svgpath), not
// the data. Equirectangular: x = longitude + 180,
// y = 90 - latitude, so the page can place the ISS without a projection.

/** The built path's file, beside the bundle in dist/. */
export const LAND_FILE = 'land-110m.svgpath';

export const MAP_WIDTH = 360;
export const MAP_HEIGHT = 180;

export function project(latitude: number, longitude: number): { x: number; y: number } {
  return { x: longitude + 180, y: 90 - latitude };
}

const fmt = (n: number) => String(Math.round(n * 10) / 10);

/**
 * A ring that crosses the antimeridian jumps from 180 to -180 and back,
 * which would draw a band across the whole map (Chukotka, Fiji). Such a
 * ring is made continuous (longitudes past ±180), and drawn again shifted
 * by 360° so the part past the edge shows on the other side; the SVG clips
 * what falls outside. A ring around a pole (Antarctica) jumps once and is
 * left as it is: its edge runs along the bottom of the map.
 */
function unwrapped(points: [number, number][]): [number, number][][] {
  let shift = 0;
  let jumps = 0;
  const out: [number, number][] = points.map(([lon, lat], i) => {
    if (i > 0) {
      const d = lon - points[i - 1][0];
      const step = d > 180 ? -360 : d < -180 ? 360 : 0;
      shift += step;
      if (step !== 0) jumps += 1;
    }
    return [lon + shift, lat];
  });
  if (jumps === 0 || shift !== 0) return [points];
  const lons = out.map(([lon]) => lon);
  const copies = [out];
  if (Math.max(...lons) > 180) copies.push(out.map(([lon, lat]) => [lon - 360, lat]));
  if (Math.min(...lons) < -180) copies.push(out.map(([lon, lat]) => [lon + 360, lat]));
  return copies;
}

/**
 * The land as one SVG path, at a tenth of a degree: at the page's size a
 * pixel is more than that, and the path is 68 KiB (69,445 bytes). Points that round to
 * the one before are dropped. `rings` as GeoJSON gives them: [lon, lat].
 */
export function landPath(rings: readonly [number, number][][]): string {
  const out: string[] = [];
  for (const ring of rings) {
    for (const points of unwrapped(ring)) {
      let last = '';
      const parts: string[] = [];
      for (const [lon, lat] of points) {
        const { x, y } = project(lat, lon);
        const p = `${fmt(x)} ${fmt(y)}`;
        if (p !== last) parts.push(p);
        last = p;
      }
      if (parts.length >= 3) out.push(`M${parts.join('L')}Z`);
    }
  }
  return out.join('');
}

/** Build step (npm run build): world-atlas's TopoJSON decoded by topojson-client, the path written into dist/. */
export function buildLandPath(distDir: string): void {
  const { writeFileSync } = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const { feature } = require('topojson-client') as typeof import('topojson-client');
  const topology = require('world-atlas/land-110m.json') as import('topojson-specification').Topology;
  const land = feature(topology, topology.objects.land) as unknown as GeoJSON.FeatureCollection<GeoJSON.Polygon | GeoJSON.MultiPolygon>;
  const polygons = land.features.flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates));
  writeFileSync(path.join(distDir, LAND_FILE), landPath(polygons.flat() as [number, number][][]));
}
