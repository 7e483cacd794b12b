/**
 * Locating what a candidate commits to as its final answer: an explicit marker (`#### 42`,
 * `\boxed{42}`, "the answer is 42", "final answer: 42", "answer: 42"), and the text around it.
 */

export interface AnswerSpan {
  /** Where the marker itself starts (for ordering). */
  markerStart: number;
  /** The committed answer text, cut before any explanation. */
  start: number;
  end: number;
}

const MARKER =
  /####[ \t]*|\\boxed\s*\{|\b(?:final\s+answer|(?:the\s+|my\s+)?(?:correct\s+|right\s+)?answer)\s*(?:is(?![\w'’])\s*:?|:|=|would\s+be|should\s+be|will\s+be|-)\s*/gi;

// Explanations that follow an answer ("42 because …", "42 (6 × 7)") are not part of it.
const EXPLANATION =
  /\s*(?:\b(?:because|since|as|which|given|due\s+to|where|so\s+that|from|i\.e|e\.g|for\s+example)\b|[([—])/i;

const LIST_LINE = /^(?:[-*•+]|\d{1,2}[.)])[ \t]+\S/;
const LIST_BLOCK = /^(?:(?:[-*•+]|\d{1,2}[.)])[ \t]+[^\n]*(?:\n[ \t]*|$))+/;

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return text.length;
}

function sentenceEnd(text: string, from: number): number {
  const rest = text.slice(from);
  const m = /\n|[.!?](?=\s|$)/.exec(rest);
  return m ? from + m.index : text.length;
}

/** Every explicit answer marker in order, each with the span of the answer it introduces. */
export function findAnswerSpans(text: string): AnswerSpan[] {
  const spans: AnswerSpan[] = [];
  for (const m of text.matchAll(MARKER)) {
    const markerStart = m.index;
    let start = m.index + m[0].length;
    let end: number;
    if (m[0].startsWith('\\boxed')) {
      end = closingBrace(text, start);
    } else if (m[0].startsWith('####')) {
      const newline = text.indexOf('\n', start);
      end = newline === -1 ? text.length : newline;
    } else if (LIST_LINE.test(text.slice(start)) && m[0].includes('\n')) {
      // "The answer is:" over a bulleted or numbered list: the list is the answer.
      end = start + LIST_BLOCK.exec(text.slice(start))![0].length;
    } else {
      end = sentenceEnd(text, start);
      const explanation = EXPLANATION.exec(text.slice(start, end));
      if (explanation && explanation.index > 0) end = start + explanation.index;
    }
    // "the answer is 6 × 7 = 42": the committed value is what follows the last "=".
    const equals = text.slice(start, end).lastIndexOf('=');
    if (equals !== -1) start += equals + 1;
    spans.push({ markerStart, start, end });
  }
  return spans;
}

/** Splits into sentences (or lines), keeping each sentence's offset. */
export function sentences(text: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  const re = /(?<=[.!?])\s+|\n+/g;
  let cursor = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > cursor) out.push({ text: text.slice(cursor, m.index), start: cursor });
    cursor = m.index + m[0].length;
  }
  if (cursor < text.length) out.push({ text: text.slice(cursor), start: cursor });
  return out.filter((s) => s.text.trim() !== '');
}

// Text aimed at a grader rather than at the question. Removed before scoring, so it can neither
// add nor supply an answer.
const INSTRUCTION_TEXT = [
  /\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,60}?\b(?:instructions?|prompts?|rules?|guidelines?|above|previous|prior|rubric|system)\b[^.!?\n]*[.!?]?/gi,
  /\b(?:you|the\s+(?:grader|judge|evaluator|scorer|assistant))\s+(?:must|should|will|are\s+to|have\s+to|need\s+to)\s+(?:score|grade|rate|give|assign|award|output|return|mark|respond|reply|answer|accept|treat|consider)\b[^.!?\n]*[.!?]?/gi,
  /\b(?:please\s+)?(?:score|grade|rate|mark|give|assign|award|output|return|respond\s+with|reply\s+with)\s+(?:this|it|me|my\s+answer|the\s+answer|this\s+answer|this\s+response|the\s+candidate)?\s*(?:a\s+|an\s+|as\s+|with\s+)?(?:score\s+of\s+|grade\s+of\s+|rating\s+of\s+)?(?:100|full\s+marks|perfect|maximum|correct|1\.0)\b[^.!?\n]*[.!?]?/gi,
  /\b(?:score|grade|rating)\s*[:=]\s*100\b(?:\s*\/\s*100)?/gi,
  /\b(?:system|developer|assistant)\s*(?:prompt|message|note|override|instruction)?\s*:[^\n]*/gi,
  /\b(?:new|updated|revised|additional)\s+instructions?\b[^.!?\n]*[.!?]?/gi,
  /<\/?\s*(?:candidate|system|instructions?|question|reference(?:_answer)?|truth|user|assistant)\s*>/gi,
];

export function stripInstructionText(text: string): { text: string; stripped: boolean } {
  let out = text;
  for (const pattern of INSTRUCTION_TEXT) out = out.replace(pattern, ' ');
  return { text: out, stripped: out !== text };
}
