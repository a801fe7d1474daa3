/**
 * The options file of `--o FILE`, as the earlier tool's start.sh read it (it sourced the file
 * before starting): environment settings, one a line, such as the connect URL a script reads
 * from `process.env`, `SSL_CERT_FILE` or `DEBUG`. Only assignments are read, nothing is run:
 *
 * ```sh
 * # comment
 * export CSMS_URL=ws://localhost:8100/ocpp/CP001
 * SSL_CERT_FILE="$HOME/pki/ca.pem"   # $NAME and ${NAME} expand, except in single quotes
 * ```
 *
 * The file is only ever read.
 * @module
 */
import fs from 'node:fs';

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const NAME_REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * The value of a shell word: quotes removed, `$NAME` / `${NAME}` expanded outside single quotes,
 * an unquoted `#` after it a comment. Undefined when more follows the word (the shell would run
 * it as a command).
 */
function shellWord(text: string, lookup: (name: string) => string): string | undefined {
  let value = '';
  let i = 0;
  const expand = (s: string): string => s.replace(NAME_REF, (_m, braced: string | undefined, bare: string | undefined) => lookup((braced ?? bare)!));
  while (i < text.length && !/\s/.test(text[i]!)) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return undefined;
      value += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let inner = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        inner += text[j++];
      }
      if (j >= text.length) return undefined;
      value += expand(inner);
      i = j + 1;
    } else {
      const m = /^[^\s'"]+/.exec(text.slice(i))![0];
      value += expand(m.replace(/\\(.)/g, '$1'));
      i += m.length;
    }
  }
  const rest = text.slice(i).trim();
  return rest === '' || rest.startsWith('#') ? value : undefined;
}

/**
 * Read an options file: its settings in order, each expanded with those before it and the
 * environment. A line that is not a `NAME=value` setting is reported through `warn` and skipped.
 * @param file The file's path.
 * @param env The environment `$NAME` falls back to.
 * @param warn Receives one line per skipped line.
 * @throws Error when the file cannot be read.
 */
export function readOptionsFile(file: string, env: NodeJS.ProcessEnv, warn: (line: string) => void): Map<string, string> {
  const text = fs.readFileSync(file, 'utf8');
  const settings = new Map<string, string>();
  const lookup = (name: string): string => settings.get(name) ?? env[name] ?? '';
  text.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*(#.*)?$/.test(line)) return;
    const m = ASSIGNMENT.exec(line);
    const value = m ? shellWord(m[2]!, lookup) : undefined;
    if (value === undefined) return warn(`${file}:${index + 1}: not a NAME=value setting, ignored: ${line.trim().slice(0, 80)}`);
    settings.set(m![1]!, value);
  });
  return settings;
}
