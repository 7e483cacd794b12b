import { runApi } from './run.ts';

await runApi();
