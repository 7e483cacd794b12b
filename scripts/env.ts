/**
 * The only place `pnpm start` reads `process.env`: the settings it needs (the API's names and
 * defaults) and the environment its two children inherit.
 */
export const inheritedEnv: NodeJS.ProcessEnv = process.env;

const { HOST, PORT, WEB_PORT, DATA_DIR, TENSORNODE_API_URL } = process.env;
export const host = HOST ?? '127.0.0.1';
export const apiPort = PORT ?? '8000';
export const webPort = WEB_PORT ?? '3001';
// The API runs in packages/api; a relative DATA_DIR means the repository root's, as the README says.
export const dataDir = DATA_DIR ?? 'data';
export const apiUrl = TENSORNODE_API_URL ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${apiPort}`;
