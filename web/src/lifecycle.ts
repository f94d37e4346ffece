// The charts alive on the page, so that a page change disposes them; kept apart from ECharts itself so
// that pages without charts (and the first load) do not need the ECharts chunk.

interface Disposable {
  dispose(): void;
  resize(): void;
}

const live = new Set<{ chart: Disposable; ro: ResizeObserver }>();

/** Charts the browser tests look at, by name (window.__chaindock.charts). */
export const named: Record<string, Disposable> = {};

declare global {
  interface Window {
    __chaindock?: { charts: Record<string, unknown>; getMap: (name: string) => unknown };
  }
}
window.__chaindock = { charts: named, getMap: () => undefined };

export function exposeGetMap(f: (name: string) => unknown): void {
  window.__chaindock!.getMap = f;
}

export function track(chart: Disposable, el: HTMLElement, name?: string): void {
  // A box of no size (hidden, or between two layouts) has nothing to draw in; a graph's view would get a
  // transform that cannot be inverted.
  const ro = new ResizeObserver(() => {
    if (el.clientWidth > 0 && el.clientHeight > 0) chart.resize();
  });
  ro.observe(el);
  live.add({ chart, ro });
  if (name) named[name] = chart;
}

export function disposeChart(chart: Disposable): void {
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
