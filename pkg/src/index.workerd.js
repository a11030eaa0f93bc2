import "./init.workerd.js";
export * from "./api.js";
export * from "./runtime.js";
