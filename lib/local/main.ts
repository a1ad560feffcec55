/** `npm start`: the whole service on loopback, on embedded defaults. */
import { startLocalRuntime } from '#lib/local/local-runtime.ts';

const runtime = await startLocalRuntime();
console.log(`KPImailer Qlik connectivity is running.\n  Admin UI: ${runtime.url}/\n  API:      ${runtime.url}/api/servers\n  Data:     ${runtime.dataDir}\nPress Ctrl-C to stop.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping…');
    runtime.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
