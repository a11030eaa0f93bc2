import "./init.browser.js";
export * from "./api.js";
export * from "./runtime.js";
