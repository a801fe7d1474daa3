// One uPlot chart's life in a component: drawn into `box` at its width once mounted, resized with
// it, redrawn when `version()` changes, destroyed with the component (TelemetryChart, CsmsTxChart).
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Time on x; power (kW) and energy (kWh) from 0 with 10 % headroom; SoC 0–100 %. */
export const ENERGY_SCALES: uPlot.Scales = {
  x: { time: true },
  kW: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
  kWh: { range: (_u, _min, max) => [0, Math.max(0.1, max * 1.1)] },
  '%': { range: [0, 100] },
};

export function usePlot(box: Ref<HTMLDivElement | null>, height: number, options: Omit<uPlot.Options, 'width' | 'height'>, data: () => uPlot.AlignedData, version: () => number): void {
  let plot: uPlot | null = null;
  let resize: ResizeObserver | null = null;
  onMounted(() => {
    const el = box.value!;
    plot = new uPlot({ legend: { live: false }, cursor: { drag: { x: false, y: false } }, ...options, width: el.clientWidth || 300, height }, data(), el);
    resize = new ResizeObserver(() => plot?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
  });
  watch(version, () => plot?.setData(data()));
  onBeforeUnmount(() => {
    resize?.disconnect();
    plot?.destroy();
  });
}
