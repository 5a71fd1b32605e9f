import path from 'node:path';
import type { NextConfig } from 'next';

// The repository root has its own package-lock.json; pin both roots to this
// folder so the standalone server lands at .next/standalone/server.js instead
// of being nested under the monorepo path.
const projectRoot = path.resolve(__dirname);

const nextConfig: NextConfig = {
  output: 'standalone',
  outputFileTracingRoot: projectRoot,
  turbopack: { root: projectRoot },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
