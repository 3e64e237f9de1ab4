/** EventBridge wildcard filters: `*` matches any run of characters, `\*` and `\\` are a literal star and backslash. */

/** Why a wildcard text is rejected, or undefined when it is valid. */
export function WILDCARD_PROBLEM(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      if (text[i + 1] !== '*' && text[i + 1] !== '\\') return 'in "wildcard", a backslash may only escape "*" or "\\"';
      i++;
    } else if (text[i] === '*' && text[i + 1] === '*') {
      return 'consecutive wildcard characters are not allowed';
    }
  }
  return undefined;
}

const cache = new Map<string, RegExp>();

/** The anchored regular expression equivalent to a (valid) wildcard text. */
export function wildcardRegExp(text: string): RegExp {
  let re = cache.get(text);
  if (re) return re;
  let source = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      source += `\\${text[++i]}`;
    } else if (ch === '*') {
      source += '.*';
    } else {
      source += ch.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  re = new RegExp(`^${source}$`, 's');
  if (cache.size > 1000) cache.clear();
  cache.set(text, re);
  return re;
}
