/** `npm run demo`: the whole product on this machine against the built-in Qlik simulators (see start-demo.ts). */
import { stopOnSignals } from '#lib/local/stop-on-signals.ts';
import { startDemo } from './start-demo.ts';

const time = () => new Date().toISOString().slice(11, 19);
const demo = await startDemo({ log: (line) => console.log(`[${time()}] ${line}`) });
const { runtime, onPrem, cloud } = demo;

console.log(`KPImailer demo: the service with simulated Qlik sites, on this machine only.

Qlik Sense Enterprise on Windows (${onPrem.apps} apps in ${onPrem.streams} streams, ${onPrem.reloadTasks} reload tasks)
  Server URL:             ${onPrem.serverUrl}
  User directory:         ${onPrem.userDirectory}
  Service account user:   ${onPrem.serviceAccountUser}
  Client certificate:     ${onPrem.pfxFile}
  Certificate password:   in ${onPrem.passwordFile}
  Certificate host name:  ${onPrem.certificateHostName}
  Advanced: ports         Repository (QRS) ${onPrem.repositoryPort}, Proxy API (QPS) ${onPrem.proxyApiPort}

Qlik Cloud (${cloud.apps} apps in ${cloud.spaces} spaces)
  Tenant URL:             ${cloud.tenantUrl}
  OAuth client ID, OAuth client secret and Web integration ID: in ${cloud.oauthClientFile}

Each site finishes a reload every ${demo.reloadIntervalSeconds} s; Qlik Cloud's reach KPImailer through its webhook once a connection test has set it up.
Data (recreated at each start): ${runtime.dataDir}

Admin UI: ${runtime.url}/
Press Ctrl-C to stop.`);

stopOnSignals(() => demo.close());
