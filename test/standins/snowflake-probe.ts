import snowflake from "snowflake-sdk";
import { SnowflakeStandin } from "./snowflake.ts";
snowflake.configure({ logLevel: "OFF" } as never);
const s = new SnowflakeStandin({ users: { ALICE: { password: "pw-secret" } } }).start();
s.onQuery = (sql) => ({ columns: [{ name: "N", type: "fixed" }, { name: "S", type: "text" }, {name:"D", type:"date"}, {name:"F", type:"real"}, {name:"X", type:"fixed", scale:2, precision:10}], rows: [["12345678901234567890", "hi", "19000", "1.5", "3.14"]] });
const conn = snowflake.createConnection({ account: "standin", accessUrl: s.url, username: "alice", password: "pw-secret", warehouse: "WH", sfRetryMaxLoginRetries: 0 } as never);
const t0 = Date.now();
await new Promise<void>((res, rej) => conn.connect((e) => (e ? rej(e) : res())));
console.log("connected", Date.now() - t0);
conn.execute({ sqlText: "select 1", rowMode: "array", fetchAsString: ["Number", "Date"], complete: (err, stmt, rows) => {
  console.log(err, rows, stmt.getColumns().map((c) => [c.getName(), c.getType(), c.getScale()]), stmt.getNumUpdatedRows?.());
  conn.destroy(() => { console.log("closed", s.sessionsClosed); s.stop(); });
}});
