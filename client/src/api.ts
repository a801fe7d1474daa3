import axios, { AxiosError } from 'axios';

const TOKEN_KEY = 'ocpp-sim.token';

/** The access token: from the page URL (`?token=`), kept in sessionStorage for reloads. */
export function accessToken(): string | null {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    try { sessionStorage.setItem(TOKEN_KEY, fromUrl); } catch { /* storage off */ }
    return fromUrl;
  }
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

export const http = axios.create({ baseURL: '', headers: { 'Content-Type': 'application/json' } });

http.interceptors.request.use((config) => {
  const token = accessToken();
  if (token) config.headers.set('Authorization', `Bearer ${token}`);
  return config;
});

/** Path segment, escaped (charge point ids are safe, action names and uniqueIds might not be). */
export const seg = (s: string | number) => encodeURIComponent(String(s));

export interface ApiErrorInfo {
  status: number;       // 0: no answer (network)
  message: string;      // one readable line
  data: Record<string, unknown> | undefined;
}

export function apiError(err: unknown): ApiErrorInfo {
  if (err instanceof AxiosError) {
    const status = err.response?.status ?? 0;
    const data = err.response?.data as Record<string, unknown> | undefined;
    const message = typeof data?.error === 'string'
      ? data.error
      : status ? `HTTP ${status} ${err.response?.statusText ?? ''}`.trim() : `no answer from the server (${err.message})`;
    return { status, message, data: data && typeof data === 'object' ? data : undefined };
  }
  return { status: 0, message: err instanceof Error ? err.message : String(err), data: undefined };
}

/** URL of the TypeDoc API docs, with the token when there is one. */
export function docsUrl(): string {
  const t = accessToken();
  return t ? `/docs?token=${encodeURIComponent(t)}` : '/docs';
}
