import { parseCsv } from '../batch/csv';
import type { Purchase } from './clv';

/**
 * A purchase log in any of the formats c360 meets: the CDNOW sample (5 whitespace columns:
 * master id, sample id, YYYYMMDD, CDs, dollars; the sample id is the customer), the CDNOW master
 * (4 columns with a header: id, YYYYMMDD, CDs, dollars) and the project's orders CSV (header with
 * customer_id, ordered_at or date, amount). Throws naming the line that cannot be read.
 */
export function parsePurchaseLog(text: string): Purchase[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const first = lines[0]?.trim() ?? '';
  if (first.includes(',')) return fromCsv(text);
  const out: Purchase[] = [];
  lines.forEach((line, i) => {
    const cols = line.trim().split(/\s+/);
    if (i === 0 && /[a-z]/i.test(line)) return; // the master file's header
    if (cols.length !== 5 && cols.length !== 4) {
      throw new Error(
        `line ${i + 1}: expected 4 (CDNOW master) or 5 (CDNOW sample) columns, got ${cols.length}`,
      );
    }
    const [id, date, , dollars] = cols.length === 5 ? cols.slice(1) : cols;
    if (!/^\d{8}$/.test(date ?? '')) throw new Error(`line ${i + 1}: date must be YYYYMMDD, got "${date}"`);
    const amount = Number(dollars);
    if (!Number.isFinite(amount))
      throw new Error(`line ${i + 1}: dollar value must be a number, got "${dollars}"`);
    out.push({
      customerId: String(Number(id)),
      date: `${date?.slice(0, 4)}-${date?.slice(4, 6)}-${date?.slice(6, 8)}`,
      amount,
    });
  });
  return out;
}

function fromCsv(text: string): Purchase[] {
  const rows = parseCsv(text);
  const header = (rows[0]?.cells ?? []).map((h) => h.trim().toLowerCase());
  const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const c = col('customer_id', 'customerid', 'user_id');
  const d = col('ordered_at', 'order_date', 'date', 'created_at');
  const a = col('amount', 'total', 'dollar_value', 'net_usd', 'gross_usd');
  if (c < 0 || d < 0 || a < 0)
    throw new Error('the CSV needs customer_id, ordered_at (or date) and amount columns');
  return rows.slice(1).map(({ line, cells }) => {
    const amount = Number(cells[a]);
    const raw = (cells[d] ?? '').trim();
    const date = /^\d{8}$/.test(raw)
      ? `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}`
      : raw.slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new Error(`line ${line}: ordered_at must be a date, got "${raw}"`);
    if (!Number.isFinite(amount)) throw new Error(`line ${line}: amount must be a number, got "${cells[a]}"`);
    return { customerId: String(cells[c]).trim(), date, amount };
  });
}
