// `elements-poller poll` against the hub simulator, as a child process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hubInstance } from "./helpers/instance.js";
import { startHubSimulator } from "elements-poller/testing";
import { cliAsync } from "./helpers/cli.js";

test("poll --once prints events, a summary, and keeps state for the next run", async () => {
  const hub = await startHubSimulator({ seed: 9, resources: { appointments: 12, tasks: 4 } });
  const dir = mkdtempSync(join(tmpdir(), "elements-poller-cli-"));
  try {
    const body = hubInstance(hub, ["appointments", "tasks"], { signed: true, name: "cli" });
    const file = join(dir, "instance.json");
    writeFileSync(file, JSON.stringify(body, null, 2));
    const env = {
      ELEMENTS_USER_SECRET: hub.credentials.user,
      ELEMENTS_ORGANIZATION_SECRET: hub.credentials.organization,
      ELEMENTS_ELEMENT_TOKEN: hub.credentials.element,
    };
    const args = [
      "poll",
      file,
      "--base-url",
      hub.baseUrl,
      "--state",
      join(dir, "state"),
      "--once",
      "--start-from",
      "beginning",
    ];

    const json = await cliAsync([...args, "--json"], { env });
    assert.equal(json.code, 0, json.err);
    const lines = json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(lines.filter((l) => l.type === "event").length, 16);
    const poll = lines.find((l) => l.type === "poll");
    assert.deepEqual(
      poll.summaries.map((s) => [s.resource, s.events]),
      [
        ["appointments", 12],
        ["tasks", 4],
      ],
    );

    hub.mutate({ resource: "tasks", op: "update", count: 2 });
    const text = await cliAsync(args, { env });
    assert.equal(text.code, 0, text.err);
    assert.equal(text.out.trim().split("\n").length, 2, "only the two new versions");
    assert.match(text.out, /^UPDATED tasks\//m);
    assert.match(text.err, /resource +pages +records +events/);

    hub.mutate({ resource: "appointments", op: "create", count: 3 });
    const delivered = await cliAsync([...args, "--deliver"], { env });
    assert.equal(delivered.code, 0, delivered.err);
    const got = hub.received();
    assert.equal(got.length, 1);
    assert.equal(got[0].verified, true);
    assert.equal(got[0].body.message.events.length, 3);

    const missing = await cliAsync(args, { env: { ELEMENTS_USER_SECRET: "" } });
    assert.equal(missing.code, 2);
    assert.match(missing.err, /missing credentials/);
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("poll --once --reconcile lists in full and prints DELETED for a record gone", async () => {
  const hub = await startHubSimulator({ seed: 10, resources: { tasks: 6 } });
  const dir = mkdtempSync(join(tmpdir(), "elements-poller-cli-"));
  try {
    const body = hubInstance(hub, ["tasks"], { name: "cli-reconcile" });
    const file = join(dir, "instance.json");
    writeFileSync(file, JSON.stringify(body, null, 2));
    const env = {
      ELEMENTS_USER_SECRET: hub.credentials.user,
      ELEMENTS_ORGANIZATION_SECRET: hub.credentials.organization,
      ELEMENTS_ELEMENT_TOKEN: hub.credentials.element,
    };
    const args = ["poll", file, "--base-url", hub.baseUrl, "--state", join(dir, "state"), "--once", "--json"];
    // The poller has no reconcile key: the first full listing, asked for, records the ids.
    const first = await cliAsync([...args, "--start-from", "beginning", "--reconcile"], { env });
    assert.equal(first.code, 0, first.err);
    const [gone] = hub.records("tasks");
    hub.mutate({ resource: "tasks", op: "delete", id: gone.id });
    const plain = await cliAsync(args, { env });
    assert.doesNotMatch(plain.out, /"DELETED"/, "a poll by date cannot see it");
    const r = await cliAsync([...args, "--reconcile"], { env });
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const deleted = lines.filter((l) => l.type === "event" && l.eventType === "DELETED");
    assert.deepEqual(
      deleted.map((l) => l.objectId),
      [String(gone.id)],
      r.out,
    );
    const poll = lines.find((l) => l.type === "poll");
    assert.equal(poll.summaries[0].reconciled, true);
    assert.equal(poll.summaries[0].deleted, 1);
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
