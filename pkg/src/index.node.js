import "./init.node.js";
export * from "./api.js";
export * from "./runtime.js";
