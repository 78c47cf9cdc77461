// Writes Parquet files with arrow-rs (parquet-wasm), a writer other than DuckDB, for duckdag's
// tests: run with `node gen.mjs OUT_DIR` after `npm install parquet-wasm@0.8.0 apache-arrow@21.2.0`
import * as arrow from "apache-arrow";
import pqm from "parquet-wasm/node";
const pq = pqm;
import { writeFileSync, mkdirSync } from "node:fs";

const out = process.argv[2];

function rows(from, n, seed) {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const r = [];
  for (let i = 0; i < n; i++) {
    const id = from + ((i * 7919) % n);          // out of order
    r.push({
      id,
      ts_code: String(600000 + (id % 37)).padStart(6, "0") + (id % 2 ? ".SH" : ".SZ"),
      price: i % 11 === 0 ? null : Math.round(rnd() * 1e6) / 100,
      flag: id % 3 === 0,
      tags: id % 5 === 0 ? null : [id % 7, id % 13],
      detail: { a: id % 17, b: "营业收入" + (id % 4) },
      at: new Date(Date.UTC(2024, id % 12, 1 + (id % 28), id % 24, 0, 0, id % 1000)),
    });
  }
  return r;
}

function table(data, idType, priceType) {
  const vec = (name, type, values) => arrow.vectorFromArray(values, type);
  const fields = {
    id: vec("id", idType, data.map(d => idType instanceof arrow.Int64 ? BigInt(d.id) : d.id)),
    ts_code: vec("ts_code", new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), data.map(d => d.ts_code)),
    price: vec("price", priceType, data.map(d => d.price)),
    flag: vec("flag", new arrow.Bool(), data.map(d => d.flag)),
    tags: vec("tags", new arrow.List(new arrow.Field("item", new arrow.Int32(), true)), data.map(d => d.tags)),
    detail: vec("detail", new arrow.Struct([new arrow.Field("a", new arrow.Int32(), true), new arrow.Field("b", new arrow.Utf8(), true)]),
      data.map(d => d.detail)),
    at: vec("at", new arrow.TimestampMillisecond(), data.map(d => d.at.getTime())),
  };
  return new arrow.Table(fields);
}

function write(path, t, props) {
  const ipc = arrow.tableToIPC(t, "stream");
  const bytes = pq.writeParquet(pq.Table.fromIPCStream(ipc), props.build());
  mkdirSync(path.substring(0, path.lastIndexOf("/")), { recursive: true });
  writeFileSync(path, bytes);
}

const P = () => new pq.WriterPropertiesBuilder().setCreatedBy("parquet-rs via parquet-wasm 0.8.0");
// One partition, three files, each written differently: dictionary + snappy + small row groups;
// plain + delta encodings + brotli + data page v2; zstd with INT32 ids and FLOAT prices (types
// that widen exactly to the others' INT64 and DOUBLE).
write(`${out}/rs/year=2024/part-0.parquet`, table(rows(0, 3000, 1), new arrow.Int64(), new arrow.Float64()),
  P().setCompression(pq.Compression.SNAPPY).setDictionaryEnabled(true).setMaxRowGroupSize(700));
write(`${out}/rs/year=2024/part-1.parquet`, table(rows(3000, 2000, 2), new arrow.Int64(), new arrow.Float64()),
  P().setCompression(pq.Compression.BROTLI).setDictionaryEnabled(false).setWriterVersion(pq.WriterVersion.V2)
    .setColumnEncoding("id", pq.Encoding.DELTA_BINARY_PACKED).setColumnEncoding("ts_code", pq.Encoding.DELTA_BYTE_ARRAY)
    .setColumnEncoding("price", pq.Encoding.BYTE_STREAM_SPLIT));
write(`${out}/rs/year=2024/part-2.parquet`, table(rows(5000, 1000, 3).map(r => ({ ...r, price: r.price === null ? null : Math.fround(r.price) })),
  new arrow.Int32(), new arrow.Float32()),
  P().setCompression(pq.Compression.ZSTD).setMaxRowGroupSize(256));
write(`${out}/rs/year=2023/part-0.parquet`, table(rows(9000, 500, 4), new arrow.Int64(), new arrow.Float64()),
  P().setCompression(pq.Compression.LZ4_RAW));
