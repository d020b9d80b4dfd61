/**
 * Reads a configuration file the way Asterisk's config.c does for the lines
 * we write: `;` starts a comment unless escaped as `\;`, `[name]` opens a
 * category, and a variable line splits at the first `=`; a `>` right after it
 * makes `=>` (an object), and both name and value are stripped of blanks.
 * Used to prove that what Asterisk reads is what the API stored.
 */
export type ReadVariable = { category: string; name: string; value: string; object: boolean };

export function readAsteriskConfig(text: string): ReadVariable[] {
  const variables: ReadVariable[] = [];
  let category = '';
  for (const raw of text.split('\n')) {
    const line = stripComment(raw).trim();
    if (!line) continue;
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      category = line.slice(1, end);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    let rest = line.slice(eq + 1);
    let object = false;
    if (rest.startsWith('>')) {
      object = true;
      rest = rest.slice(1);
    }
    variables.push({ category, name: line.slice(0, eq).trim(), value: rest.trim(), object });
  }
  return variables;
}

function stripComment(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\' && line[i + 1] === ';') {
      out += ';';
      i++;
      continue;
    }
    if (line[i] === ';') break;
    out += line[i];
  }
  return out;
}

/** The value Asterisk reads for `name` in `category`; undefined when absent. */
export function readValue(text: string, category: string, name: string): string | undefined {
  return readAsteriskConfig(text).find((v) => v.category === category && v.name === name)?.value;
}
