/**
 * A deterministic stand-in for a BPE tokenizer: words and single punctuation marks are tokens, long words are
 * split into fixed-size pieces. It only has to be stable (same text, same ids) and roughly as dense as a real
 * tokenizer on plain English, so that "1024 generated words" means about 1024 tokens on both sides.
 */

const PIECE_CHARS = 10;
const TOKEN_PATTERN = /[A-Za-z0-9]+|[^\sA-Za-z0-9]/g;

/** 32-bit FNV-1a: cheap, stable across runs and platforms, good enough spread for token ids. */
export function fnv1a(text: string): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
        hash ^= text.charCodeAt(i);
        hash = Math.imul(hash, 0x01000193);
    }
    return hash >>> 0;
}

export function tokenize(text: string): number[] {
    const ids: number[] = [];
    for (const match of text.matchAll(TOKEN_PATTERN)) {
        const word = match[0];
        for (let i = 0; i < word.length; i += PIECE_CHARS) {
            ids.push(fnv1a(word.slice(i, i + PIECE_CHARS)));
        }
    }
    return ids;
}

export interface ChatMessage {
    role: string;
    content: string;
}

/**
 * ChatML-style rendering, as most served chat templates do: the fixed template text is part of the prompt and
 * therefore of the cached prefix, exactly like on a real server.
 */
export function renderChat(messages: readonly ChatMessage[]): string {
    const parts = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`);
    return `${parts.join("")}<|im_start|>assistant\n`;
}
