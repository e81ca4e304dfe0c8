/** A tiny TypeScript/TSX highlighter for the code samples: comments, strings, keywords, numbers. Server-only output. */
import type { ReactNode } from 'react';

const TOKEN =
  /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)|\b(import|from|export|const|let|async|await|return|function|if|else|new|type|interface|extends|typeof|throw|try|catch|default|null|undefined|true|false|void)\b|\b(\d[\d_]*(?:\.\d+)?)\b/g;

const CLASS = ['tok-comment', 'tok-string', 'tok-keyword', 'tok-number'] as const;

export function highlight(code: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of code.matchAll(TOKEN)) {
    const index = match.index ?? 0;
    if (index > last) out.push(code.slice(last, index));
    const group = match.slice(1, 5).findIndex((g) => g !== undefined);
    out.push(
      <span key={index} className={CLASS[group]}>
        {match[0]}
      </span>,
    );
    last = index + match[0].length;
  }
  if (last < code.length) out.push(code.slice(last));
  return out;
}
