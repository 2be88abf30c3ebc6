// Reads a directory of fieldbase's Parquet export with DuckDB and prints what the Go test
// (e2e/parquet_test.go) compares with the API: row counts, HH1's weighted share, the
// column types DuckDB sees and the codebook metadata of households.parquet.
// Usage: node check.mjs DIR
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node check.mjs DIR');
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const file = (name) => `'${dir}/${name}.parquet'`;

const out = { counts: {} };
for (const name of ['households', 'members', 'emigrants', 'reviews']) {
  out.counts[name] = Number((await rows(`SELECT count(*) AS n FROM ${file(name)}`))[0].n);
}
// HH1 (indicators.json): households with an emigrant, among consenting ones, weighted.
out.hh1 = Number((await rows(`SELECT 100 * sum(a_weight * (d_any = 'yes')::INT) / sum(a_weight) AS v
  FROM ${file('households')} WHERE a_consent = 'yes'`))[0].v);
// Persons per household through the join key, weighted mean.
out.members_per_household = Number((await rows(`SELECT sum(h.a_weight * m.n) / sum(h.a_weight) AS v
  FROM ${file('households')} h JOIN (SELECT key, count(*) AS n FROM ${file('members')} GROUP BY key) m USING (key)`))[0].v);
out.types = {};
for (const r of await rows(`DESCRIBE SELECT * FROM ${file('households')}`)) {
  out.types[r.column_name] = r.column_type;
}
out.metadata = {};
for (const r of await rows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${file('households')})`)) {
  out.metadata[r.k] = r.v;
}
console.log(JSON.stringify(out));
