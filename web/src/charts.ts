// ECharts, only the parts the UI uses (keeps the bundle small), and chart lifetimes tied to the page.

import { BarChart, CustomChart, EffectScatterChart, GraphChart, LinesChart, MapChart, PieChart, ScatterChart } from 'echarts/charts';
import {
  GeoComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { exposeGetMap, track } from './lifecycle';

echarts.use([
  BarChart,
  CustomChart,
  EffectScatterChart,
  GraphChart,
  LinesChart,
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
export { disposeChart } from './lifecycle';
export type ECharts = echarts.ECharts;

const FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';

/** A chart in `el` that resizes with it; disposed by `disposeCharts` when the page changes. */
export function makeChart(el: HTMLElement, name?: string): ECharts {
  const chart = echarts.init(el, undefined, { renderer: 'canvas' });
  chart.setOption({ textStyle: { fontFamily: FONT } });
  track(chart, el, name);
  return chart;
}

exposeGetMap((n) => echarts.getMap(n));

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
