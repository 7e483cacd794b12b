export {
  type BankPage,
  type BankQuestionView,
  type BankStats,
  bankStats,
  listBankQuestions,
  retireQuestion,
} from './browse.ts';
export { type ImportQuestionsInput, type ImportReport, importQuestions } from './import-questions.ts';
export {
  BANK_PROMPT_MAX,
  BANK_TRUTH_MAX,
  detectFormat,
  gsm8kFinalAnswer,
  type ImportFormat,
  type LineError,
  parseQuestions,
} from './parse-questions.ts';
export { pickQuestion, resolveRoundQuestion, takeQuestion } from './pick-question.ts';
export { promptKey } from './prompt-key.ts';
export { ensureStarterBank, STARTER_BANK_SETTING } from './starter.ts';
export { generateStarterBank, type StarterQuestion } from './starter-bank.ts';
