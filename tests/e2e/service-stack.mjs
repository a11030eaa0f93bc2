// What the browser tests of the events service share: the stack `npm start` runs (www/stack.mjs:
// the console, its simulators and the service on a private PostgreSQL in a temporary
// directory), a browser, and screenshots of a view at desktop width and at 360 px.
import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, artifacts } from "./browser.mjs";
import { startStack } from "../../www/stack.mjs";

/**
 * Starts the stack and a browser. The API's secrets are generated (the environment's are
 * cleared), as on a fresh machine.
 * @param {string} prefix the temporary directory's prefix
 * @param {{env?: object, serviceArgs?: string[]}} [options] more environment, the service's flags
 */
export async function startServiceStack(prefix, { env = {}, serviceArgs } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // The `postgres` user (when we are root) must reach the data directory inside.
  chmodSync(dir, 0o755);
  const stack = await startStack({
    port: 0,
    dataDir: dir,
    env: { ...process.env, ELEMENTS_USER_SECRET: "", ELEMENTS_ORGANIZATION_SECRET: "", ...env },
    ...(serviceArgs ? { serviceArgs } : {}),
    log: () => {},
  });
  let browser;
  try {
    browser = await launch();
  } catch (e) {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    stack,
    browser,
    async close() {
      await browser.close();
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${artifacts}/${name}`, fullPage: true });
}

/** The same view at desktop width and at 360 px (after `ready`, when given), then desktop again. */
export async function shots(page, name, ready) {
  await shot(page, `service-${name}-desktop.png`);
  await page.setViewportSize({ width: 360, height: 780 });
  if (ready) await ready();
  await shot(page, `service-${name}-360.png`);
  await page.setViewportSize({ width: 1280, height: 900 });
}
