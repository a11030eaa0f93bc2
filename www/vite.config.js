import { defineConfig } from "vite";

const root = new URL(".", import.meta.url).pathname;

export default defineConfig({
  root,
  // The package instantiates its wasm by top-level await.
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    rollupOptions: {
      input: { main: `${root}index.html`, embed: `${root}embed.html`, oauth: `${root}oauth-callback.html` },
    },
  },
  optimizeDeps: { exclude: ["elements-poller"] },
});
