export * from './canonical-json.ts';
export * from './commitment.ts';
export * from './copy-groups.ts';
export * from './merkle.ts';
export * from './prove-score.ts';
export * from './reveal.ts';
export * from './score-tree.ts';
export * from './validator-key.ts';
