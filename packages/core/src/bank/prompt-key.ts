/** A prompt reduced to what makes it the same question: case, accents, punctuation and spacing do not count. */
export function promptKey(prompt: string): string {
  return prompt
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
