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
  },
  server: { proxy: { "/v1": "http://127.0.0.1:8080" } },
});
