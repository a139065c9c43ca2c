/** A `.wasm` file imported as a module: wrangler (CompiledWasm rule) and Next.js / Vercel Edge (`?module`) give it compiled. */
declare module '*.wasm?module' {
  const module: WebAssembly.Module;
  export default module;
}
