/**
 * Characters that make text display differently than it is: C0/C1 control characters, and the Unicode bidirectional
 * marks, embeddings, overrides and isolates (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069; "Trojan Source").
 * Names an admin types are refused with them; text a server sends is cleaned of them before it is shown.
 */
export const UNSAFE_CHARACTERS = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
export const UNSAFE_CHARACTERS_GLOBAL = new RegExp(UNSAFE_CHARACTERS.source, 'gu');
