/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  turbopack: { root: import.meta.dirname },
  // Tests and benchmarks that build their own copy of the app side by side use their own folder.
  ...(process.env.NEXT_DIST_DIR ? { distDir: process.env.NEXT_DIST_DIR } : {}),
  // `npm test` type-checks the whole project (tsc --noEmit) before building; no need to do it twice.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
