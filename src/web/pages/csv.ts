/**
 * RFC 4180 CSV with spreadsheet formula injection neutralised: a cell starting with = + - @ tab or
 * CR is prefixed with ' (OWASP "CSV Injection"), since merchants open exports in Excel/Sheets.
 */
export function toCsv(rows: Array<Array<unknown>>): string {
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
    if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  // A BOM so Excel reads Arabic names as UTF-8.
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
