// Why an image build failed, when the output says so plainly: a TLS-intercepting proxy (a CA the
// build does not trust) or a package registry the build cannot reach. Data, not branches: each row
// is the patterns that identify the cause and the advice, which differs for the user's own
// Dockerfile (it must use the CA secret or the mirror build args itself) and for ours (a setting).

import type { ErrorCode } from '../error-codes.ts';

export type BuildCause = 'tls' | 'registry-unreachable';

export interface BuildHint {
  cause: BuildCause;
  /** The error code (docs/troubleshooting.md). */
  code: ErrorCode;
  /** One line: what went wrong. */
  reason: string;
  /** What to do, in order. */
  advice: string[];
}

interface HintRow {
  cause: BuildCause;
  code: ErrorCode;
  patterns: RegExp[];
  reason: string;
  /** Advice for a Dockerfile the toolkit wrote (dockerfiles/*.Dockerfile). */
  ours: string[];
  /** Advice for the user's own Dockerfile; `{dockerfile}` is its path. */
  user: string[];
}

const CA_MOUNT = 'RUN --mount=type=secret,id=build_ca';
const NODE_CA = 'if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi';
const PIP_CA = 'if [ -s /run/secrets/build_ca ]; then export PIP_CERT=/run/secrets/build_ca; fi';

export const BUILD_FAILURE_HINTS: readonly HintRow[] = [
  {
    cause: 'tls',
    code: 'IMAGE_BUILD_TLS',
    patterns: [
      /x509: certificate/i,
      /certificate verify failed/i,
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED/,
      /self[- ]signed certificate in certificate chain/i,
      /unable to get local issuer certificate/i,
      /SSLError|SSL: CERTIFICATE_VERIFY_FAILED/,
    ],
    reason: 'a download inside the build does not trust the TLS certificate it got (a proxy that intercepts TLS, with its own CA)',
    ours: [
      "set BUILD_CA_BUNDLE=<path of your proxy's CA bundle, PEM> in .env (or NODE_EXTRA_CA_CERTS / SSL_CERT_FILE in the environment)",
      'it reaches npm and pip as the BuildKit secret build_ca, never stored in a layer',
    ],
    user: [
      "set BUILD_CA_BUNDLE=<path of your proxy's CA bundle, PEM> in .env: the toolkit passes it to every build as the BuildKit secret build_ca",
      `your Dockerfile ({dockerfile}) must use it in the step that downloads, as ours do: \`${CA_MOUNT} ${NODE_CA}; npm ci\` (npm, pnpm, yarn) or \`${CA_MOUNT} ${PIP_CA}; pip install ...\``,
      'or run with --use-our-dockerfiles, which already do this',
    ],
  },
  {
    cause: 'registry-unreachable',
    code: 'IMAGE_BUILD_UNREACHABLE',
    patterns: [
      /getaddrinfo (ENOTFOUND|EAI_AGAIN)/,
      /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|ERR_SOCKET_TIMEOUT)\b/,
      /ERR_PNPM_META_FETCH_FAIL|ERR_PNPM_FETCH_/,
      /Temporary failure in name resolution|Name or service not known|Network is unreachable/i,
      /Failed to establish a new connection|Max retries exceeded with url|ConnectTimeoutError|ReadTimeoutError/,
      /Could not find a version that satisfies the requirement/,
      /network request to https?:\/\/\S+ failed/i,
    ],
    reason:
      'the build cannot reach a package registry (no internet access from the build, a firewall, or a registry that only a mirror can reach)',
    ours: [
      'set NPM_REGISTRY=<your npm mirror URL> and/or PIP_INDEX_URL=<your PyPI mirror URL> in .env',
      'behind an HTTP proxy, export HTTPS_PROXY (and NO_PROXY) before the build: the toolkit passes them through',
    ],
    user: [
      'set NPM_REGISTRY=<your npm mirror URL> and/or PIP_INDEX_URL=<your PyPI mirror URL> in .env: the toolkit passes them to every build as build args of those names',
      'your Dockerfile ({dockerfile}) must use them, as ours do: `ARG NPM_REGISTRY` then `npm_config_registry="$NPM_REGISTRY" npm ci` (pnpm and yarn read npm_config_registry too), or `ARG PIP_INDEX_URL` then `pip install --index-url "$PIP_INDEX_URL" ...`',
      'behind an HTTP proxy, export HTTPS_PROXY (and NO_PROXY) before the build: the toolkit passes them through',
    ],
  },
];

/** The first row whose pattern occurs in the failed step's output, with the advice for that kind of Dockerfile. */
export function diagnoseBuildFailure(output: string, dockerfile: { kind: 'user' | 'ours'; path: string }): BuildHint | undefined {
  const row = BUILD_FAILURE_HINTS.find((r) => r.patterns.some((p) => p.test(output)));
  if (!row) return undefined;
  const advice = (dockerfile.kind === 'user' ? row.user : row.ours).map((line) => line.replaceAll('{dockerfile}', dockerfile.path));
  return { cause: row.cause, code: row.code, reason: row.reason, advice };
}
