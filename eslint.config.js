// ESLint over the repository's JavaScript: the recommended rules, which catch real mistakes
// (undefined names, unused variables, unreachable code), and a few that keep the code plain.
// Style is Prettier's job (.prettierrc.json), so no rule here is about layout.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    // Generated or third-party: the wasm-bindgen output, builds, reports, fuzz work.
    ignores: ["pkg/wasm/**", "www/dist/**", "test-results/**", "target/**", "fuzz/**", "**/node_modules/**"],
  },
  js.configs.recommended,
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      // The package runs in browsers, Node, Bun, Deno and Workers; the tests and scripts in
      // Node and (through Playwright) in pages. Each file's imports say which it needs.
      globals: { ...globals.browser, ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `_name` marks a parameter or binding kept for its position (a callback's signature).
      "no-unused-vars": [
        "error",
        { args: "after-used", argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // `==` only against null, where it means "null or undefined".
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": ["error", { destructuring: "all" }],
      // A thrown string has no stack and no code: throw an Error (PollerError in the package).
      "no-throw-literal": "error",
      "object-shorthand": ["error", "properties"],
      // Off: it flags `let ok = false; try { ...; ok = true } catch { ok = false }`, written
      // so on purpose, and `x = null` that drops a reference for the garbage collector.
      "no-useless-assignment": "off",
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
];
