/** `npm start`: the whole service on loopback, on embedded defaults. */
import { startLocalRuntime } from '#lib/local/local-runtime.ts';
import { stopOnSignals } from '#lib/local/stop-on-signals.ts';

const runtime = await startLocalRuntime();
console.log(
  `KPImailer Qlik connectivity is running.\n  Admin UI: ${runtime.url}/\n  API:      ${runtime.url}/api/servers\n  Data:     ${runtime.dataDir}\nPress Ctrl-C to stop.`,
);

stopOnSignals(() => runtime.close());
