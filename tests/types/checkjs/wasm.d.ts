// Workers import a .wasm file as its compiled module (src/init.workerd.js).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
