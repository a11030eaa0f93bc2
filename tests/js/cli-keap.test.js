// `elements-poller poll` against the Keap simulator: a direct body, no hub credentials, the
// code exchanged and the tokens kept in the state directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildInstance } from "elements-poller";
import { startKeapSimulator } from "elements-poller/testing";
import { cliAsync } from "./helpers/cli.js";

test("poll --once a direct body against the Keap simulator: every record, tokens kept for the next run", async () => {
  const keap = await startKeapSimulator({ seed: 51, resources: { contacts: 7, notes: 3 } });
  const dir = mkdtempSync(join(tmpdir(), "elements-poller-cli-keap-"));
  try {
    const body = buildInstance({
      element: "infusionsoftrest",
      name: "cli-keap",
      code: keap.mintCode(),
      oauth: { key: keap.client.clientId, secret: keap.client.clientSecret, callbackUrl: keap.client.redirectUri },
      callbackUrl: "https://app.example.com/events",
      api: "direct",
      resources: { contacts: { preset: "contacts" }, notes: { preset: "notes" } },
    });
    const file = join(dir, "body.json");
    writeFileSync(file, JSON.stringify(body));
    const args = [
      "poll",
      file,
      "--base-url",
      keap.baseUrl,
      "--token-url",
      keap.tokenUrl,
      "--state",
      join(dir, "state"),
    ];
    const env = { ELEMENTS_USER_SECRET: "", ELEMENTS_ORGANIZATION_SECRET: "", ELEMENTS_ELEMENT_TOKEN: "" };
    const first = await cliAsync([...args, "--once", "--json", "--start-from", "beginning"], { env });
    assert.equal(first.code, 0, first.err);
    const events = first.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "event");
    assert.equal(events.length, 10);
    keap.mutate({ resource: "contacts", op: "update", id: 3 });
    const second = await cliAsync([...args, "--once", "--json"], { env });
    assert.equal(second.code, 0, second.err);
    const again = second.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === "event");
    assert.deepEqual(
      again.map((e) => `${e.objectType}/${e.objectId}`),
      ["contacts/3"],
    );
    assert.deepEqual(
      keap.tokenRequests().map((r) => r.grant),
      ["authorization_code"],
      "the second run used the saved token",
    );
  } finally {
    await keap.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
