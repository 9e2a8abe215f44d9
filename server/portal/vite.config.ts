import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The gateway serves dist/ at "/", so asset URLs are absolute from the site root.
export default defineConfig({
  root: __dirname,
  base: "/",
  plugins: [react()],
  build: {
    outDir: path.join(__dirname, "dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      output: {
        // ethers has circular imports between its modules: split across chunks they initialise out of order. One
        // chunk for ethers and its crypto, loaded only by the pages that sign or verify (certificate, audit, own keys).
        manualChunks: (id: string) => (/node_modules\/(ethers|@noble|@adraffy|aes-js|tslib)\//.test(id) ? "ethers" : undefined),
        // The oxc minifier drops console.* calls (ethers has a few): the bundle lives under server/, where no console
        // call may stand, and a browser console is not where the portal reports anything.
        minify: { compress: { dropConsole: true } },
      },
    },
  },
  server: { proxy: { "/v1": "http://127.0.0.1:8080" } },
});
