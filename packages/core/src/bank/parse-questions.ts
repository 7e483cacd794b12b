import { z } from 'zod';

export const BANK_PROMPT_MAX = 20_000;
export const BANK_TRUTH_MAX = 10_000;
const MAX_TAGS = 10;

/** One question as a file gives it, before deduplication. */
export interface ParsedQuestion {
  line: number;
  prompt: string;
  truth: string;
  tags: string[];
}

export interface LineError {
  line: number;
  message: string;
}

export type ImportFormat = 'jsonl' | 'csv';

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.-]{0,39}$/u, 'a tag is 1–40 letters, digits, spaces, _ . -');
const tagsField = z
  .union([z.array(tag), z.string().transform((s) => splitTags(s))])
  .pipe(z.array(tag).max(MAX_TAGS, `at most ${MAX_TAGS} tags`))
  .optional();
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

const promptTruthLine = z.object({
  prompt: text(BANK_PROMPT_MAX),
  truth: text(BANK_TRUTH_MAX),
  tags: tagsField,
});
/** GSM8K: the worked solution ends with `#### <final answer>`; only that answer is the truth. */
const gsm8kLine = z.object({ question: text(BANK_PROMPT_MAX), answer: z.string(), tags: tagsField });

function splitTags(s: string): string[] {
  return s
    .split(/[;|,]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** The final answer after GSM8K's `####` marker, thousands separators dropped. */
export function gsm8kFinalAnswer(answer: string): string | null {
  const match = /####\s*(.+?)\s*$/s.exec(answer);
  if (!match) return null;
  const final = match[1]!.replace(/(\d),(?=\d{3}\b)/g, '$1').trim();
  return final === '' ? null : final;
}

function fromRecord(record: unknown, line: number): ParsedQuestion | LineError {
  if (record && typeof record === 'object' && 'question' in record && !('prompt' in record)) {
    const parsed = gsm8kLine.safeParse(record);
    if (!parsed.success) return { line, message: issueText(parsed.error) };
    const truth = gsm8kFinalAnswer(parsed.data.answer);
    if (!truth) return { line, message: 'answer: no final answer after "####"' };
    return { line, prompt: parsed.data.question, truth, tags: parsed.data.tags ?? ['gsm8k'] };
  }
  const parsed = promptTruthLine.safeParse(record);
  if (!parsed.success) return { line, message: issueText(parsed.error) };
  return { line, prompt: parsed.data.prompt, truth: parsed.data.truth, tags: parsed.data.tags ?? [] };
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const field = issue.path.join('.');
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${field}: is missing`;
  return field ? `${field}: ${issue.message}` : issue.message;
}

/** Guesses the format from the file name, else from the first character (`{` is JSON Lines). */
export function detectFormat(content: string, fileName?: string): ImportFormat {
  if (fileName && /\.csv$/i.test(fileName)) return 'csv';
  if (fileName && /\.jsonl?$/i.test(fileName)) return 'jsonl';
  return content.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/**
 * Reads a JSONL or CSV question file. Every line is kept or reported by its 1-based number, so one
 * bad line never hides the rest.
 */
export function parseQuestions(
  content: string,
  format: ImportFormat,
): { questions: ParsedQuestion[]; errors: LineError[] } {
  const questions: ParsedQuestion[] = [];
  const errors: LineError[] = [];
  const keep = (r: ParsedQuestion | LineError) => ('message' in r ? errors.push(r) : questions.push(r));
  if (format === 'jsonl') {
    content.split(/\r?\n/).forEach((raw, i) => {
      if (raw.trim() === '') return;
      let record: unknown;
      try {
        record = JSON.parse(raw);
      } catch {
        errors.push({ line: i + 1, message: 'not valid JSON' });
        return;
      }
      keep(fromRecord(record, i + 1));
    });
    return { questions, errors };
  }
  const rows = csvRows(content);
  const header = rows.shift();
  if (!header) return { questions, errors: [{ line: 1, message: 'empty file' }] };
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const known = ['prompt', 'truth', 'tags', 'question', 'answer'];
  const hasPrompt = columns.includes('prompt') && columns.includes('truth');
  const hasGsm8k = columns.includes('question') && columns.includes('answer');
  if (!hasPrompt && !hasGsm8k) {
    return {
      questions,
      errors: [{ line: header.line, message: 'header must name prompt,truth[,tags] or question,answer' }],
    };
  }
  for (const row of rows) {
    if (row.fields.length === 1 && row.fields[0]!.trim() === '') continue;
    if (row.error) {
      errors.push({ line: row.line, message: row.error });
      continue;
    }
    if (row.fields.length !== columns.length) {
      errors.push({
        line: row.line,
        message: `expected ${columns.length} fields, found ${row.fields.length}`,
      });
      continue;
    }
    const record: Record<string, string> = {};
    columns.forEach((c, i) => {
      if (known.includes(c)) record[c] = row.fields[i]!;
    });
    if (record.tags === '') delete record.tags;
    keep(fromRecord(record, row.line));
  }
  return { questions, errors };
}

/** RFC 4180 rows (quoted fields may hold commas, quotes and newlines), each with the line it starts on. */
function csvRows(content: string): { line: number; fields: string[]; error?: string }[] {
  const rows: { line: number; fields: string[]; error?: string }[] = [];
  let line = 1;
  let i = 0;
  const n = content.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let error: string | undefined;
    for (;;) {
      if (content[i] === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = content[i]!;
          if (c === '"') {
            if (content[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) error = 'unterminated quoted field';
      }
      while (i < n && content[i] !== ',' && content[i] !== '\n') {
        if (content[i] !== '\r') field += content[i];
        i++;
      }
      fields.push(field);
      field = '';
      if (i < n && content[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (i < n && content[i] === '\n') {
      i++;
      line++;
    }
    rows.push(error ? { line: start, fields, error } : { line: start, fields });
  }
  return rows;
}
