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

test("poll --id: a refused grant exits 1 with oauth.reauthorize; the body with a new code goes on from the saved state", async () => {
  const keap = await startKeapSimulator({ seed: 52, resources: { contacts: 4 } });
  const dir = mkdtempSync(join(tmpdir(), "elements-poller-cli-keap-"));
  try {
    const file = join(dir, "body.json");
    const write = () =>
      writeFileSync(
        file,
        JSON.stringify(
          buildInstance({
            element: "infusionsoftrest",
            name: "cli-keap",
            code: keap.mintCode(),
            oauth: {
              key: keap.client.clientId,
              secret: keap.client.clientSecret,
              callbackUrl: keap.client.redirectUri,
            },
            callbackUrl: "https://app.example.com/events",
            api: "direct",
            resources: { contacts: { preset: "contacts" } },
          }),
        ),
      );
    write();
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
    const run = (...more) => cliAsync([...args, "--once", "--json", "--id", "crm-1", ...more], { env: {} });
    const lines = (out) =>
      out
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    const first = await run("--start-from", "beginning");
    assert.equal(first.code, 0, first.err);
    assert.equal(lines(first.out).filter((l) => l.type === "event").length, 4);

    keap.revokeAll();
    keap.mutate({ resource: "contacts", op: "update", id: 2 });
    const refused = await run();
    assert.equal(refused.code, 1);
    assert.match(refused.err, /oauth\.reauthorize/);
    assert.match(refused.err, /needs re-authorization/);

    // The account owner consents again: a new code in the body, the same --id.
    write();
    const renewed = await run();
    assert.equal(renewed.code, 0, renewed.err);
    assert.deepEqual(
      lines(renewed.out)
        .filter((l) => l.type === "event")
        .map((e) => `${e.eventType} ${e.objectType}/${e.objectId}`),
      ["UPDATED contacts/2"],
      "the change made while the grant was dead, from the saved state (no new baseline)",
    );
    assert.deepEqual(
      keap.tokenRequests().map((r) => `${r.grant}:${r.status}`),
      ["authorization_code:200", "refresh_token:400", "authorization_code:200"],
    );
    assert.equal((await cliAsync([...args, "--once", "--id", " "], { env: {} })).code, 2, "an empty --id is refused");
  } finally {
    await keap.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
