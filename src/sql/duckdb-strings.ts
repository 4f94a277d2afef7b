/**
 * The little of DuckDB the SQL front end needs, straight on `@duckdb/node-bindings`:
 * an in-memory instance, connections, and queries whose first column is read as
 * strings. `@duckdb/node-api` wraps the same bindings, but loading its ~60 modules
 * costs ~100 ms per process (measured: 142 ms vs 42 ms for the bindings alone), paid
 * by every compile that parses even one model. The DuckDB adapter keeps using the API.
 */
import type * as Bindings from "@duckdb/node-bindings";

type Duck = typeof Bindings;

export interface StringConnection {
  /** Run `sql` (one statement; `?` bound to `list` as a VARCHAR[] when given) and read column 0 as strings. */
  strings(sql: string, list?: readonly string[]): Promise<Array<string | null>>;
  close(): void;
}

export interface StringDatabase {
  connect(): Promise<StringConnection>;
  close(): void;
}

export async function openStringDatabase(options: Record<string, string>): Promise<StringDatabase> {
  const mod = (await import("@duckdb/node-bindings")) as Duck & { default?: Duck };
  // CommonJS module: the functions are on the default export (and, under Bun, also named).
  const duck: Duck = mod.default ?? mod;
  const config = duck.create_config();
  for (const [name, value] of Object.entries(options)) duck.set_config(config, name, value);
  const db = await duck.open(":memory:", config);
  const decoder = new TextDecoder();
  /** The list element type (create_list_value takes the child type, not the list type). */
  let varchar: Bindings.LogicalType | undefined;

  const readStrings = async (result: Bindings.Result): Promise<Array<string | null>> => {
    const out: Array<string | null> = [];
    for (;;) {
      const chunk = await duck.fetch_chunk(result);
      if (!chunk) break;
      const rows = duck.data_chunk_get_size(chunk);
      if (rows === 0) break;
      const vector = duck.data_chunk_get_vector(chunk, 0);
      // duckdb_string_t: 16 bytes per row, a u32 length, then the bytes inline (up to
      // 12) or, past 4 prefix bytes, a pointer to them. As node-api's VARCHAR reader does.
      const data = duck.vector_get_data(vector, rows * 16);
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const validity = duck.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
      for (let r = 0; r < rows; r++) {
        // No validity mask means every row is valid.
        if (validity && validity.byteLength > 0 && ((validity[r >> 3]! >> (r & 7)) & 1) === 0) {
          out.push(null);
          continue;
        }
        const at = r * 16;
        const length = view.getUint32(at, true);
        const bytes =
          length <= 12
            ? new Uint8Array(view.buffer, view.byteOffset + at + 4, length)
            : duck.get_data_from_pointer(view.buffer as ArrayBuffer, view.byteOffset + at + 8, length);
        out.push(decoder.decode(bytes));
      }
    }
    return out;
  };

  return {
    async connect(): Promise<StringConnection> {
      const connection = await duck.connect(db);
      return {
        async strings(sql: string, list?: readonly string[]): Promise<Array<string | null>> {
          if (list === undefined) return readStrings(await duck.query(connection, sql));
          const prepared = await duck.prepare(connection, sql);
          try {
            varchar ??= duck.create_logical_type(duck.Type.VARCHAR);
            duck.bind_value(
              prepared,
              1,
              duck.create_list_value(
                varchar,
                list.map((s) => duck.create_varchar(s)),
              ),
            );
            return await readStrings(await duck.execute_prepared(prepared));
          } finally {
            duck.destroy_prepare_sync(prepared);
          }
        },
        close(): void {
          duck.disconnect_sync(connection);
        },
      };
    },
    close(): void {
      duck.close_sync(db);
    },
  };
}
