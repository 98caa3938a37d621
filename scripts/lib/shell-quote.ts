/** `s` as one word of sh: as it is when no character of it means anything to sh, else single-quoted. */
export const shellQuote = (s: string): string => (s !== "" && /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
