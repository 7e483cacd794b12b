/** SQuAD-style answer normalisation: case, diacritics, punctuation, articles, whitespace. */
export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\b(?:a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function answerTokens(text: string): string[] {
  const normalized = normalizeAnswer(text);
  return normalized === '' ? [] : normalized.split(' ');
}

/** Token-level F1 between two answers, as SQuAD computes it. */
export function tokenF1(truth: string, candidate: string): number {
  const truthTokens = answerTokens(truth);
  const candidateTokens = answerTokens(candidate);
  if (truthTokens.length === 0 || candidateTokens.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const t of truthTokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of candidateTokens) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      common++;
      counts.set(t, left - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / candidateTokens.length;
  const recall = common / truthTokens.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Where the normalised phrase occurs in the normalised text, as whole tokens. */
export function phrasePositions(haystack: string[], phrase: string[]): number[] {
  const positions: number[] = [];
  if (phrase.length === 0) return positions;
  outer: for (let i = 0; i + phrase.length <= haystack.length; i++) {
    for (let j = 0; j < phrase.length; j++) {
      if (haystack[i + j] !== phrase[j]) continue outer;
    }
    positions.push(i);
  }
  return positions;
}
