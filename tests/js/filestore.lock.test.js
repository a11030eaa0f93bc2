// A FileStore directory belongs to one process at a time: real processes on one directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { FileStore } from "../../pkg/src/node.js";
import { PollerError } from "../../pkg/src/errors.js";

const holder = join(dirname(fileURLToPath(import.meta.url)), "helpers", "filestore-holder.js");

/** Starts a holder; resolves with the child and its first line (`got` or `locked ...`). */
function hold(dir, holdMs = 0) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [holder, dir, String(holdMs)], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      if (buf.includes("\n"))
        resolve({
          child,
          line: buf.split("\n")[0],
          exited: new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r))),
        });
    });
    child.on("error", reject);
    child.on("exit", () => resolve({ child, line: buf.split("\n")[0], exited: Promise.resolve() }));
  });
}

test("a second process gets store.locked; after a SIGKILL the lock is recovered and nothing is lost", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ep-filestore-lock-"));
  try {
    const a = await hold(dir);
    assert.equal(a.line, "got");
    const b = await hold(dir);
    assert.match(b.line, new RegExp(`^locked store\\.locked .*in use by process ${a.child.pid}`));
    assert.throws(
      () => new FileStore(dir),
      (e) => e instanceof PollerError && e.code === "store.locked" && e.path === join(dir, "store.lock"),
    );

    a.child.kill("SIGKILL");
    await a.exited;
    assert.equal(
      (await readFile(join(dir, "store.lock"), "utf8")).trim(),
      String(a.child.pid),
      "a killed process leaves its lock",
    );
    const s = new FileStore(dir);
    assert.deepEqual(await s.keys("holder/"), [`holder/${a.child.pid}`]);
    await s.close();
    const c = await hold(dir, 1);
    assert.equal(c.line, "got", "close() released it");
    await c.exited;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("processes racing for a stale lock: exactly one gets it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ep-filestore-race-"));
  try {
    for (let round = 0; round < 2; round++) {
      // A lock left by a process that no longer runs (no pid reaches 2^22, the largest pid_max).
      await writeFile(join(dir, "store.lock"), `${4194304 + round}\n`);
      const racers = await Promise.all(Array.from({ length: 4 }, () => hold(dir, 1500)));
      const got = racers.filter((r) => r.line === "got");
      assert.equal(got.length, 1, racers.map((r) => r.line).join(" | "));
      assert.ok(
        racers.every((r) => r.line === "got" || r.line.startsWith("locked store.locked")),
        racers.map((r) => r.line).join(" | "),
      );
      await Promise.all(racers.map((r) => r.exited));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a closed store refuses operations; close is idempotent", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ep-filestore-closed-"));
  try {
    const s = new FileStore(dir);
    await s.set("a", "1");
    await s.close();
    await s.close();
    await assert.rejects(s.get("a"), (e) => e instanceof PollerError && e.code === "store.closed");
    await assert.rejects(s.set("a", "2"), (e) => e instanceof PollerError && e.code === "store.closed");
    const again = new FileStore(dir);
    assert.equal(await again.get("a"), "1");
    await again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
