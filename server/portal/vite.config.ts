import fs from "node:fs";
import path from "node:path";
import react from "@vitejs/plugin-react";
import { createServer, defineConfig, type Plugin } from "vite";

const DIST = path.join(__dirname, "dist");

/**
 * After the build, renders the home page (src/prerender.tsx) into a copy of index.html: dist/home.html, which the
 * gateway answers for `/` (server/portal-server/static.ts). Every other route gets index.html, whose root is empty, so
 * no page ever shows another page's content while its script loads.
 */
function prerenderHome(): Plugin {
  return {
    name: "cal-prerender-home",
    apply: "build",
    async closeBundle() {
      const server = await createServer({ configFile: false, root: __dirname, logLevel: "error", appType: "custom", server: { middlewareMode: true, hmr: false, ws: false } });
      try {
        const { renderHome } = (await server.ssrLoadModule("/src/prerender.tsx")) as typeof import("./src/prerender");
        const { html, title } = renderHome();
        const index = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
        const home = index
          .replace(/<title>[^<]*<\/title>/, `<title>${title}</title>`)
          .replace('<div id="root"></div>', `<div id="root" data-prerendered="/">${html}</div>`);
        if (home === index || !home.includes('data-prerendered="/"')) throw new Error("prerender: index.html has no empty #root to fill");
        fs.writeFileSync(path.join(DIST, "home.html"), home);
      } finally {
        await server.close();
      }
    },
  };
}

// The gateway serves dist/ at "/", so asset URLs are absolute from the site root.
export default defineConfig({
  root: __dirname,
  base: "/",
  plugins: [react(), prerenderHome()],
  build: {
    outDir: DIST,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      output: {
        // React in its own chunk: the same file across portal releases, so a browser keeps it cached (immutable).
        // ethers has circular imports between its modules: split across chunks they initialise out of order. One
        // chunk for ethers and its crypto, loaded only by the pages that sign or verify (certificate, audit, own keys).
        manualChunks: (id: string) =>
          /node_modules\/(react|react-dom|scheduler)\//.test(id) ? "react" : /node_modules\/(ethers|@noble|@adraffy|aes-js|tslib)\//.test(id) ? "ethers" : undefined,
        // The oxc minifier drops console.* calls (ethers has a few): the bundle lives under server/, where no console
        // call may stand, and a browser console is not where the portal reports anything.
        minify: { compress: { dropConsole: true } },
      },
    },
  },
  server: { proxy: { "/v1": "http://127.0.0.1:8080" } },
});
