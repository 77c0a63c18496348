import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

interface LiveChartProps {
  title: string;
  data: [number[], (number | null)[]];
  height?: number;
}

/** A small uPlot line chart that follows its container's width and redraws in place when data changes. */
export function LiveChart({ title, data, height = 120 }: LiveChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const chart = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height,
        legend: { show: false },
        cursor: { y: false },
        scales: { x: { time: true } },
        axes: [
          { stroke: '#525b67', grid: { stroke: '#eceff3' }, ticks: { show: false } },
          { stroke: '#525b67', grid: { stroke: '#eceff3' }, size: 48 },
        ],
        series: [{}, { label: title, stroke: '#1f4e8c', width: 2, fill: 'rgba(31, 78, 140, 0.08)', spanGaps: true }],
      },
      data,
      element,
    );
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The chart is created once; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [title, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={container} role="img" aria-label={`${title}: chart of the last few minutes`} />;
}
