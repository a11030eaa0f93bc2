// Child process for filestore.kill.test.js: commits transactions in a loop, printing the
// number of each one after it committed, until it is killed.
import { FileStore } from "../../../pkg/src/node.js";

const store = new FileStore(process.argv[2]);
const start = Number((await store.get("a")) ?? "0");
for (let i = start + 1; ; i++) {
  const v = String(i);
  await store.transaction([
    { op: "set", key: "a", value: v },
    { op: "set", key: "b", value: v },
    { op: "set", key: "blob", value: v.padEnd(20000, "x") },
    { op: "set", key: "c", value: v },
    ...(i % 2 ? [{ op: "delete", key: "even" }] : [{ op: "set", key: "even", value: v }]),
  ]);
  process.stdout.write(`${i}\n`);
}
