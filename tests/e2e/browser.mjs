// Shared set-up of the browser tests: Debian's Chromium driven by playwright-core, and the
// console served the way `npm start` serves it.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serveConsole } from "../../www/server.mjs";

export const artifacts = fileURLToPath(new URL("../../test-results/", import.meta.url));
mkdirSync(artifacts, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    // Without the background-networking flags Chromium keeps dialing hosts this machine cannot reach.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Starts the console on a free port and opens a page on it, failing the test on page errors. */
export async function openConsole(browser, { path = "/", viewport = { width: 1280, height: 900 }, hub } = {}) {
  const server = await serveConsole({ port: 0, hub });
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.on("console", (m) => m.type() === "error" && errors.push(new Error(m.text())));
  await page.goto(server.url + path);
  return { server, page, errors };
}
