// A small static server for the e2e tests: serves dist/ (the built site)
// and tests/e2e/fixtures/ under /fixtures/, on 127.0.0.1 only. Every
// request is recorded so tests can check the page asks for nothing else.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

export function startServer({ root, fixtures, port = 0 }) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    requests.push(url.pathname);
    let base = root;
    let rel = decodeURIComponent(url.pathname);
    if (rel.startsWith("/fixtures/")) {
      base = fixtures;
      rel = rel.slice("/fixtures".length);
    }
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.join(base, path.normalize(rel));
    if (!file.startsWith(base) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address();
      resolve({ url: `http://127.0.0.1:${p}`, requests, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
