// One contract suite for every store, plus the crash behaviour of each.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore, LocalStorageStore } from "../../pkg/src/stores.js";
import { FileStore } from "../../pkg/src/node.js";
import { PollerError } from "../../pkg/src/errors.js";
import { MemoryStorage } from "./helpers/memory-storage.js";

/** Each kind: make() -> {store, reopen(): store, cleanup()} */
const kinds = {
  MemoryStore: async () => {
    const store = new MemoryStore();
    return { store, reopen: null, cleanup: async () => {} };
  },
  LocalStorageStore: async () => {
    const storage = new MemoryStorage();
    storage.setItem("unrelated", "x"); // other apps' items stay invisible
    const open = () => new LocalStorageStore({ storage, prefix: "t:" });
    return { store: open(), reopen: open, cleanup: async () => {}, storage };
  },
  FileStore: async () => {
    const dir = await mkdtemp(join(tmpdir(), "ep-filestore-"));
    // One open FileStore per directory: reopening closes the one before (as a restart would).
    let current = new FileStore(dir);
    const reopen = async () => {
      await current.close();
      return (current = new FileStore(dir));
    };
    return {
      store: current,
      reopen,
      cleanup: async () => {
        await current.close();
        await rm(dir, { recursive: true, force: true });
      },
      dir,
    };
  },
};

for (const [name, make] of Object.entries(kinds)) {
  describe(`${name} contract`, () => {
    const withStore = (fn) => async () => {
      const h = await make();
      try {
        await fn(h.store, h);
      } finally {
        await h.cleanup();
      }
    };

    test(
      "get of an absent key is undefined; set then get",
      withStore(async (s) => {
        assert.equal(await s.get("nope"), undefined);
        await s.set("a", "1");
        assert.equal(await s.get("a"), "1");
        await s.set("a", "2");
        assert.equal(await s.get("a"), "2");
        await s.set("empty", "");
        assert.equal(await s.get("empty"), "");
        const odd = 'ünïcödé ✓ "quotes" \n newline \u0000 nul 😀';
        await s.set("k/ü 😀", odd);
        assert.equal(await s.get("k/ü 😀"), odd);
      }),
    );

    test(
      "delete, also of an absent key",
      withStore(async (s) => {
        await s.set("a", "1");
        await s.delete("a");
        assert.equal(await s.get("a"), undefined);
        await s.delete("never");
      }),
    );

    test(
      "keys(prefix) is sorted and limited to the prefix",
      withStore(async (s) => {
        for (const k of ["b/2", "a/1", "b/10", "b/1", "c", "b"]) await s.set(k, k);
        assert.deepEqual(await s.keys("b/"), ["b/1", "b/10", "b/2"]);
        assert.deepEqual(await s.keys(""), ["a/1", "b", "b/1", "b/10", "b/2", "c"]);
        assert.deepEqual(await s.keys("zzz"), []);
      }),
    );

    test(
      "transaction applies every op, later ops win",
      withStore(async (s) => {
        await s.set("old", "x");
        await s.transaction([
          { op: "set", key: "t/1", value: "a" },
          { op: "set", key: "t/2", value: "b" },
          { op: "delete", key: "old" },
          { op: "set", key: "t/1", value: "c" },
          { op: "set", key: "gone", value: "y" },
          { op: "delete", key: "gone" },
        ]);
        assert.equal(await s.get("t/1"), "c");
        assert.equal(await s.get("t/2"), "b");
        assert.equal(await s.get("old"), undefined);
        assert.equal(await s.get("gone"), undefined);
        await s.transaction([]);
      }),
    );

    test(
      "an invalid transaction is rejected whole",
      withStore(async (s) => {
        await s.set("keep", "1");
        for (const bad of [
          [
            { op: "set", key: "a", value: "1" },
            { op: "frobnicate", key: "b" },
          ],
          [
            { op: "set", key: "a", value: "1" },
            { op: "set", key: "b", value: 5 },
          ],
          [
            { op: "delete", key: "keep" },
            { op: "set", key: 7, value: "x" },
          ],
          "not an array",
        ]) {
          await assert.rejects(s.transaction(bad), (e) => e instanceof PollerError && e.code.startsWith("store."));
        }
        assert.equal(await s.get("a"), undefined);
        assert.equal(await s.get("keep"), "1");
        await assert.rejects(s.set("x", 1), PollerError);
        await assert.rejects(s.set("x", undefined), PollerError);
      }),
    );

    test(
      "concurrent writes all land",
      withStore(async (s) => {
        await Promise.all(Array.from({ length: 40 }, (_, i) => s.set(`c/${String(i).padStart(2, "0")}`, String(i))));
        await Promise.all(Array.from({ length: 10 }, (_, i) => s.delete(`c/${String(i * 2).padStart(2, "0")}`)));
        const keys = await s.keys("c/");
        assert.equal(keys.length, 30);
        assert.equal(await s.get("c/39"), "39");
      }),
    );

    test(
      "values survive reopening",
      withStore(async (s, h) => {
        if (!h.reopen) return; // MemoryStore forgets by design
        await s.set("a", "1");
        await s.transaction([
          { op: "set", key: "b", value: "2" },
          { op: "set", key: "c", value: "3" },
        ]);
        await s.delete("c");
        const again = await h.reopen();
        assert.equal(await again.get("a"), "1");
        assert.equal(await again.get("b"), "2");
        assert.equal(await again.get("c"), undefined);
        assert.deepEqual(await again.keys(""), ["a", "b"]);
      }),
    );
  });
}

describe("LocalStorageStore crashes and quota", () => {
  test("a journal left by a crash mid-transaction is rolled forward on open", async () => {
    const storage = new MemoryStorage();
    const s = new LocalStorageStore({ storage, prefix: "p:" });
    await s.set("state", "old");
    await s.set("outbox/1", "pending");
    // What a crash leaves after the journal and the first op were written (the store's
    // layout: data under prefix + "k:", the journal under prefix + "journal").
    const ops = [
      { op: "set", key: "state", value: "new" },
      { op: "delete", key: "outbox/1" },
      { op: "set", key: "outbox/2", value: "next" },
    ];
    storage.setItem("p:journal", JSON.stringify({ ops }));
    storage.setItem("p:k:state", "new");
    const reopened = new LocalStorageStore({ storage, prefix: "p:" });
    assert.equal(await reopened.get("state"), "new");
    assert.equal(await reopened.get("outbox/1"), undefined);
    assert.equal(await reopened.get("outbox/2"), "next");
    assert.equal(storage.getItem("p:journal"), null);
    assert.deepEqual(await reopened.keys(""), ["outbox/2", "state"]);
  });

  test("a quota error while applying restores the old values and rejects", async () => {
    const storage = new MemoryStorage();
    const s = new LocalStorageStore({ storage, prefix: "p:" });
    await s.set("a", "1");
    await s.set("b", "2");
    storage.failAfter = 2; // journal ok, first op ok, second op fails
    await assert.rejects(
      s.transaction([
        { op: "set", key: "a", value: "9" },
        { op: "set", key: "b", value: "9" },
        { op: "set", key: "c", value: "9" },
      ]),
      (e) => e instanceof PollerError && e.code === "store.write-failed",
    );
    storage.failAfter = Infinity;
    assert.equal(await s.get("a"), "1");
    assert.equal(await s.get("b"), "2");
    assert.equal(await s.get("c"), undefined);
    assert.equal(storage.getItem("p:journal"), null);
  });

  test("a quota error on the journal leaves everything as it was", async () => {
    const storage = new MemoryStorage({ quota: 60 });
    const s = new LocalStorageStore({ storage, prefix: "p:" });
    await s.set("a", "1");
    await assert.rejects(s.transaction([{ op: "set", key: "a", value: "x".repeat(100) }]), PollerError);
    assert.equal(await s.get("a"), "1");
  });
});

describe("FileStore on disk", () => {
  test("one file, no temporary files left behind, readable JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ep-filestore-"));
    try {
      const s = new FileStore(join(dir, "nested", "state"));
      await s.transaction([
        { op: "set", key: "x", value: "1" },
        { op: "set", key: "y", value: "2" },
      ]);
      assert.deepEqual((await readdir(join(dir, "nested", "state"))).sort(), ["store.json", "store.lock"]);
      await s.close();
      assert.deepEqual(await readdir(join(dir, "nested", "state")), ["store.json"]);
      const doc = JSON.parse(await readFile(join(dir, "nested", "state", "store.json"), "utf8"));
      assert.deepEqual(doc, { v: 1, data: { x: "1", y: "2" } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a corrupt file is reported, not silently emptied", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ep-filestore-"));
    try {
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(dir, "store.json"), "{not json");
      const s = new FileStore(dir);
      await assert.rejects(s.get("a"), (e) => e instanceof PollerError && e.code === "store.corrupt");
      await s.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
