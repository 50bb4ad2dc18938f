// A minimal static file server on 127.0.0.1 for the browser tests: GET only,
// no directory listings, nothing outside the mounted directories.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/**
 * Serves `mounts` ({ "/url/prefix/": "/dir" }, longest prefix wins) and
 * `extra` ({ "/path": () => body }). Resolves to { url, close }.
 */
export async function serve(mounts, extra = {}) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const send = (status, body, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (req.method !== "GET") return send(405, "GET only");
    if (extra[path]) return send(200, extra[path](), TYPES[extname(path)] ?? "text/plain");
    const prefix = prefixes.find((p) => path.startsWith(p));
    if (!prefix) return send(404, "not found");
    const root = mounts[prefix];
    let file = normalize(join(root, path.slice(prefix.length)));
    if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return send(403, "outside the root");
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      send(200, await readFile(file), TYPES[extname(file)] ?? "application/octet-stream");
    } catch {
      send(404, "not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    // closeAllConnections: the browser keeps idle keep-alive connections
    // open, and close() alone would wait for them.
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
