import fs from "node:fs";
import path from "node:path";
import express, { type Express, type RequestHandler } from "express";

/** Where `npm run build:portal` writes the portal (git-ignored). */
export const PORTAL_DIST = path.resolve(__dirname, "../portal/dist");

// Paths that belong to the API, its documentation and metadata: never answered with the portal's page.
const NOT_PORTAL = /^\/(v1|docs|openapi\.json|metadata|health|ready)(\/|$)/;

/**
 * Serves the built portal at `/`: hashed assets with a long cache, and index.html for every client route (GET of an
 * HTML page outside the API), so `/certificates/12` opened from a QR code lands on the right page. `/` itself gets
 * home.html, the same page with the home page prerendered by the build (its heading paints before the script runs);
 * other routes keep an empty root, never showing the home page's content while their own loads.
 */
export function servePortal(app: Express, dist = PORTAL_DIST): void {
  const index = path.join(dist, "index.html");
  if (!fs.existsSync(index)) return;
  const home = fs.existsSync(path.join(dist, "home.html")) ? path.join(dist, "home.html") : index;
  app.use("/assets", express.static(path.join(dist, "assets"), { immutable: true, maxAge: "1y", index: false, fallthrough: true }));
  app.use(express.static(dist, { index: false, maxAge: "1h" }));
  const fallback: RequestHandler = (req, res, next) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || NOT_PORTAL.test(req.path) || req.path.startsWith("/assets/")) return next();
    if (!req.accepts("html")) return next();
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(req.path === "/" ? home : index);
  };
  app.use(fallback);
}
