// The weekly insights chart: mistakes reported against customers recovered per week (bars), and
// the median time to apologize (a line, right axis), over the last twelve weeks. Drawn as a
// Vega-Lite spec, compiled to Vega, rendered to SVG by Vega's headless View, and rasterized to
// PNG by resvg: all in this process, from npm packages alone (no browser, no canvas library).

import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { WeekPoint } from '../../domain/insights';
import { dateTimeFormat } from '../../domain/time';

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;
/** The PNG is drawn at twice the chart's size, so it stays sharp on high-density screens. */
export const CHART_SCALE = 2;

const REPORTED = 'Mistakes reported';
const RECOVERED = 'Customers recovered';

function weekLabel(start: Date, timeZone: string): string {
  return dateTimeFormat(timeZone, { day: 'numeric', month: 'short' }).format(start);
}

/** The chart as a Vega-Lite spec (data inline): pure, for tests and for the renderer. */
export function chartSpec(weeks: WeekPoint[], timeZone: string): vl.TopLevelSpec {
  const bars = weeks.flatMap((w) => {
    const week = weekLabel(w.start, timeZone);
    return [
      { week, series: REPORTED, count: w.reported },
      { week, series: RECOVERED, count: w.recovered },
    ];
  });
  const line = weeks.map((w) => ({
    week: weekLabel(w.start, timeZone),
    hours: w.medianToApologizeMs === null ? null : Math.round((w.medianToApologizeMs / 3_600_000) * 100) / 100,
  }));
  const order = weeks.map((w) => weekLabel(w.start, timeZone));
  // Counts are whole: ticks at whole steps (at most six), whatever the counts.
  const most = Math.max(1, ...weeks.flatMap((w) => [w.reported, w.recovered]));
  const step = Math.ceil(most / 5);
  const countTicks = Array.from({ length: Math.ceil(most / step) + 1 }, (_, i) => i * step);
  const x = { field: 'week', type: 'ordinal', sort: order, title: 'Week starting', axis: { labelAngle: 0 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    padding: 12,
    title: { text: 'Mistakes reported vs. customers recovered, per week', anchor: 'start', fontSize: 16 },
    config: { font: 'DejaVu Sans, Arial, Helvetica, sans-serif', legend: { orient: 'top', title: null } },
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset: { field: 'series', sort: [REPORTED, RECOVERED] },
          y: {
            field: 'count',
            type: 'quantitative',
            title: 'Mistakes / customers',
            scale: { domain: [0, countTicks[countTicks.length - 1]!] },
            axis: { values: countTicks, format: 'd' },
          },
          color: { field: 'series', type: 'nominal', sort: [REPORTED, RECOVERED], scale: { range: ['#e45756', '#54a24b'] } },
        },
      },
      {
        data: { values: line },
        mark: { type: 'line', point: true, color: '#4c78a8', strokeWidth: 2 },
        encoding: {
          x,
          y: {
            field: 'hours',
            type: 'quantitative',
            title: 'Median time to apologize (hours)',
            scale: { zero: true },
            axis: { titleColor: '#4c78a8', orient: 'right', format: '~r', tickCount: 5 },
          },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  } as vl.TopLevelSpec;
}

/** The chart as SVG text (Vega's headless renderer). */
export async function chartSvg(weeks: WeekPoint[], timeZone: string): Promise<string> {
  const { spec } = vl.compile(chartSpec(weeks, timeZone));
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a PNG (resvg rasterizes Vega's SVG with the system's fonts). */
export async function chartPng(weeks: WeekPoint[], timeZone: string): Promise<Buffer> {
  const svg = await chartSvg(weeks, timeZone);
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: CHART_SCALE },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
