/**
 * The container image and the Kubernetes manifests, checked offline (no container builder and no
 * cluster here): every resource in deploy/ validated against the Kubernetes API schemas of the
 * kubernetes-models package, the kustomizations' references resolved, the Indexed Job's wiring of
 * JOB_COMPLETION_INDEX to --shard checked, and the Dockerfile parsed (dockerfile-ast) and held to
 * the image's rules.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './helpers';

const DEPLOY = path.join(ROOT, 'deploy');
type Resource = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };
type Validating = new (data: never) => { validate(): void };

/** Every YAML document under deploy/, with its file. */
function documents(): { file: string; doc: Resource }[] {
  const files = fs.readdirSync(DEPLOY, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).sort();
  return files.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(DEPLOY, file), 'utf8')).map((d) => {
      assert.deepEqual(d.errors, [], file);
      return { file, doc: d.toJS() as Resource };
    }),
  );
}

/** The kubernetes-models class of a resource (ESM-only package: loaded with import()). */
async function modelOf(r: Resource): Promise<Validating> {
  const group = r.apiVersion.includes('/') ? r.apiVersion : `v1`;
  const mod = (await import(`kubernetes-models/${group === 'v1' ? 'v1' : group}`)) as Record<string, Validating>;
  const model = mod[r.kind];
  assert.ok(model, `${r.apiVersion} ${r.kind}: unknown to kubernetes-models`);
  return model;
}

const isKustomization = (r: Resource): boolean => r.kind === 'Kustomization';

test('deploy/: every Kubernetes resource validates against the API schemas; a broken one does not', async () => {
  const resources = documents().filter(({ doc }) => !isKustomization(doc));
  const kinds = resources.map(({ doc }) => doc.kind).sort();
  assert.deepEqual(kinds, ['Deployment', 'Job', 'Job', 'Service']); // the base Job and the overlay's patch of it
  for (const { file, doc } of resources) {
    if (file.endsWith('fleet-csms-url.yaml')) continue; // a strategic-merge patch, not a whole resource
    const Model = await modelOf(doc);
    assert.doesNotThrow(() => new Model(doc as never).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`);
  }
  // The validator bites: the Job with a mistyped field fails.
  const job = structuredClone(resources.find(({ doc }) => doc.kind === 'Job' && doc.metadata.name === 'ocpp-sim-fleet' && doc.spec !== undefined && 'completionMode' in (doc.spec as object))!.doc);
  (job.spec as { completions: unknown }).completions = 'ten';
  const Job = await modelOf(job);
  assert.throws(() => new Job(job as never).validate(), /completions/);
});

test('deploy/: kustomizations name files that exist; the overlay patches a resource of the base', () => {
  const all = documents();
  for (const { file, doc } of all.filter(({ doc }) => isKustomization(doc))) {
    const dir = path.dirname(path.join(DEPLOY, file));
    const k = doc as Resource & { resources?: string[]; patches?: { path: string }[]; configMapGenerator?: { files: string[] }[] };
    for (const r of k.resources ?? []) assert.ok(fs.existsSync(path.join(dir, r)), `${file}: ${r}`);
    for (const p of k.patches ?? []) {
      const patch = all.find(({ file: f }) => path.join(DEPLOY, f) === path.join(dir, p.path));
      assert.ok(patch, `${file}: patch ${p.path}`);
      assert.ok(all.some(({ file: f, doc: d }) => f.startsWith('base/') && d.kind === patch.doc.kind && d.metadata?.name === patch.doc.metadata.name), `${p.path} patches nothing in base/`);
    }
    for (const g of k.configMapGenerator ?? []) {
      for (const entry of g.files) {
        const source = path.join(dir, entry.split('=').pop()!);
        const dashboard = JSON.parse(fs.readFileSync(source, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
        assert.ok(dashboard.panels.length > 0 && dashboard.panels.every((p) => p.targets.every((t) => /ocpp_sim_/.test(t.expr))), entry);
      }
    }
  }
});

test('deploy/: the fleet Job maps JOB_COMPLETION_INDEX to --shard, raises ulimit -n, and is scraped on its metrics port', () => {
  const { doc } = documents().find(({ file, doc }) => file === path.join('base', 'fleet-job.yaml') && doc.kind === 'Job')!;
  const spec = doc.spec as { completionMode: string; completions: number; parallelism: number; template: { metadata: { annotations: Record<string, string> }; spec: { containers: { args: string[]; env: { name: string; value: string }[]; ports: { containerPort: number }[] }[] } } };
  assert.equal(spec.completionMode, 'Indexed');
  const c = spec.template.spec.containers[0]!;
  const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  assert.equal(Number(env.SHARDS), spec.completions);
  assert.equal(spec.parallelism, spec.completions);
  const script = c.args.join(' ');
  assert.match(script, /--shard "\$\{JOB_COMPLETION_INDEX\}\/\$\{SHARDS\}"/);
  assert.match(script, /^ulimit -n .* && exec node /);
  const port = /--metrics-port (\d+)/.exec(script)?.[1];
  assert.equal(spec.template.metadata.annotations['prometheus.io/port'], port);
  assert.ok(c.ports.some((p) => String(p.containerPort) === port));
});

test('deploy/: the mock CSMS Deployment serves --metrics-port on a declared port its scrape annotations name', () => {
  const { doc } = documents().find(({ doc }) => doc.kind === 'Deployment' && doc.metadata.name === 'ocpp-sim-csms')!;
  const template = (doc.spec as { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { args: string[]; ports: { containerPort: number }[] }[] } } }).template;
  const c = template.spec.containers[0]!;
  const script = c.args.join(' ');
  assert.match(script, /--csms /);
  const port = /--metrics-port (\d+) --metrics-host 0\.0\.0\.0/.exec(script)?.[1];
  assert.ok(port, 'metrics on a port the pod network reaches');
  assert.equal(template.metadata.annotations['prometheus.io/scrape'], 'true');
  assert.equal(template.metadata.annotations['prometheus.io/port'], port);
  assert.ok(c.ports.some((p) => String(p.containerPort) === port));
});

test('Dockerfile: multi-stage, production dependencies only, built output copied, non-root, ENTRYPOINT the CLI', () => {
  const dockerfile = DockerfileParser.parse(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  const froms = dockerfile.getFROMs();
  assert.equal(froms.length, 2);
  for (const f of froms) assert.match(`${f.getImageName()}:${f.getImageTag()}`, /^node:\d+-\S+-slim$/, 'a pinned slim Node image');
  const [build, runtime] = froms.map((f) => f.getBuildStage());
  assert.equal(build, 'build');
  // The runtime stage's instructions: everything after its FROM.
  const all = dockerfile.getInstructions();
  const start = all.findIndex((i) => i === froms[1]);
  const stage = all.slice(start + 1);
  const text = (kw: string): string[] => stage.filter((i) => i.getKeyword() === kw).map((i) => i.getArgumentsContent() ?? '');
  assert.ok(text('RUN').some((r) => /npm ci --omit=dev/.test(r)), 'production dependencies only');
  const copies = stage.filter((i) => i.getKeyword() === 'COPY' && i.toString().includes(`--from=${build}`));
  const copied = copies.map((i) => i.toString().split(/\s+/).filter((w) => !w.startsWith('--'))[1]);
  for (const built of ['/src/server/dist/src', '/src/server/dist/generated', '/src/client/dist', '/src/docs/api']) assert.ok(copied.includes(built), `copies ${built}`);
  const user = text('USER');
  assert.equal(user.length, 1);
  assert.doesNotMatch(user[0]!, /^(0|root)(:|$)/, 'not root');
  const entry = stage.find((i) => i.getKeyword() === 'ENTRYPOINT')!;
  assert.deepEqual(JSON.parse(entry.getArgumentsContent() ?? ''), ['node', '/app/server/dist/src/runtime/main.js']);
  assert.equal(runtime, 'runtime', 'the last stage (what docker build tags) is the runtime');
  const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const p of ['node_modules', '.git', 'server/dist']) assert.ok(ignored.includes(p), `.dockerignore: ${p}`);
});
