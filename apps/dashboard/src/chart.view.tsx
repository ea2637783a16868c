import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Marker, MarkerKind } from './job-series';

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly number[];
  readonly color: string;
}

interface ChartProps {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly markers?: readonly Marker[];
}

export const MARKER_COLORS: Readonly<Record<MarkerKind, string>> = {
  join: '#2e7d32',
  leave: '#ef6c00',
  failure: '#c62828',
  change: '#6a1b9a',
  checkpoint: '#1565c0',
};

/** Draws each marker as a labelled vertical line over the plot area. */
function markerPlugin(markers: () => readonly Marker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        const { top, height, left, width } = u.bbox;
        ctx.save();
        ctx.font = `${String(Math.round(10 * devicePixelRatio))}px sans-serif`;
        for (const m of markers()) {
          const px = u.valToPos(m.x, 'x', true);
          if (px < left || px > left + width) continue;
          ctx.strokeStyle = MARKER_COLORS[m.kind];
          ctx.fillStyle = MARKER_COLORS[m.kind];
          ctx.setLineDash(m.kind === 'checkpoint' ? [4, 4] : []);
          ctx.beginPath();
          ctx.moveTo(px, top);
          ctx.lineTo(px, top + height);
          ctx.stroke();
          ctx.fillText(m.label, px + 3, top + 12 * devicePixelRatio);
        }
        ctx.restore();
      },
    },
  };
}

/**
 * A uPlot line chart sized to its container. `data-points` on the wrapper counts the drawn x values,
 * which is what the browser tests watch grow.
 */
export function Chart({ id, title, xLabel, x, series, markers = [] }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const markerRef = useRef<readonly Marker[]>(markers);
  markerRef.current = markers;
  const data = [x.slice(), ...series.map((s) => s.values.slice())] as uPlot.AlignedData;

  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 200,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, {}],
      series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.color }))],
      plugins: [markerPlugin(() => markerRef.current)],
      legend: { live: false },
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const resize = new ResizeObserver(() => {
      u.setSize({ width: Math.max(200, el.clientWidth), height: 200 });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // built once: data and markers flow in through setData and markerRef
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart" id={id} data-points={x.length}>
      <figcaption>{title}</figcaption>
      <div ref={host} />
    </figure>
  );
}
