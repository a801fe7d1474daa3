/**
 * The command's `--help` text: every flag, grouped as a user looks for them, the environment it
 * reads and its exit status. Kept apart from the parser in `args.ts`, which it must list fully.
 * @module
 */

/** The `--help` text. */
export const HELP = `Usage: ./start.sh [options] [script.js|.mjs|.ts] [script args...]
       ./start.sh [--v] [--with-csms] [--token T]      (no script: server mode, web UI)
       cat script.js | ./start.sh --stdin [options]
       ./start.sh --csms [--port 8100]
       ./start.sh --cps 100 --url ws://host:port/ocpp/ [--id-prefix CP] [--protocol 2.0.1]

Runs a charge-point script against a central system, the mock CSMS, or (without a script)
the web UI.

Server mode (no script, no --stdin, --csms or --cps)
                            web UI, REST API (/api) and API docs (/docs) on
                            http://BIND:PORT/, WebSocket bridge on ws://BIND:PORT+1/
                            (env PORT, default 3000; BIND, default 127.0.0.1)
  --token T                 access token (default: a random one); also OCPP_SIM_TOKEN. The
                            start line prints the UI's URL with it (http://…/?token=T), and
                            the page keeps it. Console scripts need it on every address; with
                            a BIND that is not a loopback address, every request does
  --no-token                no token on a loopback BIND: anyone on this machine can then run
                            code as you through the script console (refused on other BINDs)
  --script-timeout S        stop a console script still running after S seconds (default 60);
                            each charge point's scripts run in a thread of their own
  --with-csms               run the mock CSMS too (port --port) and show its view in the UI
  --state-dir DIR           keep the charge points (id, URL, protocol, password, automation,
                            answers, connected or not, configuration or device model, queued
                            transaction messages) in DIR and restore them at the next start,
                            reconnecting those that were connected; default \${XDG_STATE_HOME:-
                            ~/.local/state}/ocpp-sim/server/PORT. Files are 0600
  --no-state                keep nothing: a restart starts with no charge points
  --keep-frames             also keep each charge point's recent frames (written at Ctrl-C)

Scripts
  script.js                 a script: a plain body using await connect(url),
                            module.exports = async (connect) => {...}, an ES module
                            (export default async (connect) => {...}), or TypeScript
  --stdin                   read the script from standard input
                            scripts get connect(url[, id, keyStoreElement, options]) and
                            connectMany(baseUrl, count[, options]) (also connect.many)
                            after the script returns, the run goes on while a charge point
                            it opened is not closed (cp.close()) or a cp.startListener app
                            listens (one line says which; Ctrl-C stops)

Charge points without a script
  --cps N                   run N charge points with default behaviour (boot, heartbeats,
                            answers to every CSMS call) until Ctrl-C
  --url URL                 CSMS URL the ids are appended to (default with --with-csms: the
                            embedded CSMS)
  --id-prefix P             ids are P001, P002, ... (default CP)
  --workers N               spread the --cps fleet over N worker threads (default: 1 below
                            2,000 charge points, else the number of CPUs); one combined
                            progress line, log and summary. connectMany in a script stays
                            on the script's thread
  --shard i/n               run only part i (0-based) of n of the --cps fleet: a contiguous
                            block of ids, e.g. --cps 100 --shard 1/4 runs CP026...CP050;
                            for running the parts on several machines (docs/kubernetes.md)
  --ui                      also serve the web UI over the fleet as server mode does (PORT,
                            BIND, --token / --no-token, --script-timeout): its charge points
                            in the fleet grid and each on its own page; nothing is kept across
                            restarts. The fleet then runs on one thread (no --workers above 1)

Charge-point model
  --protocol V              OCPP version of the charge points: 1.6 (default) or 2.0.1; with
                            2.0.1, --cps runs OCPP 2.0.1 charging stations and a script's
                            connect() opens one (a ChargingStation, subprotocol ocpp2.0.1).
                            With --cps also a mix: 1.6,2.0.1 (alternating) or 1.6:70,2.0.1:30
                            (shares, spread evenly); each id's version depends on its number
                            only, so --shard and --workers agree; summary and --report count
                            per version (no --profile with a mix)
  --profile FILE            station profile JSON: vendor, model, serialNumber,
                            firmwareVersion, connectors, maxPowerW, phases, voltage,
                            fixedCable, configuration {key: value}; for 2.0.1: evses
                            [{connectors: ["cType2"], maxPowerW}], components, variables
                            {"Component.Variable[Instance]": value}
  --state-dir DIR           persist state and undelivered transaction messages in DIR, so a
                            restarted simulator loses no StopTransaction (with --csms: the
                            CSMS's records, see below)
  --virtual-clock           run charge points on a virtual clock the script moves with
                            await connect.clock.advance(ms)

Mock central system
  --csms                    run the mock CSMS (no script): ws://127.0.0.1:8100/<cp id>
  --with-csms               start the mock CSMS in this process for the script; the script
                            sees its URL in CSMS_URL (unless CSMS_URL is already set) and
                            the CSMS itself as connect.csms (e.g. connect.csms.call(id,
                            'RemoteStartTransaction', {idTag: 'A'}))
  --port N                  mock CSMS port (default 8100; 0 picks a free port)
  --protocols LIST          OCPP versions served on that port, in order of preference
                            (default ocpp2.0.1,ocpp1.6: each station gets the first of these
                            it offers; 2.0.1 and 1.6 names both work, e.g. 1.6)
  --host ADDR               mock CSMS bind address (default 127.0.0.1)
  --heartbeat-interval S    interval handed out in BootNotification.conf (default 300)
  --state-dir DIR           with --csms: keep the CSMS's records in DIR (registered charge
                            points and their boot data, open and finished transactions,
                            connector statuses, id counters), so a restarted or killed CSMS
                            carries on; default \${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/
                            csms/PORT for a standalone --csms on a fixed port (none with
                            --port 0 or a CSMS script). One CSMS per directory
  --no-state                with --csms: keep nothing (a restart forgets every charge point;
                            charge points it does not know that send transaction messages
                            are answered and asked to boot)
  --tls                     serve wss:// with a test PKI (CA and server certificate for
                            localhost/127.0.0.1, created on first use in --pki-dir); charge
                            points started here trust its CA, others take --ca DIR/ca.pem.
                            SignCertificate is then answered with a CertificateSigned
  --pki-dir DIR             the PKI's directory (default
                            \${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/pki)
  --tls-cert FILE           serve wss:// with this certificate (PEM) instead (implies --tls)
  --tls-key FILE            ... and this private key (PEM)
  --client-cert             require client certificates signed by the PKI's CA (or a --ca
                            file): security profile 3
  --password PW             Basic auth: the CSMS accepts user <cp id> with PW (as text, or as
                            the bytes of a 32-40 digit hex PW); also the charge points' password
  --ftp                     start an FTP server for diagnostics, logs and firmware
                            (user ocpp, password ocpp; FTPS with --tls); scripts see
                            FTP_URL (and FTPS_URL) and connect.csms.ftp
  --ftp-port N              its port (default 2121; 0 picks a free port)
  --boot-status S           answer BootNotification with Accepted (default), Pending or Rejected
  --boot-status-sequence L  answers per charge point in turn, e.g. Pending,Pending,Accepted
  --auth-mode M             normal (accept all, default), whitelist, blacklist, rate_limit
                            (every Authorize refused as throttled: 1.6 CALLERROR GenericError
                            with retryAfter, 2.0.1 NotAtThisTime)
  --rate-limit N/S          with rate_limit: accept N Authorize per S seconds per charge point
                            (sliding window), refuse the rest as throttled; e.g. 5/60
  --whitelist T...          tokens whitelist mode accepts (default valid_token test_token
                            authorized_user)
  --blacklist T...          tokens blacklist mode blocks (default blocked_token invalid_user)
  --offline                 never answer Authorize (charge points must time out and fall back)
  --password-file F         Basic-auth passwords per charge point: JSON {"CP001": "pw", ...}
  --lenient                 no order checks (by default a CALL before an accepted boot gets
                            SecurityError, StatusNotification before BootNotification too)
  --no-require-accepted     answer CALLs before an accepted boot; only StatusNotification
                            before any BootNotification is refused (GenericError, boot first)
  --command NAME --period S [--command-payload JSON]
                            send a CSMS-initiated call to every charge point every S seconds
                            (repeatable; default payloads for every 1.6 and 2.0.1 action,
                            built from each station's state; a 1.6 name reaches a 2.0.1
                            station as its twin, e.g. RemoteStartTransaction as
                            RequestStartTransaction; no twin: skipped with one line)
  --commands "NAME:S,..."   several at once, e.g. "GetConfiguration:60,TriggerMessage:30"
  --http-port N             the CSMS's REST API (default 8080 with --csms; 0 picks a free port):
                            GET /list, POST /reserve/CP, /remote-start/CP, /remote-stop/CP,
                            /reset/CP, /trigger/CP, /command/CP/ACTION, GET /transactions,
                            /meter-values, /probes (JSON bodies only, no foreign Origin or
                            Host; with a --host that is not a loopback address every request
                            needs --token T, else a random one shown at start)
  --no-http                 no REST API
  --report FILE             on exit, write JSON: with --csms the conformance probes' findings; with
                            a script or --cps each charge point's result, calls by action and
                            outcome, failed handlers, round-trip percentiles (--with-csms adds the
                            CSMS's findings); combine shards: ocpp-sim report merge A.json B.json -o OUT
  --junit FILE              with a script or --cps, on exit (also a failed one) write JUnit XML for
                            CI: one suite, the script and each charge point a test case; a script
                            error, a failed handler (with file:line) and, with --with-csms, a
                            protocol rule the CSMS saw a charge point break are failures. With
                            --csms: each charge point that connected, its findings as failures
  --assert-clean            exit 1 when a charge point broke a protocol rule (for charger CI)
  --csms script.js          run a CSMS script: async (csms, logger, axios) with csms.on(action,
                            handler), csms.call(cp, action, payload), await csms.waitFor(cp,
                            action[, predicate, timeoutMs]), csms.chargePoints

Output
  --metrics-port N          serve Prometheus metrics at http://127.0.0.1:N/metrics (0 picks a free
                            port): a script's or --cps fleet's charge points (with --workers, the
                            threads' counts added up) by connection and boot state, calls
                            sent/received by action and outcome, round trips, queued calls,
                            reconnects, transactions, energy; with --csms or --with-csms the mock
                            CSMS's stations by version, calls received/sent by action and
                            outcome, probe findings, transactions, energy received
  --metrics-host H          address of the metrics endpoint (default 127.0.0.1)
  --v                       show every OCPP frame and connection event
  --v1                      as --v, plus the embedded CSMS's view and the HTTP side
  --v2                      everything, including round-trip times
  --vv PATTERN              namespaces to show, debug-style (ocpp:frame, ocpp:cp, csms:frame,
                            csms:event, debug:rtt, http; e.g. 'ocpp:frame,debug:rtt')
  --s                       silent: only errors and the script's own output
  --log-file FILE           append log lines to FILE instead of stdout (this was --o until
                            --o got back the earlier tool's meaning, below)
  --o FILE                  read an options file first, as the earlier tool's start.sh did:
                            environment settings, one a line ([export] NAME=value, # comments,
                            $NAME expanded), e.g. the connect URL a script reads from
                            process.env, SSL_CERT_FILE or DEBUG; flags on the command line win.
                            Only read, never written

Protocol
  --validation MODE         schema validation both ways: strict (default), warn, off
  --inbound-validation MODE   ... of frames received only
  --outbound-validation MODE  ... of frames sent only

TLS and keystore (wss://)
  --ca FILE                 extra trusted CA certificate (PEM); also SSL_CERT_FILE
  --cadir DIR               directory of extra trusted CAs; also SSL_CERT_DIR
  --keyStore JSON           client certificates: [{"id":"CP1","key":"k.pem","cert":"c.pem"}]
                            (id "*" for any charge point); also SSL_CLIENT_KEYSTORE
  --keyStoreRoot DIR        where keystore().save writes; also SSL_CLIENT_KEYSTORE_ROOT
  --security-profile N      charge points start at SecurityProfile N (0-3)
  --auth-key-raw            charge points send the AuthorizationKey as raw bytes, not hex text
  --insecure                charge points skip TLS certificate and host-name checks (lab use)
  --tls-ciphers LIST        TLS 1.2 cipher suites to offer, OpenSSL names joined by ':' (default
                            the security profiles' four: ECDHE-ECDSA or RSA with AES-GCM)

Other
  --d                       development: rebuild before running
  -h, --help                this help

Environment: RESPONSE_TIMEOUT (ms, default 15000), DEBUG (namespaces), CSMS_URL, FTP_URL, FTPS_URL,
PORT, BIND, OCPP_SIM_TOKEN (server mode, and the mock CSMS's REST API off loopback).
Exit status: 0 when the run finished cleanly; 1 when the script failed (also an error it left
uncaught) or a handler of a CSMS call failed (script or --cps, named in the last line); 2 for a
usage error. --report and --junit do not change it (a file that cannot be written: 1).
\`ocpp-sim report merge A.json B.json -o OUT.json\`: 0, or 2 on bad usage or input.`;
