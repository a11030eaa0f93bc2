// The CLI as a terminal user meets it: where carets point, what is shown of a long line or a
// binary file, which stream gets what, secrets in excerpts, and a refused connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildInstance } from "elements-poller";
import { cli } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "elements-poller-cli-terminal-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const bin = fileURLToPath(new URL("../../pkg/bin/elements-poller.js", import.meta.url));

/** The CLI with exactly `env` as its environment. */
function cliEnv(env, ...args) {
  const r = spawnSync("node", [bin, ...args], { encoding: "utf8", env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name, content) {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const valid = buildInstance({
  element: "infusionsoftrest",
  name: "terminal",
  code: "grant-code-0f9e8d",
  oauth: { key: "app-key", secret: "app-s3cret-7a6b5c", callbackUrl: "https://app.example.com/oauth" },
  callbackUrl: "https://app.example.com/events",
  resources: ["appointments"],
});

test("a JSON syntax error puts its caret at the line and column of the error, with a hint for a file", () => {
  const path = file(
    "syntax.json",
    '{\n  "name": "x",\n  "element": {\n    "key": "infusionsoftrest"\n    "oops": 1\n  }\n}\n',
  );
  const { code, err, out } = cli("validate", path);
  assert.equal(code, 1);
  assert.equal(out, "");
  assert.match(err, /syntax\.json:5:5 /);
  assert.match(err, /\n5 \| {5}"oops": 1\n {2}\| {5}\^/);
  assert.doesNotMatch(err, /paste/, "the console's wording is not a file's");
  assert.match(err, /= hint: fix the JSON syntax/);
});

test("a one-line 5 MB body is shown as a window around the column, never whole", () => {
  const body = structuredClone(valid);
  body.configuration["event.poller.refresh_interval"] = "soon";
  body.tags = ["x".repeat(5_000_000)];
  const path = file("long.json", JSON.stringify(body));
  const { code, err } = cli("validate", path);
  assert.equal(code, 1);
  assert.match(err, /error\[config\.refresh-interval\]/);
  assert.ok(err.length < 4000, `stderr is ${err.length} characters`);
  const [, src, caret] = err.match(/\n1 \| (.*)\n {2}\| ( *)\^/) ?? [];
  assert.ok(src.length <= 102 && src.startsWith("…") && src.endsWith("…"), `a window: ${src}`);
  assert.equal([...src].slice(caret.length, caret.length + 3).join(""), '"so', "the caret is under the value");
});

test("a binary file is refused with the offending byte, not printed back", () => {
  const path = file(
    "binary.json",
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x1b, 0x5b, 0x32, 0x4a]),
  );
  const { code, err, out } = cli("validate", path);
  assert.equal(code, 1);
  assert.equal(out, "");
  assert.match(err, /^error\[cli\.not-text\]: .*binary\.json is not UTF-8 text \(a NUL byte at offset 8\)/);
  // eslint-disable-next-line no-control-regex -- control bytes are what it looks for
  assert.doesNotMatch(err, /[\x00-\x09\x0b-\x1f]/, "no control bytes reach the terminal");
  const latin1 = file("latin1.json", Buffer.from('{"name": "caf\xe9"}', "latin1"));
  assert.match(cli("validate", latin1).err, /not UTF-8 text \(invalid UTF-8\)/);
});

test("human diagnostics go to stderr, --json to stdout", () => {
  const body = structuredClone(valid);
  delete body.name;
  const path = file("nameless.json", JSON.stringify(body, null, 2));
  const human = cli("validate", path);
  assert.equal(human.out, "");
  assert.match(human.err, /nameless\.json: (invalid|ok)/);
  const json = cli("validate", "--json", path);
  assert.equal(json.err, "");
  assert.equal(JSON.parse(json.out)[0].file, path);
  const lint = cli("date", "lint", "YYYY", "--json");
  assert.equal(lint.err, "");
  assert.equal(JSON.parse(lint.out)[0].code, "date-format.week-year");
});

test("a UTF-8 byte-order mark is accepted", () => {
  const path = file("bom.json", "\ufeff" + JSON.stringify(valid, null, 2));
  const { code, err } = cli("validate", path);
  assert.equal(code, 0, err);
  assert.match(err, /bom\.json: ok/);
  assert.equal(cli("preview", path, "--poll-url", "appointments").code, 0);
});

test("--version prints the package's version", () => {
  const { version } = JSON.parse(
    readFileSync(fileURLToPath(new URL("../../pkg/package.json", import.meta.url)), "utf8"),
  );
  const { code, out } = cli("--version");
  assert.equal(code, 0);
  assert.equal(out, `elements-poller ${version}\n`);
});

test("preview of an invalid body warns, and --strict refuses it", () => {
  const body = structuredClone(valid);
  body.configuration["event.poller.refresh_interval"] = 0;
  const path = file("invalid.json", JSON.stringify(body, null, 2));
  const loose = cli("preview", path, "--curl");
  assert.equal(loose.code, 0);
  assert.match(loose.out, /^curl -X POST/);
  assert.match(
    loose.err,
    /^warning: .*invalid\.json has 1 error \(config\.refresh-interval\): elements-poller validate/,
  );
  const strict = cli("preview", path, "--curl", "--strict");
  assert.equal(strict.code, 1);
  assert.equal(strict.out, "");
  assert.match(strict.err, /^error: /);
  const clean = cli("preview", file("valid.json", JSON.stringify(valid)), "--curl", "--strict");
  assert.equal(clean.code, 0);
  assert.equal(clean.err, "");
});

test("preview --request without secrets names the variables to set, as poll does", () => {
  const path = file("request.json", JSON.stringify(valid));
  const env = { ...process.env, ELEMENTS_USER_SECRET: "", ELEMENTS_ORGANIZATION_SECRET: "" };
  const none = cliEnv(env, "preview", path, "--request");
  assert.equal(none.code, 2);
  assert.match(none.err, /^missing credentials: set ELEMENTS_USER_SECRET, ELEMENTS_ORGANIZATION_SECRET/);
  const one = cliEnv({ ...env, ELEMENTS_USER_SECRET: "u" }, "preview", path, "--request");
  assert.match(one.err, /^missing credentials: set ELEMENTS_ORGANIZATION_SECRET /);
  const both = cliEnv(
    { ...env, ELEMENTS_USER_SECRET: "u", ELEMENTS_ORGANIZATION_SECRET: "o" },
    "preview",
    path,
    "--request",
  );
  assert.equal(both.code, 0, both.err);
  assert.equal(JSON.parse(both.out).method, "POST");
});

test("excerpts mask the body's secrets, on the line of a diagnostic and beside it", () => {
  const body = structuredClone(valid);
  body.configuration["event.poller.refresh_interval"] = -1;
  // Minified: the secrets share the diagnostic's line.
  const one = cli("validate", file("secrets.json", JSON.stringify(body)));
  assert.match(one.err, /config\.refresh-interval/);
  for (const secret of ["app-s3cret-7a6b5c", "grant-code-0f9e8d"])
    assert.ok(!one.err.includes(secret), `${secret} is masked`);
  // The oauth secret right before the bad value: the window shows it, masked.
  const near = { configuration: { "oauth.api.secret": "app-s3cret-7a6b5c", "event.poller.refresh_interval": -1 } };
  const shown = cli("validate", file("near.json", JSON.stringify(near))).err;
  assert.match(shown, /"oauth\.api\.secret":"\*{8}","event\.poller\.refresh_interval":-1/);
  assert.ok(!shown.includes("app-s3cret"));
  // The caret still points at the value after the mask changed the line's length.
  const block = shown.split("\n\n").find((b) => b.includes("config.refresh-interval"));
  const [, src, caret] = block.match(/\n1 \| (.*)\n {2}\| ( *)\^/) ?? [];
  assert.equal(src.slice(caret.length, caret.length + 2), "-1");
  // A placeholder is not a secret: it stays visible, as in the cURL form.
  const placeholder = cli(
    "validate",
    file("placeholder.json", JSON.stringify({ ...valid, providerData: { code: "<AUTHORIZATION_GRANT_CODE>" } })),
  );
  assert.match(placeholder.err, /"code":"<AUTHORIZATION_GRANT_CODE>"/);
});

test("poll against a refused connection says so in its first line, at once", async () => {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r)); // nothing listens there now
  const path = file("poll.json", JSON.stringify(valid));
  const env = {
    ...process.env,
    ELEMENTS_USER_SECRET: "u",
    ELEMENTS_ORGANIZATION_SECRET: "o",
    ELEMENTS_ELEMENT_TOKEN: "e",
  };
  const started = Date.now();
  const child = spawn(
    "node",
    [
      bin,
      "poll",
      path,
      "--base-url",
      `http://127.0.0.1:${port}/elements/api-v2`,
      "--state",
      join(dir, "state"),
      "--once",
    ],
    { env },
  );
  try {
    const first = await new Promise((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (d) => {
        err += d;
        if (err.includes("\n")) resolve(err.split("\n")[0]);
      });
      child.on("close", () => resolve(err.split("\n")[0]));
      setTimeout(() => reject(new Error(`no line on stderr after 10 s: ${err}`)), 10_000);
    });
    assert.match(
      first,
      new RegExp(
        `^warning appointments: cannot connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); retry in \\d+ ms$`,
      ),
    );
    assert.ok(Date.now() - started < 5000, `said within ${Date.now() - started} ms`);
  } finally {
    child.kill();
  }
});

test("the summary and --json say which API the instance polls (event.poller.api)", () => {
  const path = join(dir, "direct.json");
  const body = { element: { key: "infusionsoftrest" }, configuration: { "event.poller.api": "direct" } };
  writeFileSync(path, JSON.stringify(body));
  assert.match(cli("validate", path).err, /direct\.json: (invalid|ok) .*; polls the provider's API directly\n/);
  assert.equal(JSON.parse(cli("validate", "--json", path).out)[0].api, "direct");
  writeFileSync(path, JSON.stringify({ element: { key: "infusionsoftrest" }, configuration: {} }));
  assert.match(cli("validate", path).err, /; polls through a Cloud Elements hub\n/);
});
