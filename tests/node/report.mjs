// report ends a test client: when the socket closes it prints result (as
// one JSON line, with the close code and reason) and exits 0; socket
// errors go into result.errors; after timeoutMs it prints what it has and
// exits 1. The Go tests read that line.
export function report(ws, result, timeoutMs = 60000) {
  ws.on('close', (code, reason) => {
    result.close = { code, reason: reason.toString() };
    console.log(JSON.stringify(result));
    process.exit(0);
  });
  ws.on('error', (err) => {
    result.errors.push(String(err));
  });
  setTimeout(() => {
    result.errors.push('timeout');
    console.log(JSON.stringify(result));
    process.exit(1);
  }, timeoutMs).unref();
}
