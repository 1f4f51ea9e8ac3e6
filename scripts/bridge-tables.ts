// The tables of docs/bridge.md that come from the bridge's source: its options (from
// the options table, each entry's doc comment being its docs line), its refusal reasons
// and its close reasons. Each sits in the page between two markers:
//   <!-- generated: NAME (npm run docs:tables) -->  …  <!-- end: NAME -->
//   node --import tsx scripts/bridge-tables.ts          prints whether the page is up to date
//   node --import tsx scripts/bridge-tables.ts --write  rewrites the tables in the page
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { COMMAND_OPTIONS, FLAGS } from '../src/bridge/cli/args.js';
import { defaultTextOf, OPTIONS, type OptionKey, type OptionSpec } from '../src/bridge/options.js';
import { CLOSES, REFUSALS } from '../src/bridge/reasons.js';

const root = new URL('..', import.meta.url);
export const BRIDGE_DOC = fileURLToPath(new URL('docs/bridge.md', root));

/** The doc comments of an object literal's entries, by key: `export const NAME = { … }`. */
function docComments(file: string, constName: string): Map<string, string> {
  const path = fileURLToPath(new URL(file, root));
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const docs = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText() === constName && node.initializer) {
      let init: ts.Expression = node.initializer;
      while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) init = init.expression;
      if (!ts.isObjectLiteralExpression(init)) throw new Error(`${constName} in ${file} is not an object literal`);
      for (const prop of init.properties) {
        const jsDoc = ts.getJSDocCommentsAndTags(prop).find(ts.isJSDoc);
        const text = jsDoc ? ts.getTextOfJSDocComment(jsDoc.comment) : undefined;
        if (!text) throw new Error(`${file}: ${constName}.${prop.name?.getText()} has no doc comment`);
        docs.set(prop.name!.getText(), text.replace(/\s*\n\s*/g, ' '));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return docs;
}

const code = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``;
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** The options table: every flag of `--help` and every option of `createBridge()`. */
export function optionsTable(): string {
  const optionDocs = docComments('src/bridge/options.ts', 'OPTIONS');
  const commandDocs = docComments('src/bridge/cli/args.ts', 'COMMAND_OPTIONS');
  const rows = [row(['Flag', 'Option', 'Default', 'Meaning']), row(['---', '---', '---', '---'])];
  for (const key of Object.keys(OPTIONS) as OptionKey[]) {
    const flag = FLAGS.find((f) => f.option === key);
    const flagCell = flag ? code(`${flag.flag}${flag.arg ? ` ${flag.arg}` : ''}`) : '–';
    const repeat = flag?.repeat ? ' Repeatable.' : '';
    rows.push(row([flagCell, code(key), defaultCell(key), `${optionDocs.get(key)}${repeat}`]));
  }
  for (const [key, command] of Object.entries(COMMAND_OPTIONS)) {
    const flag = FLAGS.find((f) => f.flag === command.flag)!;
    const left = `${flag.short ? `-${flag.short}, ` : ''}${flag.flag}${flag.arg ? ` ${flag.arg}` : ''}`;
    const defaultText = key === 'workers' ? flag.defaultText.replace(/^(\S+)/, '`$1`') : flag.defaultText || '–';
    rows.push(row([code(left), command.inConfigFile ? code(key) : '–', defaultText, commandDocs.get(key)!]));
  }
  return rows.join('\n');
}

/** A default as the docs show it: a value in code and any words after it plain; `none`, `off` plain. */
function defaultCell(key: OptionKey): string {
  const spec: OptionSpec<unknown, unknown> = OPTIONS[key];
  const text = defaultTextOf(key);
  const isValue = spec.default !== undefined && typeof spec.default !== 'boolean';
  return isValue ? text.replace(/^(\S+)/, '`$1`') : text;
}

/** Handshake refusals: status, reason, meaning. */
export function refusalsTable(): string {
  const rows = [row(['Status', 'Reason', 'Meaning']), row(['---', '---', '---'])];
  for (const [reason, { status, meaning }] of Object.entries(REFUSALS)) {
    rows.push(row([status === null ? '–' : String(status), code(reason), meaning]));
  }
  return rows.join('\n');
}

/** Close reasons: reason, close code, meaning. */
export function closesTable(): string {
  const rows = [row(['Reason', 'WebSocket close code', 'Meaning']), row(['---', '---', '---'])];
  for (const [reason, { codes, meaning }] of Object.entries(CLOSES)) {
    rows.push(row([code(reason), codes.length === 0 ? 'none' : codes.join(' or '), meaning]));
  }
  return rows.join('\n');
}

export const TABLES: Record<string, () => string> = {
  options: optionsTable,
  refusals: refusalsTable,
  closes: closesTable,
};

const sectionRe = (name: string) =>
  new RegExp(`(<!-- generated: ${name} \\(npm run docs:tables\\) -->\\n)([\\s\\S]*?)(\\n<!-- end: ${name} -->)`);

/** The table named `name` as docs/bridge.md has it now (blank lines around it, so it stands as a table). */
export function tableInDoc(doc: string, name: string): string | undefined {
  return sectionRe(name)
    .exec(doc)?.[2]
    ?.replace(/^\n|\n$/g, '');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let doc = readFileSync(BRIDGE_DOC, 'utf8');
  const stale: string[] = [];
  for (const [name, table] of Object.entries(TABLES)) {
    if (tableInDoc(doc, name) === undefined) throw new Error(`docs/bridge.md has no markers for the ${name} table`);
    if (tableInDoc(doc, name) !== table()) stale.push(name);
    doc = doc.replace(
      sectionRe(name),
      (_, open: string, _old: string, close: string) => `${open}\n${table()}\n${close}`,
    );
  }
  if (process.argv.includes('--write')) {
    writeFileSync(BRIDGE_DOC, doc);
    console.log(
      stale.length ? `rewrote the ${stale.join(', ')} tables of docs/bridge.md` : 'docs/bridge.md was up to date',
    );
  } else if (stale.length) {
    console.log(`docs/bridge.md: the ${stale.join(', ')} tables are stale; run npm run docs:tables`);
    process.exitCode = 1;
  } else {
    console.log('docs/bridge.md is up to date');
  }
}
