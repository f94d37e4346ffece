// Where each link of a chain goes in the panorama: segments left to right (upstream | midstream |
// downstream), inside a segment one column per BOM depth, and inside a column an order that keeps the
// arrows short (a few barycentre sweeps, as in Sugiyama-style layered drawing).

import type { Chain, Segment } from './types';

export const SEGMENTS: Segment[] = ['upstream', 'midstream', 'downstream'];

export interface Placed {
  id: string;
  col: number;
  /** Position in the column, centred on 0 (…, −1, 0, 1, … or halves). */
  y: number;
}

export interface ChainLayout {
  nodes: Map<string, Placed>;
  cols: number;
  /** Columns [from, to] of each segment that has links. */
  bands: { segment: Segment; from: number; to: number }[];
  /** Most links in one column. */
  rows: number;
}

export function layoutChain(chain: Chain): ChainLayout {
  const seg = new Map(chain.links.map((l) => [l.id, SEGMENTS.indexOf(l.segment)]));
  const inputs = new Map<string, string[]>(chain.links.map((l) => [l.id, []]));
  const outputs = new Map<string, string[]>(chain.links.map((l) => [l.id, []]));
  for (const e of chain.bom) {
    if (!inputs.has(e.output) || !outputs.has(e.input)) continue;
    inputs.get(e.output)!.push(e.input);
    outputs.get(e.input)!.push(e.output);
  }

  // Depth inside the segment: the longest chain of same-segment inputs (memoised; the BOM is a DAG,
  // `visiting` guards against a malformed one).
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const i of inputs.get(id) ?? []) if (seg.get(i) === seg.get(id)) d = Math.max(d, depthOf(i) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const levels = SEGMENTS.map(() => 0);
  for (const l of chain.links) {
    const s = seg.get(l.id)!;
    levels[s] = Math.max(levels[s], depthOf(l.id) + 1);
  }
  const offset: number[] = [];
  const bands: ChainLayout['bands'] = [];
  let c = 0;
  SEGMENTS.forEach((s, i) => {
    offset[i] = c;
    if (levels[i] > 0) {
      bands.push({ segment: s, from: c, to: c + levels[i] - 1 });
      c += levels[i];
    }
  });
  const cols = Math.max(c, 1);

  const columns: string[][] = Array.from({ length: cols }, () => []);
  const colOf = new Map<string, number>();
  for (const l of chain.links) {
    const col = offset[seg.get(l.id)!] + depth.get(l.id)!;
    columns[col].push(l.id);
    colOf.set(l.id, col);
  }

  const pos = new Map<string, number>();
  const setPos = () => columns.forEach((ids) => ids.forEach((id, i) => pos.set(id, i - (ids.length - 1) / 2)));
  setPos();
  const sweep = (order: number[], neighbours: Map<string, string[]>) => {
    for (const ci of order) {
      const ids = columns[ci];
      const key = new Map<string, number>();
      for (const id of ids) {
        const ns = (neighbours.get(id) ?? []).filter((n) => colOf.get(n) !== ci);
        key.set(id, ns.length ? ns.reduce((a, n) => a + pos.get(n)!, 0) / ns.length : pos.get(id)!);
      }
      ids.sort((a, b) => key.get(a)! - key.get(b)!);
      ids.forEach((id, i) => pos.set(id, i - (ids.length - 1) / 2));
    }
  };
  const ltr = [...Array(cols).keys()];
  const rtl = [...ltr].reverse();
  for (let k = 0; k < 4; k++) {
    sweep(ltr.slice(1), inputs);
    sweep(rtl.slice(1), outputs);
  }

  const nodes = new Map<string, Placed>();
  for (const l of chain.links) nodes.set(l.id, { id: l.id, col: colOf.get(l.id)!, y: pos.get(l.id)! });
  return { nodes, cols, bands, rows: Math.max(1, ...columns.map((x) => x.length)) };
}
