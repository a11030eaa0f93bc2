// Child process for oauth.test.js: refreshes an instance's token with a FileStore, and
// announces "issued" when the token endpoint has answered, just before the new pair is
// written; the parent SIGKILLs it there. The store's write of the new pair is held until
// then (it would otherwise finish in microseconds, too fast to be killed at that point).
import { FileStore } from "../../../pkg/src/node.js";
import { OAuthTokens } from "../../../pkg/src/index.node.js";

const [dir, tokenUrl, clientId, clientSecret] = process.argv.slice(2);
const files = new FileStore(dir);
let writes = 0;
const store = {
  get: (k) => files.get(k),
  keys: (p) => files.keys(p),
  delete: (k) => files.delete(k),
  transaction: (ops) => files.transaction(ops),
  async set(key, value) {
    // The first write is the "refresh going out" mark; the second is the new pair.
    if (++writes === 2) {
      process.stdout.write("issued\n");
      await new Promise(() => {}); // held: the parent kills us here
    }
    return files.set(key, value);
  },
};
const tokens = new OAuthTokens({ store, clientId, clientSecret, tokenUrl, id: "child" });
await tokens.refresh();
process.stdout.write("saved\n");
