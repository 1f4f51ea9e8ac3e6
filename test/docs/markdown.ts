// The code blocks of README.md and every Markdown file under docs/ (except the
// generated API reference), with their fence info, for the docs tests.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Block {
  /** Path from the repository root, e.g. `docs/bridge.md`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language, lower-cased (`js`, `ts`, `sh`, ...). */
  lang: string;
  /** The words after the language: markers such as `fragment` or `excerpt=demo/index.html`. */
  markers: string[];
  code: string;
}

/** README.md, then docs/**\/*.md in a stable order; new pages are picked up as they come. */
export function markdownFiles(): string[] {
  const files = ['README.md'];
  const docs = join(ROOT, 'docs');
  if (existsSync(docs)) {
    for (const f of readdirSync(docs, { recursive: true }).map(String).sort()) {
      if (f.endsWith('.md') && !f.startsWith('api/')) files.push(`docs/${f}`);
    }
  }
  return files;
}

/** Every fenced block of a Markdown file (``` or ~~~ fences, possibly indented in lists). */
export function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open as unknown as [string, string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim().startsWith(fence) && l.trim().replace(/[`~]/g, '') === '') break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l);
    }
    blocks.push({
      file,
      line: i + 1,
      lang: lang.toLowerCase(),
      markers: rest.trim().split(/\s+/).filter(Boolean),
      code: body.join('\n') + '\n',
    });
    i = j;
  }
  return blocks;
}

export const allBlocks = (): Block[] => markdownFiles().flatMap(blocksOf);

const CODE_LANGS = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript']);
export const isCode = (b: Block): boolean => CODE_LANGS.has(b.lang);
export const isTypeScript = (b: Block): boolean => b.lang === 'ts' || b.lang === 'typescript';
export const where = (b: Block): string => `${b.file}:${b.line}`;

/** Markdown without its fenced code blocks (links and headings in code do not count). */
export const prose = (text: string): string => text.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\2\s*$/gm, '');

/** The targets of a page's Markdown links and images, outside code. */
export function linksOf(text: string): string[] {
  const links: string[] = [];
  for (const m of prose(text)
    .replace(/`[^`\n]*`/g, '')
    .matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
    links.push(m[1]!);
  return links;
}

/** Whether a link names a scheme (https:, mailto:), i.e. points outside the docs. */
export const isAbsolute = (href: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(href);
