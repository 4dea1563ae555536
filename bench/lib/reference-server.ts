/**
 * The two reference servers of the CRUD benchmark, answering the same fixed ~1.5 KB JSON:
 *   node dist/bench/lib/reference-server.js --kind node|express --port N
 * `node`: a bare node:http server; `express`: a bare Express 5 app with res.end(buffer).
 * Loopback only.
 */
import http from 'node:http';
import express from 'express';
import { referenceBody } from './payloads';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const kind = arg('kind') ?? 'node';
const port = Number(arg('port') ?? process.env.PORT ?? 0);
const body = Buffer.from(JSON.stringify(referenceBody()));
const headers = { 'Content-Type': 'application/fhir+json; charset=utf-8', 'Content-Length': String(body.length) };

let server: http.Server;
if (kind === 'express') {
  const app = express();
  app.disable('etag');
  app.disable('x-powered-by');
  app.use((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  server = http.createServer(app);
} else {
  server = http.createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
}
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
