/**
 * RFC 4180 CSV: quoted fields with commas, quotes ("") and newlines; CRLF or LF. Returns rows
 * with the 1-based line each row starts on.
 */
export function parseCsv(text: string, delimiter = ','): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    cells.push(field);
    if (!(cells.length === 1 && cells[0] === '')) rows.push({ line: rowLine, cells });
    cells = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      cells.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += c;
    i++;
  }
  if (field !== '' || cells.length > 0) endRow();
  return rows;
}

/**
 * Decodes a file that is mostly UTF-8 with some Windows-1252 lines (real exports often are):
 * each line is UTF-8 when valid, else Windows-1252. Nothing becomes U+FFFD.
 */
export function decodeMixed(buf: Buffer): string {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const cp1252 = new TextDecoder('windows-1252');
  try {
    return utf8.decode(buf);
  } catch {
    const parts: string[] = [];
    let start = 0;
    for (let i = 0; i <= buf.length; i++) {
      if (i === buf.length || buf[i] === 0x0a) {
        const slice = buf.subarray(start, i);
        try {
          parts.push(utf8.decode(slice));
        } catch {
          parts.push(cp1252.decode(slice));
        }
        start = i + 1;
      }
    }
    return parts.join('\n');
  }
}
