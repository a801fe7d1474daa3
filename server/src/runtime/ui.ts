/**
 * The web UI of the CLI: server mode (no script), and a `--cps` fleet with `--ui`, whose charge
 * points the registry adopts as they are made. Both follow the same PORT, BIND and token rules
 * and print the same start lines. The web server loads only when asked for.
 * @module
 */
import os from 'node:os';
import type { RegistryOptions } from '../web/registry';
import type { WebServer } from '../web/server';
import type { CliOptions } from './args';
import type { CsmsSetup } from './csms-mode';

/**
 * Start the web UI, its REST API and bridge.
 * @param o The command line (PORT, BIND, token, script timeout).
 * @param csms The embedded mock CSMS (`--with-csms`), shown in its view.
 * @param chargepoint Options of the charge points the UI creates.
 * @param state Keep the charge points in this state directory (server mode; none for a fleet).
 * @param warn Where a state problem is reported.
 */
export async function startUi(o: CliOptions, csms: CsmsSetup | undefined, chargepoint: RegistryOptions, state: { dir: string; keepFrames: boolean } | undefined, warn: (line: string) => void): Promise<WebServer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../web/server') as typeof import('../web/server')).startWebServer({
    port: o.webPort,
    bind: o.bind,
    token: o.noToken ? false : o.token,
    scriptTimeoutMs: o.scriptTimeoutS * 1000,
    csms,
    state,
    warn,
    chargepoint,
  });
}

/**
 * Print where the UI is and how to open it (tests and users read the `  open …?token=` line).
 * @param web The running UI.
 * @param csms The embedded mock CSMS.
 * @param notes Lines to print with these (the state restored).
 */
export function announceUi(web: WebServer, csms: CsmsSetup | undefined, notes: string[] = []): void {
  const lines = [`ocpp-sim UI on ${web.url} (bridge ${web.bridgeUrl})`];
  if (web.token !== undefined) lines.push(`  open ${web.pageUrl} (the page keeps the token; ${web.tokenRequired ? 'every request on this address needs it' : 'console scripts need it'})`);
  else process.stderr.write(`WARNING: --no-token: anyone on this machine can run code as ${userName()} through the script console of ${web.url}\n`);
  if (csms) lines.push(`  mock CSMS on ${csms.url}<charge point id>`);
  // One write: a reader that acts on the "open" line has the lines about the state too.
  console.log([...lines, ...notes].join('\n'));
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'this user';
  }
}
