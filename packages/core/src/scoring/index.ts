export type { HeuristicInput, HeuristicScore } from './heuristic.ts';
export { scoreHeuristic } from './heuristic.ts';
export type { JudgeLane } from './judge-slots.ts';
export type { Judge, JudgeInput, LlmJudgeOptions } from './llm-judge.ts';
export { createLlmJudge, judgeFromConfig, parseJudgeScore } from './llm-judge.ts';
export * from './schemas.ts';
export type { ScoreAnswerInput, ScoreResult, ScoringContext } from './score-answer.ts';
export { scoreAnswer, scoreWithHeuristic, usesJudge } from './score-answer.ts';
