// The coastlines of the landing page: Natural Earth's 110m land (public
// domain, from the npm package world-atlas, a devDependency) turned into one
// SVG path at build time. Only the path ships (dist/land-110m.svgpath), not
// the data. Equirectangular: x = longitude + 180,
// y = 90 - latitude, so the page can place the ISS without a projection.

/** The parts of a TopoJSON topology that world-atlas's land file uses. */
interface Topology {
  transform: { scale: [number, number]; translate: [number, number] };
  arcs: [number, number][][];
  objects: { land: { geometries: { type: string; arcs: number[][][] | number[][] }[] } };
}

/** The built path's file, beside the bundle in dist/. */
export const LAND_FILE = 'land-110m.svgpath';

export const MAP_WIDTH = 360;
export const MAP_HEIGHT = 180;

export function project(latitude: number, longitude: number): { x: number; y: number } {
  return { x: longitude + 180, y: 90 - latitude };
}

/** Arc i as absolute [lon, lat] points: TopoJSON stores quantized deltas. */
function decodeArc(t: Topology, i: number): [number, number][] {
  const [sx, sy] = t.transform.scale;
  const [tx, ty] = t.transform.translate;
  let x = 0;
  let y = 0;
  return t.arcs[i].map(([dx, dy]) => {
    x += dx;
    y += dy;
    return [x * sx + tx, y * sy + ty];
  });
}

/** A ring from arc indexes; ~i is arc i reversed; consecutive arcs share an end point. */
function ring(t: Topology, indexes: number[]): [number, number][] {
  const points: [number, number][] = [];
  for (const i of indexes) {
    const arc = i >= 0 ? decodeArc(t, i) : decodeArc(t, ~i).reverse();
    points.push(...(points.length > 0 ? arc.slice(1) : arc));
  }
  return points;
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
 * pixel is more than that, and the path stays ~55 KB. Points that round to
 * the one before are dropped.
 */
export function landPath(t: Topology): string {
  const out: string[] = [];
  for (const g of t.objects.land.geometries) {
    const polygons = (g.type === 'Polygon' ? [g.arcs] : g.arcs) as number[][][];
    for (const polygon of polygons) {
      for (const r of polygon) {
        for (const points of unwrapped(ring(t, r))) {
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
    }
  }
  return out.join('');
}

/** Build step (npm run build): writes the path into dist/. */
export function buildLandPath(distDir: string): void {
  const { writeFileSync } = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const topology = require('world-atlas/land-110m.json') as Topology;
  writeFileSync(path.join(distDir, LAND_FILE), landPath(topology));
}
