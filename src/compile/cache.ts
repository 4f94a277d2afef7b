/**
 * The analysis cache: each model's analysis keyed by the SHA-256 of its SQL, plus the
 * upstream column lists the analysis asked for (`SELECT *` expansion). A warm compile
 * parses only models whose text changed, and re-analyses a star model only when an
 * upstream column list it used has changed.
 *
 * Stored as `.rocky-cache/compile.json` beside rocky.toml, with a `.gitignore` of
 * its own so it never reaches git. A missing, corrupt or foreign cache is ignored:
 * the cache can only make compile faster, never change its result.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelAnalysis } from "../sql/types.ts";
import { BUILD_COMMIT, VERSION } from "../version.ts";

/** Bump when the stored shape or the analysis rules change. */
const FORMAT = 1;
const STAMP = `${FORMAT}:${VERSION}:${BUILD_COMMIT}${BUILD_COMMIT === "dev" ? devStamp() : ""}`;

/** From source, the analysis code changes without a version bump: key on its files' content. */
function devStamp(): string {
  try {
    const dir = join(import.meta.dir, "..", "sql");
    const h = new Bun.CryptoHasher("sha256");
    for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
    return `:${h.digest("hex").slice(0, 16)}`;
  } catch {
    return "";
  }
}

export interface CacheEntry {
  analysis: ModelAnalysis;
  /** Tables whose columns the analysis asked for, with the answer it got (null: unknown). */
  asked: Record<string, string[] | null>;
}

interface CacheFile {
  stamp: string;
  entries: Record<string, CacheEntry>;
}

export function sha256(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

export class AnalysisCache {
  private entries: Record<string, CacheEntry> = {};
  private dirty = false;

  constructor(private readonly dir: string | undefined) {
    if (!dir) return;
    try {
      const raw = JSON.parse(readFileSync(join(dir, "compile.json"), "utf8")) as Partial<CacheFile>;
      if (raw.stamp === STAMP && raw.entries && typeof raw.entries === "object") this.entries = raw.entries;
    } catch {
      // No cache yet, or unreadable: start empty.
    }
  }

  static forProject(root: string, enabled: boolean): AnalysisCache {
    return new AnalysisCache(enabled ? join(root, ".rocky-cache") : undefined);
  }

  get(hash: string): CacheEntry | undefined {
    return this.entries[hash];
  }

  set(hash: string, entry: CacheEntry): void {
    this.entries[hash] = entry;
    this.dirty = true;
  }

  /** Keep only the given hashes (models deleted or edited drop out), then write if anything changed. */
  save(live: Set<string>): void {
    if (!this.dir) return;
    for (const h of Object.keys(this.entries)) {
      if (!live.has(h)) {
        delete this.entries[h];
        this.dirty = true;
      }
    }
    if (!this.dirty) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(join(this.dir, ".gitignore"), "*\n");
      const file = join(this.dir, "compile.json");
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ stamp: STAMP, entries: this.entries } satisfies CacheFile));
      // Atomic replace: a concurrent compile reads either the old or the new file, never half of one.
      renameSync(tmp, file);
      this.dirty = false;
    } catch {
      // A read-only project still compiles; it just stays cold.
    }
  }
}
