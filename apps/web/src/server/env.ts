import 'server-only';

/** The only place the dashboard reads `process.env`; read per request so `next start` picks it up. */
export function apiUrl(): string {
  return (process.env.TENSORNODE_API_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
}
