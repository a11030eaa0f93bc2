// FileStore survives SIGKILL in the middle of writing: a reopened store is always one of the
// complete states, never a mix, and nothing acknowledged is lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { FileStore } from "../../pkg/src/node.js";

const writer = join(dirname(fileURLToPath(import.meta.url)), "helpers", "filestore-writer.js");

/** Runs the writer until it has acknowledged `commits` more transactions, then SIGKILLs it. */
function runAndKill(dir, commits) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "",
      acked = 0,
      seen = 0,
      killed = false;
    child.stdout.on("data", (d) => {
      buf += d;
      const lines = buf.split("\n");
      buf = lines.pop();
      for (const l of lines) {
        acked = Number(l);
        seen++;
      }
      if (seen >= commits && !killed) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ acked, signal }));
  });
}

test("a SIGKILLed writer leaves one complete state", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ep-filestore-kill-"));
  try {
    let last = 0;
    for (const commits of [1, 7, 20, 3, 50, 11]) {
      const { acked, signal } = await runAndKill(dir, commits);
      assert.equal(signal, "SIGKILL");
      const s = new FileStore(dir);
      const a = await s.get("a");
      assert.ok(a !== undefined);
      const n = Number(a);
      assert.equal(await s.get("b"), a);
      assert.equal(await s.get("c"), a);
      assert.equal(await s.get("blob"), a.padEnd(20000, "x"));
      assert.equal(await s.get("even"), n % 2 ? undefined : a);
      assert.ok(n >= acked, `acknowledged ${acked} but found ${n}`);
      assert.ok(n <= acked + 1, `found ${n}, more than one past the acknowledged ${acked}`);
      assert.ok(n > last);
      last = n;
      assert.deepEqual(
        (await s.keys("")).filter((k) => !["a", "b", "c", "blob", "even"].includes(k)),
        [],
      );
      await s.close(); // the next writer process opens the directory
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
