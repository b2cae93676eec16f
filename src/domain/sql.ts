/** A SQL string literal (single quotes doubled), for DuckDB, Athena and Redshift alike. */
export const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
