import { describe, expect, it } from 'vitest';
import { cleanMarkup, decodeEntities } from './markup.ts';
import { canonicalUnits } from './units.ts';

describe('canonicalUnits', () => {
  it.each([
    ['32 °F', '32 degf'],
    ['32°F', '32 degf'],
    ['32 degrees Fahrenheit', '32 degf'],
    ['32F', '32 degf'],
    ['100 ℃', '100 degc'],
    ['100 deg. C', '100 degc'],
    ['330 m tall', '330 metre tall'],
    ['330 metres tall', '330 metre tall'],
    ['42.195 kilometers', '42.195 km'],
    ['90 km/h', '90 kmh'],
    ['60 miles per hour', '60 mph'],
    ['3.5 kg', '3.5 kg'],
    ['71%', '71 percent'],
    ['71 per cent', '71 percent'],
  ])('reads %j as %j', (written, canonical) => {
    expect(canonicalUnits(written)).toBe(canonical);
  });

  it.each([
    ['5 minutes'],
    ['In 1945 Germany surrendered'],
    ['Apollo 11 Mission'],
    ['the 3 Musketeers'],
    ['F 16'],
  ])('leaves %j alone', (text) => {
    expect(canonicalUnits(text)).toBe(text);
  });
});

describe('cleanMarkup', () => {
  it('keeps the text tags show and drops what they hide', () => {
    expect(cleanMarkup('<p>The answer is <b>Tokyo</b></p><!-- Osaka --><script>x = "Osaka"</script>')).toBe(
      'The answer is Tokyo',
    );
    expect(cleanMarkup('<span title="Osaka" data-x="41">Tokyo</span>')).toBe('Tokyo');
    expect(cleanMarkup('~~Osaka~~ **Tokyo**')).toBe('Tokyo');
    expect(cleanMarkup('[Mars](https://example.com/wiki/Mars_(planet))')).toBe('Mars');
    expect(cleanMarkup('3 < 5 and 7 > 2')).toBe('3 < 5 and 7 > 2');
  });

  it('decodes named, decimal and hexadecimal entities', () => {
    expect(decodeEntities('AT&amp;T Beyonc&eacute; &#8364;5 &#x41; 100&nbsp;&deg;C &bogus;')).toBe(
      'AT&T Beyoncé €5 A 100 °C &bogus;',
    );
  });
});
