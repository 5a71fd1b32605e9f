#!/usr/bin/env zx
// Build the frontend and backend images: npx zx scripts/build-images.ts --help
import { REPO_ROOT, defineScript, runScript } from '../lib/cli.ts';
import { loadConfig } from '../lib/config.ts';

export const spec = defineScript({
  name: 'build-images',
  summary: 'build the frontend and backend images (skipped when unchanged), check their sizes, optionally test or load them',
  usage: 'npx zx scripts/build-images.ts [options]',
  flags: [
    { name: 'force', type: 'boolean', description: 'build even when the engine already has the image for these inputs' },
    { name: 'only', type: 'string', placeholder: 'frontend|backend', description: 'build just this image' },
    {
      name: 'test',
      type: 'boolean',
      description: 'then run both images on a private network (ports on 127.0.0.1), wait for their HEALTHCHECKs and run the smoke checks',
    },
    { name: 'load', type: 'boolean', description: 'then make the images available to the current cluster (CLUSTER_PROVIDER)' },
    { name: 'cold', type: 'boolean', description: 'build without the layer cache, like docker build --no-cache (implies --force)' },
    {
      name: 'dockerfiles',
      type: 'string',
      placeholder: 'dir',
      description: 'use <dir>/frontend.Dockerfile and <dir>/backend.Dockerfile instead of dockerfiles/ (when our Dockerfiles are used)',
    },
    {
      name: 'use-our-dockerfiles',
      type: 'boolean',
      description:
        'build with our Dockerfiles even when an app folder has its own Dockerfile (or FRONTEND_DOCKERFILE / BACKEND_DOCKERFILE is set)',
    },
    {
      name: 'frontend-dir',
      type: 'string',
      placeholder: 'dir',
      configKey: 'FRONTEND_DIR',
      description: 'frontend source folder (build context)',
    },
    {
      name: 'backend-dir',
      type: 'string',
      placeholder: 'dir',
      configKey: 'BACKEND_DIR',
      description: 'backend source folder (build context)',
    },
    {
      name: 'node-image',
      type: 'string',
      placeholder: 'ref',
      configKey: 'NODE_IMAGE',
      description: 'base image of the frontend (a mirror, or pinned by @sha256:digest)',
    },
    { name: 'python-image', type: 'string', placeholder: 'ref', configKey: 'PYTHON_IMAGE', description: 'base image of the backend' },
    {
      name: 'provider',
      type: 'string',
      placeholder: 'name',
      configKey: 'CLUSTER_PROVIDER',
      description: 'cluster provider for --load: auto, minikube, kind, k3d, docker-desktop or generic',
    },
  ],
  examples: [
    'npx zx scripts/build-images.ts',
    'npx zx scripts/build-images.ts --only frontend --test',
    'NODE_IMAGE=mirror.example.com/library/node:22-alpine npm run build -- --force --json > build.jsonl',
  ],
  notes: [
    'Tags: <repository>:<12 hex> from the Dockerfile, the context files its .dockerignore keeps and the build args; also :dev.',
    'BuildKit is required: a docker CLI with the buildx plugin, or an older CLI (Debian docker.io 20.10) that uses the',
    "engine's built-in BuildKit; DOCKER_CLI=<path> picks one. BUILD_CA_BUNDLE (else NODE_EXTRA_CA_CERTS / SSL_CERT_FILE)",
    'is passed to npm and pip as a build secret, never stored in a layer. HTTP(S)_PROXY / NO_PROXY are passed through.',
    "Your own app: the app folders are analysed first (doctor shows the same facts). An app folder's own Dockerfile",
    '(or FRONTEND_DOCKERFILE / BACKEND_DOCKERFILE) is used unless --use-our-dockerfiles; the values Next.js bakes in at',
    'build time (rewrites() URLs, NEXT_PUBLIC_*) are passed as build args, each explained before the build.',
  ],
});

await runScript(spec, async ({ args, log, signal, onCleanup }) => {
  // Loaded here, not at the top: --help and usage errors need only lib/cli.ts.
  const [{ buildPipeline, pipelineSteps }, { parseOnly }, { resolveProvider }, { analyzeOrFail }] = await Promise.all([
    import('../lib/images/pipeline.ts'),
    import('../lib/images/plan.ts'),
    import('../lib/providers/index.ts'),
    import('../lib/own-app.ts'),
  ]);
  const only = parseOnly(args.flags.only);
  const noCache = args.flags.cold;
  const { config, warnings } = loadConfig({ flags: args.configFlags, envFile: args.flags.dotenv, root: REPO_ROOT });
  for (const warning of warnings) log.warn(warning);
  // First: what the app folders hold (blocking problems exit 2 here, before any build).
  const app = analyzeOrFail(config, log, { useOurDockerfiles: args.flags['use-our-dockerfiles'] });
  const provider = args.flags.load ? () => resolveProvider(config) : undefined;
  const options = {
    config,
    log,
    only,
    provider,
    test: args.flags.test,
    steps: true,
    force: args.flags.force || noCache,
    noCache,
    dockerfilesDir: args.flags.dockerfiles,
    app,
    signal,
    onCleanup,
  };
  log.plan(pipelineSteps(options).length);
  const { engine, images } = await buildPipeline(options);
  log.event({ type: 'images', engine, images }, () => '');
  log.summary(`Images ${images.map((i) => `${i.ref} (${i.action})`).join(', ')}`);
});
