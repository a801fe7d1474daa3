import { computed, ref, watch, type Ref } from 'vue';
import { http, seg, apiError } from './api';
import { useSim } from './stores/sim';

/**
 * The settings of a charge point (1.6 configuration keys, 2.0.1 device model), loaded when the tab
 * is shown, when the charge point appears, and again after the CSMS changed them (our answer to
 * `changedBy`: ChangeConfiguration, SetVariables).
 */
export function useSettings<T>(cpId: () => string, active: () => boolean, route: string, changedBy: string, pick: (data: unknown) => T[]) {
  const sim = useSim();
  const items = ref<T[]>([]) as Ref<T[]>;
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const exists = computed(() => !!sim.entries[cpId()]?.summary);

  async function load(): Promise<void> {
    if (!exists.value) return;
    loading.value = true;
    try {
      const { data } = await http.get(`/api/chargepoints/${seg(cpId())}/${route}`);
      items.value = pick(data);
      loadError.value = null;
    } catch (err) {
      loadError.value = apiError(err).message;
    } finally {
      loading.value = false;
    }
  }

  watch(() => [active(), exists.value] as const, ([a, has]) => { if (a && has) void load(); }, { immediate: true });
  const lastChange = computed(() => {
    const fr = sim.entries[cpId()]?.frames ?? [];
    for (let i = fr.length - 1; i >= 0 && i >= fr.length - 50; i--) {
      const f = fr[i];
      if (f.direction === 'out' && f.messageType === 3 && f.action === changedBy) return f.seq;
    }
    return 0;
  });
  watch(lastChange, (v) => { if (v && active()) void load(); });
  return { items, loading, loadError, load };
}
