import type { NextConfig } from 'next';

const config: NextConfig = {
  // The typed client is a source-only workspace package.
  transpilePackages: ['@tensornode/client'],
  poweredByHeader: false,
  // `tsc --noEmit` (the typecheck task) checks types; the build need not do it twice.
  typescript: { ignoreBuildErrors: true },
};

export default config;
