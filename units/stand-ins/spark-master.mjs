// Stand-in for a Spark master (the real one cannot be installed on the test bed): an HTTP server on port 7077
// that records the workers that register (GET /register?worker=NAME) and lists them (GET /workers).
import http from 'node:http';

const port = Number(process.env.SPARK_MASTER_PORT ?? 7077);
const workers = new Map();

http
  .createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://master');
    if (url.pathname === '/register' && url.searchParams.get('worker')) {
      workers.set(url.searchParams.get('worker'), Date.now());
      res.end('registered\n');
    } else if (url.pathname === '/workers') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([...workers.keys()].sort()));
    } else {
      res.statusCode = 404;
      res.end();
    }
  })
  .listen(port, () => process.stdout.write(`spark master stand-in on :${port}\n`));
