// Child process for filestore.lock.test.js: opens a FileStore on argv[2], and prints `got` (it
// holds the directory, for argv[3] ms or until killed when 0) or `locked <code>`.
import { FileStore } from "../../../pkg/src/node.js";

const [dir, holdMs = "0"] = process.argv.slice(2);
let store;
try {
  store = new FileStore(dir);
} catch (e) {
  process.stdout.write(`locked ${e.code} ${e.message}\n`);
  process.exit(3);
}
await store.set(`holder/${process.pid}`, String(Date.now()));
process.stdout.write("got\n");
if (Number(holdMs) === 0) setInterval(() => {}, 1 << 30);
else {
  await new Promise((r) => setTimeout(r, Number(holdMs)));
  await store.close();
}
