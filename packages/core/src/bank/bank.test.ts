import { createBankRepository, type DatabaseHandle, openDatabase } from '@tensornode/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { type CoreContext, silentLogger } from '../context.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { scoreWithHeuristic } from '../scoring/index.ts';
import {
  bankStats,
  ensureStarterBank,
  generateStarterBank,
  importQuestions,
  listBankQuestions,
  pickQuestion,
  promptKey,
  retireQuestion,
} from './index.ts';

let database: DatabaseHandle;
let ctx: CoreContext;

function context(env: Record<string, string> = {}): CoreContext {
  return { db: database.db, config: parseConfig(env), log: silentLogger };
}

beforeEach(() => {
  database = openDatabase({ path: ':memory:' });
  ctx = context();
});
afterEach(() => database.close());

describe('importing questions', () => {
  it('imports the good JSONL lines in one go and names every bad line by its number', () => {
    const file = [
      '{"prompt": "What is 2 + 2?", "truth": "4", "tags": ["arithmetic"]}',
      '{"prompt": "Capital of France?", "truth": "Paris"}',
      'not json at all',
      '{"prompt": "", "truth": "x"}',
      '',
      '{"prompt": "Missing truth"}',
      '{"question": "Tom has 3 boxes of 1,200 nails. How many nails?", "answer": "3 * 1200 = 3600\\n#### 3,600"}',
      '{"question": "No marker here", "answer": "it is 5"}',
      '{"prompt": "what is 2+2", "truth": "4"}',
    ].join('\n');
    const report = importQuestions(ctx, { content: file, fileName: 'mixed.jsonl' });
    expect(report.format).toBe('jsonl');
    expect(report.imported).toBe(3);
    expect(report.duplicates).toBe(1);
    expect(report.errors).toEqual([
      { line: 3, message: 'not valid JSON' },
      { line: 4, message: 'prompt: must not be empty' },
      { line: 6, message: 'truth: is missing' },
      { line: 8, message: 'answer: no final answer after "####"' },
    ]);
    const items = listBankQuestions(ctx, { limit: 10, withTruths: true }).items;
    expect(items.map((q) => [q.truth, q.tags, q.source])).toEqual([
      ['3600', ['gsm8k'], 'mixed.jsonl'],
      ['Paris', [], 'mixed.jsonl'],
      ['4', ['arithmetic'], 'mixed.jsonl'],
    ]);
  });

  it('reads CSV with quoted commas, quotes and newlines, and reports a short row by its line', () => {
    const csv = [
      'prompt,truth,tags',
      '"Sum of 1, 2 and 3?",6,arithmetic;easy',
      '"He said ""hi"".\nHow many words?",2,',
      'only one field',
      'Colour of the sky?,blue,science',
    ].join('\n');
    const report = importQuestions(ctx, { content: csv, fileName: 'q.csv' });
    expect(report).toMatchObject({ format: 'csv', imported: 3, duplicates: 0 });
    // The quoted newline spans lines 3–4, so the short row is line 5 of the file.
    expect(report.errors).toEqual([{ line: 5, message: 'expected 3 fields, found 1' }]);
    const prompts = listBankQuestions(ctx, { limit: 10, withTruths: false }).items;
    expect(prompts.map((q) => q.prompt)).toContain('He said "hi".\nHow many words?');
    expect(prompts.every((q) => q.truth === null)).toBe(true);
    expect(bankStats(ctx).byTag).toEqual(
      expect.arrayContaining([
        { tag: 'arithmetic', active: 1 },
        { tag: 'easy', active: 1 },
      ]),
    );
  });

  it('imports nothing from a file where every line is bad, and refuses an empty one', () => {
    expect(importQuestions(ctx, { content: '{"nope": 1}\n{"prompt": 3}' })).toMatchObject({
      imported: 0,
      errors: [{ line: 1 }, { line: 2 }],
    });
    expect(() => importQuestions(ctx, { content: '  \n' })).toThrow(InvalidInputError);
    expect(importQuestions(ctx, { content: 'a,b\n1,2', format: 'csv' }).errors[0]!.message).toMatch(/header/);
  });
});

describe('the starter bank', () => {
  it('is at least 500 distinct questions, the same every time, each answered right by its own truth', () => {
    const bank = generateStarterBank();
    expect(bank.length).toBeGreaterThanOrEqual(500);
    expect(new Set(bank.map((q) => promptKey(q.prompt))).size).toBe(bank.length);
    expect(generateStarterBank()).toEqual(bank);
    const tags = new Set(bank.flatMap((q) => q.tags));
    for (const tag of ['arithmetic', 'units', 'word-problem']) expect(tags).toContain(tag);
    for (const q of bank.slice(0, 50)) {
      expect(
        scoreWithHeuristic({ question: q.prompt, truth: q.truth, candidate: `The answer is ${q.truth}.` })
          .score,
      ).toBe(100);
    }
  });

  it('loads once on first start; a retired starter question stays retired after a restart', () => {
    expect(ensureStarterBank(ctx)).toBeGreaterThanOrEqual(500);
    const first = listBankQuestions(ctx, { limit: 1, withTruths: false }).items[0]!;
    retireQuestion(ctx, first.id);
    expect(ensureStarterBank(ctx)).toBe(0);
    expect(createBankRepository(ctx.db).findById(first.id)?.retiredAt).not.toBeNull();
    expect(() => retireQuestion(ctx, first.id)).toThrow(NotFoundError);
  });
});

describe('picking', () => {
  it('never repeats a question within the window and covers the whole bank', () => {
    const window = 20;
    ctx = context({ BANK_REPEAT_WINDOW: String(window) });
    const lines = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ prompt: `Question ${i}?`, truth: String(i) }),
    );
    importQuestions(ctx, { content: lines.join('\n') });
    let clock = Date.parse('2026-12-01T00:00:00Z');
    ctx.now = () => {
      clock += 1000;
      return new Date(clock);
    };
    const picked = Array.from({ length: 500 }, () => pickQuestion(ctx).id);
    for (let i = 0; i < picked.length; i++) {
      expect(picked.slice(Math.max(0, i - window), i)).not.toContain(picked[i]);
    }
    // Every question is asked, about equally often (10 each on average), and not in a fixed cycle.
    const counts = createBankRepository(ctx.db)
      .leastRecentlyAsked(50)
      .map((r) => r.timesAsked);
    expect(counts).toHaveLength(50);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...counts)).toBeLessThanOrEqual(15);
    expect(picked.slice(50, 100)).not.toEqual(picked.slice(0, 50));
  });

  it('skips retired questions and says so when none is left', () => {
    importQuestions(ctx, { content: '{"prompt":"A?","truth":"a"}\n{"prompt":"B?","truth":"b"}' });
    const [b, a] = listBankQuestions(ctx, { limit: 2, withTruths: true }).items;
    retireQuestion(ctx, a!.id);
    expect(pickQuestion(ctx).id).toBe(b!.id);
    expect(pickQuestion(ctx).id).toBe(b!.id);
    retireQuestion(ctx, b!.id);
    expect(() => pickQuestion(ctx)).toThrow(/no active questions/);
  });
});
