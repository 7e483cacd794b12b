import { createBankRepository } from '@tensornode/db';
import type { CoreContext } from '../context.ts';
import { InvalidInputError } from '../errors.ts';
import { detectFormat, type ImportFormat, type LineError, parseQuestions } from './parse-questions.ts';
import { promptKey } from './prompt-key.ts';

export interface ImportQuestionsInput {
  content: string;
  format?: ImportFormat;
  /** The file's name: recorded as each question's source and used to tell CSV from JSONL. */
  fileName?: string;
}

export interface ImportReport {
  format: ImportFormat;
  imported: number;
  /** Good lines whose prompt the bank (or an earlier line) already holds. */
  duplicates: number;
  /** Every bad line, by number; the good lines were imported all the same. */
  errors: LineError[];
}

const SOURCE_MAX = 100;

/** Imports a JSONL or CSV question file: good lines in one transaction, bad lines reported by number. */
export function importQuestions(ctx: CoreContext, input: ImportQuestionsInput): ImportReport {
  if (input.content.trim() === '') throw new InvalidInputError('content', 'the file is empty');
  const format = input.format ?? detectFormat(input.content, input.fileName);
  const { questions, errors } = parseQuestions(input.content, format);
  const source = (input.fileName?.trim() || 'import').slice(0, SOURCE_MAX);
  const unique = new Map<string, (typeof questions)[number]>();
  for (const q of questions) {
    const key = promptKey(q.prompt);
    if (key === '') errors.push({ line: q.line, message: 'prompt: has no letters or digits' });
    else if (!unique.has(key)) unique.set(key, q);
  }
  const imported = ctx.db.transaction(
    (tx) =>
      createBankRepository(tx).insertNew(
        [...unique].map(([key, q]) => ({
          prompt: q.prompt,
          promptKey: key,
          truth: q.truth,
          tags: q.tags,
          source,
        })),
      ),
    { behavior: 'immediate' },
  );
  errors.sort((a, b) => a.line - b.line);
  const good = questions.length - errors.filter((e) => questions.some((q) => q.line === e.line)).length;
  ctx.log.info({ format, imported, errors: errors.length, source }, 'questions imported');
  return { format, imported, duplicates: good - imported, errors };
}
