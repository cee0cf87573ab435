// Compose's string form of `command` and `entrypoint` is not run by a shell: docker-py splits it
// with Python's shlex.split (POSIX mode, no comments) and hands the words to the engine as argv.
// This is the same split, so an imported string command becomes the argv compose would have used
// (`echo $$HOME && ls` is the four words echo, $HOME, &&, ls - no shell involved, as in compose).

// The words of `text`, or null when a quote or a trailing backslash is left open (shlex raises
// "No closing quotation" / "No escaped character" there, and compose refuses the file).
export function shellSplit(text: string): string[] | null {
  const words: string[] = [];
  let word = '';
  // A word has started (so that '' yields an empty word, like shlex).
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') {
        quote = null;
      } else if (ch === '\\' && i + 1 < text.length && '\\"'.includes(text[i + 1])) {
        // Inside double quotes shlex lets a backslash escape only a quote or a backslash.
        word += text[++i];
      } else if (ch === '\\' && i + 1 >= text.length) {
        return null;
      } else {
        word += ch;
      }
      continue;
    }
    if (' \t\r\n'.includes(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) return null;
      word += text[++i];
    } else {
      word += ch;
    }
  }
  if (quote) return null;
  if (inWord) words.push(word);
  return words;
}
