export * from './merkle.ts';
export * from './score-tree.ts';
