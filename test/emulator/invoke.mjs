// Runs one Lambda bundle the way the Node.js runtime does: imports it (its cold start reads the
// environment), calls `handler` with the event read from stdin, and prints what Lambda would
// report: the result, or the error's type (its `name`) and message.
import { pathToFileURL } from 'node:url';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
let out;
try {
  const mod = await import(pathToFileURL(process.argv[2]).href);
  const result = await mod.handler(event, {
    awsRequestId: 'emulator-request',
    functionName: 'emulator',
    getRemainingTimeInMillis: () => 900_000,
  });
  out = { ok: true, result: result ?? null };
} catch (err) {
  out = { ok: false, errorType: err?.name ?? typeof err, errorMessage: String(err?.message ?? err) };
}
process.stdout.write(`\n@@LAMBDA@@${JSON.stringify(out)}\n`);
