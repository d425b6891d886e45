// Offline checks of Kubernetes manifests, for the tests of deploy/kubernetes:
// - render a kustomization with `kubectl kustomize` (no cluster involved);
// - validate each object against the Kubernetes API's OpenAPI schema with the
//   kubernetes-models package (JSON Schema through ajv; version 5.x carries the schemas of
//   Kubernetes v1.36: its 5.0.0 release note says "Update to Kubernetes v1.36.0");
// - find fields the API does not know. The schemas allow unknown properties (the API
//   server drops them, or refuses them with strict field validation), so a typo such as
//   `concurencyPolicy` passes validate(): the same objects are written out as typed
//   TypeScript object literals (`const o: ICronJob = {…}`) and type-checked, whose
//   excess-property check names every field the model's types lack, at any depth.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './cli.js';

/** A parsed manifest object (apiVersion, kind, metadata…). */
export type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; generateName?: string; namespace?: string } & Record<string, unknown> };

// PGBAK_TEST_KUBECTL names another kubectl (a path that does not exist plays a machine without it).
const KUBECTL = process.env.PGBAK_TEST_KUBECTL ?? 'kubectl';

/** Whether `kubectl` (with kustomize) can run here, and why not. */
export function kubectlStatus(): { ok: true; kustomize: string } | { ok: false; reason: string } {
  const result = spawnSync(KUBECTL, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (result.error) return { ok: false, reason: `kubectl is not installed (${(result.error as NodeJS.ErrnoException).code ?? result.error.message})` };
  if (result.status !== 0) return { ok: false, reason: `kubectl version --client failed: ${result.stderr.trim()}` };
  const kustomize = (JSON.parse(result.stdout) as { kustomizeVersion?: string }).kustomizeVersion ?? 'unknown';
  return { ok: true, kustomize };
}

/** `kubectl kustomize <dir>`, parsed: every object it renders. Throws with kubectl's words. */
export function kustomizeBuild(dir: string): KubeObject[] {
  const result = spawnSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8' });
  if (result.status !== 0) {
    // Debian's kubectl 1.20 (kubernetes-client) carries kustomize v2.0, which cannot render these.
    const status = kubectlStatus();
    const version = status.ok ? ` (kustomize ${status.kustomize}; the manifests are written for kustomize v5, kubectl 1.27 or later)` : '';
    throw new Error(`kubectl kustomize ${dir} exited with ${result.status ?? result.error?.message}${version}: ${result.stderr.trim()}`);
  }
  return parseManifests(result.stdout, `kubectl kustomize ${dir}`);
}

/** Every document of a multi-document YAML text; a YAML error throws, naming `where`. */
export function parseManifests(text: string, where: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${where}: ${document.errors[0]!.message}`);
    const value = document.toJS() as KubeObject | null;
    return value === null ? [] : [value];
  });
}

// The kinds the manifests use, and the kubernetes-models module and type of each.
const models: Record<string, { module: string; name: string }> = {
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', name: 'ServiceAccount' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', name: 'ConfigMap' },
  'v1/Namespace': { module: 'kubernetes-models/v1/Namespace', name: 'Namespace' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', name: 'Secret' },
  'batch/v1/CronJob': { module: 'kubernetes-models/batch/v1/CronJob', name: 'CronJob' },
  'batch/v1/Job': { module: 'kubernetes-models/batch/v1/Job', name: 'Job' },
  'v1/Pod': { module: 'kubernetes-models/v1/Pod', name: 'Pod' },
};

function modelOf(object: KubeObject): { module: string; name: string } {
  const model = models[`${object.apiVersion}/${object.kind}`];
  if (!model) throw new Error(`${object.apiVersion} ${object.kind} ${object.metadata?.name}: no schema known to tests/support/kubernetes.ts (add its kubernetes-models module)`);
  return model;
}

/** Validates an object against the API schema (types, enums, required fields); throws naming the object and the problems. */
export async function validateAgainstSchema(object: KubeObject): Promise<void> {
  const { module, name } = modelOf(object);
  const Model = (await import(module))[name] as new (data: unknown) => { validate(): void };
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata?.name}: ${(error as Error).message}`);
  }
}

/**
 * Fields the API does not know (typos, misplaced keys), with where they are: one line per
 * problem, empty when every field of every object is one the model's types declare.
 */
export function findUnknownFields(objects: readonly KubeObject[]): string[] {
  const file = path.join(repoRoot, 'tests', '.kubernetes-fields-check.ts');
  const imports = new Map<string, string>();
  const declarations = objects.map((object, index) => {
    const { module, name } = modelOf(object);
    imports.set(module, `I${name}`);
    return `// ${object.kind} ${object.metadata?.name ?? object.metadata?.generateName}\nexport const object${index}: I${name} = ${JSON.stringify(object, null, 2)};`;
  });
  const source = [...[...imports].map(([module, type]) => `import type { ${type} } from '${module}';`), ...declarations].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  const lines = source.split('\n');
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    // Name the object: the comment line above its declaration.
    const owner = lines.slice(0, line + 1).reverse().find((text) => text.startsWith('// '))?.slice(3) ?? '?';
    return `${owner}: ${lines[line]!.trim()} — ${message.split('\n')[0]}`;
  });
}

/** The pod specs of CronJobs and Jobs, with the name of the object that holds each. */
export function podSpecs(objects: readonly KubeObject[]): Array<{ owner: string; spec: PodSpec }> {
  return objects.flatMap((object) => {
    const spec = object.spec as Record<string, any> | undefined;
    if (object.kind === 'CronJob') return [{ owner: object.metadata.name, spec: spec!.jobTemplate.spec.template.spec as PodSpec }];
    if (object.kind === 'Job') return [{ owner: object.metadata.name ?? object.metadata.generateName, spec: spec!.template.spec as PodSpec }];
    return [];
  });
}

/** The parts of a pod spec the tests look at (the schema checks the rest). */
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, any>;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Array<Record<string, any> & { name: string }>;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, any> }>;
  envFrom?: Array<{ configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, any>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

/**
 * The environment a container gets (what the kubelet builds): envFrom ConfigMaps' data
 * (from `objects`), then `env` values; secretKeyRef and secretRef values come from
 * `secrets` (`<secret>/<key>`; an optional secretRef that is absent adds nothing).
 */
export function containerEnv(container: Container, objects: readonly KubeObject[], secrets: Record<string, Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef!.name);
      if (!map) throw new Error(`${container.name}: envFrom names ConfigMap ${from.configMapRef.name}, which the manifests do not hold`);
      Object.assign(env, map.data as Record<string, string>);
    } else if (from.secretRef) {
      const secret = secrets[from.secretRef.name];
      if (secret) Object.assign(env, secret);
      else if (!from.secretRef.optional) throw new Error(`${container.name}: envFrom names Secret ${from.secretRef.name}, not given`);
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = expandReferences(variable.value, env);
    const ref = variable.valueFrom?.secretKeyRef as { name: string; key: string } | undefined;
    if (ref) {
      const value = secrets[ref.name]?.[ref.key];
      if (value === undefined) throw new Error(`${container.name}: ${variable.name} reads Secret ${ref.name} key ${ref.key}, not given`);
      env[variable.name] = value;
    }
  }
  return env;
}

/** `$(VAR)` in command, args and env values, as Kubernetes expands it (`$$` escapes; unknown names stay as written). */
export function expandReferences(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? match)));
}
