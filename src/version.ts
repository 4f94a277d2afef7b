import pkg from "../package.json" with { type: "json" };

declare const ROCKY_BUILD_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
/** Set at build time by `scripts/build.ts` (`--define ROCKY_BUILD_COMMIT=...`); "dev" from source. */
export const BUILD_COMMIT: string = typeof ROCKY_BUILD_COMMIT === "string" ? ROCKY_BUILD_COMMIT : "dev";
