/**
 * Removing the markup an answer may be wrapped in (HTML, Markdown, LaTeX) before it is scored:
 * what markup hides (scripts, styles, comments, attributes, struck-out text) never reaches the
 * scorer, and what it wraps is read as plain text.
 */

// Elements whose content is never shown as text, and struck-out text the writer withdrew.
const HIDDEN_ELEMENT =
  /<(script|style|template|noscript|title|head|del|s|strike)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi;
const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const BLOCK_TAG =
  /<\/?(?:p|div|br|li|ul|ol|dl|dt|dd|tr|td|th|table|thead|tbody|h[1-6]|section|article|header|footer|main|aside|nav|blockquote|pre|hr|figure|figcaption)\b[^<>]*>/gi;
// Any other tag, with its attributes; "3 < 5" is not a tag because a letter must follow "<".
const TAG = /<\/?[a-zA-Z][\w:-]*(?:\s[^<>]*)?\/?>/g;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ensp: ' ',
  emsp: ' ',
  thinsp: ' ',
  deg: '°',
  percnt: '%',
  times: '×',
  divide: '÷',
  minus: '−',
  plus: '+',
  equals: '=',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  middot: '·',
  bull: '•',
  szlig: 'ß',
  aelig: 'æ',
  oslash: 'ø',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  frac12: '1/2',
  frac14: '1/4',
  frac34: '3/4',
  sup2: '²',
  sup3: '³',
  copy: '©',
  reg: '®',
  trade: '™',
};
// Accented letters are a letter plus a combining mark: &eacute; = e + U+0301.
const ACCENTS: Record<string, string> = {
  acute: '\u0301',
  grave: '\u0300',
  circ: '\u0302',
  uml: '\u0308',
  tilde: '\u0303',
  ring: '\u030A',
  cedil: '\u0327',
  caron: '\u030C',
};

function codePoint(n: number): string {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

/** Decodes HTML character references: named (the common ones), decimal and hexadecimal. */
export function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d{1,7});?/g, (_, d: string) => codePoint(Number(d)))
    .replace(/&#x([0-9a-f]{1,6});?/gi, (_, h: string) => codePoint(Number.parseInt(h, 16)))
    .replace(/&([a-zA-Z][a-zA-Z0-9]{1,7});/g, (whole, name: string) => {
      const named = NAMED_ENTITIES[name] ?? NAMED_ENTITIES[name.toLowerCase()];
      if (named !== undefined) return named;
      const accent = /^([a-zA-Z])(acute|grave|circ|uml|tilde|ring|cedil|caron)$/.exec(name);
      return accent ? `${accent[1]}${ACCENTS[accent[2]!]}`.normalize('NFC') : whole;
    });
}

function stripHtml(text: string): string {
  return text.replace(COMMENT, ' ').replace(HIDDEN_ELEMENT, ' ').replace(BLOCK_TAG, '\n').replace(TAG, '');
}

function stripMarkdown(text: string): string {
  return (
    text
      .replace(/~~[\s\S]*?~~/g, ' ')
      .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
      .replace(/\[([^\]]+)\]\((?:[^()]|\([^()]*\))*\)/g, '$1')
      .replace(/^[ \t]{0,3}>[ \t]?/gm, '')
      .replace(/\*\*|__|`+/g, '')
      // Single-character emphasis around words: *Tokyo*, _Tokyo_ (not "3 * 4" or snake_case).
      .replace(/(^|[\s([{"'])[*_]+(?=[^\s*_])/gm, '$1')
      .replace(/(?<=[^\s*_])[*_]+(?=$|[\s)\]}.,;:!?"'])/gm, '')
  );
}

function stripLatex(text: string): string {
  return text
    .replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, '$1/$2')
    .replace(/\\text\s*\{([^{}]*)\}/g, '$1')
    .replace(/\\[,!;: ]/g, '')
    .replace(/\\([%$#&])/g, '$1')
    .replace(/\\times\b|\\cdot\b/g, '×')
    .replace(/\\[()[\]]|\$\$/g, ' ');
}

/**
 * Plain text of an answer: HTML tags and hidden elements removed, entities decoded (then tags
 * spelled with entities removed too), Markdown emphasis, code, links and quotes unwrapped,
 * LaTeX fractions and spacing tidied. Blank lines a wrapping tag leaves at either end are trimmed.
 */
export function cleanMarkup(text: string): string {
  const plain = stripHtml(decodeEntities(stripHtml(text)));
  return stripLatex(stripMarkdown(plain))
    .replace(/[ \t\u00A0]*\n[ \t\u00A0\n]*/g, '\n')
    .trim();
}
