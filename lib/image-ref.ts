// One image reference type from planning to the chart's values. A ref is not
// "everything before the last colon" (a registry port and a digest both hold
// colons): this parses Docker's grammar (distribution/reference) into the four
// parts the chart takes, Bitnami style: registry, repository, tag, digest.
import { ExitCode, ToolkitError } from './errors.ts';

export interface ImageRef {
  /** Host[:port] of the registry (`127.0.0.1:5000`); undefined for Docker Hub / the local engine. */
  registry?: string;
  /** Path within the registry (`todo-frontend`, `ns/todo-frontend`). */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>`: pins the exact bytes. */
  digest?: string;
}

/** The chart's image block: every key present, "" when unset. */
export interface ImageValues {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

// distribution/reference/regexp.go, spelled out.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const SHA256 = /^sha256:[0-9a-f]{64}$/;
const NAME_MAX = 255;

export class ImageRefError extends ToolkitError {
  constructor(text: string, why: string, what = 'image reference') {
    super(
      `${what} "${text}" is not valid: ${why}`,
      ExitCode.usage,
      'an image reference is [registry[:port]/]repository[:tag][@sha256:<64 hex>], repository in lowercase (e.g. 127.0.0.1:5000/ns/todo-frontend:1a2b3c)',
      'IMAGE_REF_INVALID',
    );
  }
}

/** Whether the first path component names a registry (Docker's splitDockerDomain rule). */
function isRegistry(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first;
}

/** Parses `[registry/]repository[:tag][@digest]`; throws ImageRefError (exit 2) naming what is wrong. */
export function parseImageRef(text: string, what?: string): ImageRef {
  const fail = (why: string): never => {
    throw new ImageRefError(text, why, what);
  };
  if (!text) fail('it is empty');
  if (/\s/.test(text)) fail('it contains white space');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (digest.startsWith('sha256:') && !SHA256.test(digest))
      fail(`"${digest}" is not a sha256 digest (sha256: and 64 lowercase hex digits)`);
    if (!DIGEST.test(digest)) fail(`"${digest}" is not a digest (algorithm:hex)`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`"${tag}" is not a tag (letters, digits, _ . -, at most 128, not starting with . or -)`);
  }
  if (rest.length > NAME_MAX) fail(`the name is longer than ${NAME_MAX} characters`);
  const parts = rest.split('/');
  let registry: string | undefined;
  if (parts.length > 1 && isRegistry(parts[0]!)) {
    registry = parts.shift();
    if (!DOMAIN.test(registry!)) fail(`"${registry}" is not a registry host[:port]`);
  }
  const repository = parts.join('/');
  if (!repository) fail('it has no repository');
  const bad = parts.find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined) fail(`"${bad}" is not a repository path component (lowercase letters and digits, separated by . _ __ or -)`);
  return { ...(registry ? { registry } : {}), repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The text form: registry/repository:tag@digest, each part only when set. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** registry/repository, without tag or digest: what RepoDigests and `docker push` name. */
export function imageName(ref: ImageRef): string {
  return formatImageRef({ registry: ref.registry, repository: ref.repository });
}

/** The chart's `<component>.image` block. */
export function imageValues(ref: ImageRef): ImageValues {
  return { registry: ref.registry ?? '', repository: ref.repository, tag: ref.tag ?? '', digest: ref.digest ?? '' };
}

/**
 * `ref` under another registry location (`host:5000` or `host:5000/ns`): the
 * location's host becomes the registry, its path is prefixed to the repository.
 */
export function underRegistry(ref: ImageRef, location: string): ImageRef {
  const where = parseImageRef(`${location.replace(/\/+$/, '')}/${ref.repository}`, 'registry location');
  return { ...where, ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) };
}
