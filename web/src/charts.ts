// ECharts, only the parts the UI uses (keeps the bundle small), and chart lifetimes tied to the page.

import { BarChart, CustomChart, MapChart, PieChart, ScatterChart } from 'echarts/charts';
import {
  GeoComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  CustomChart,
  MapChart,
  PieChart,
  ScatterChart,
  GeoComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  CanvasRenderer,
]);

export { echarts };
export type ECharts = echarts.ECharts;

const FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';

const live = new Set<{ chart: ECharts; ro: ResizeObserver }>();

/** Charts the browser tests look at, by name (window.__chaindock.charts). */
export const named: Record<string, ECharts> = {};

declare global {
  interface Window {
    __chaindock?: { charts: Record<string, ECharts>; getMap: (name: string) => unknown };
  }
}
window.__chaindock = { charts: named, getMap: (n) => echarts.getMap(n) };

/** A chart in `el` that resizes with it; disposed by `disposeCharts` when the page changes. */
export function makeChart(el: HTMLElement, name?: string): ECharts {
  const chart = echarts.init(el, undefined, { renderer: 'canvas' });
  chart.setOption({ textStyle: { fontFamily: FONT } });
  const ro = new ResizeObserver(() => chart.resize());
  ro.observe(el);
  live.add({ chart, ro });
  if (name) named[name] = chart;
  return chart;
}

export function disposeChart(chart: ECharts): void {
  for (const x of live) {
    if (x.chart !== chart) continue;
    x.ro.disconnect();
    live.delete(x);
  }
  for (const [k, v] of Object.entries(named)) if (v === chart) delete named[k];
  chart.dispose();
}

export function disposeCharts(): void {
  for (const { chart, ro } of live) {
    ro.disconnect();
    chart.dispose();
  }
  live.clear();
  for (const k of Object.keys(named)) delete named[k];
}

export const STATUS_COLOR: Record<string, string> = {
  breakpoint: '#d93026',
  bottleneck: '#f08c00',
  chokepoint: '#7b3fbf',
  healthy: '#2e9d5b',
  not_needed: '#a4abb6',
};

export const PALETTE = {
  primary: '#1f5fbf',
  primaryLight: '#e8f0fc',
  inScope: '#1f5fbf',
  outScope: '#b8c4d6',
  leading: '#d4380d',
  specialised: '#13a8a8',
  other: '#5b7fb5',
};
