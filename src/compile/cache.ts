/**
 * The analysis cache: each model's analysis keyed by the SHA-256 of its SQL, plus the
 * upstream column lists the analysis asked for (`SELECT *` expansion). A warm compile
 * parses only models whose text changed, and re-analyses a star model only when an
 * upstream column list it used has changed.
 *
 * Stored as `.rocky-cache/compile.cache` beside rocky.toml, with a `.gitignore` of
 * its own so it never reaches git. A missing, corrupt or foreign cache is ignored:
 * the cache can only make compile faster, never change its result.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelAnalysis } from "../sql/types.ts";
import { BUILD_COMMIT, VERSION } from "../version.ts";

/** Bump when the stored shape or the analysis rules change. */
const FORMAT = 2;
const FILE = "compile.cache";
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

export function sha256(text: string): string {
  // The one-shot static form: about half the cost of a hasher object per model (10k per compile).
  return Bun.CryptoHasher.hash("sha256", text, "hex");
}

/**
 * File format: the stamp on the first line, then one `<sha256>\t<entry JSON>` line per
 * model. Lines of unchanged models are written back as read, so a warm compile that
 * re-analysed one model does not re-serialise the other ten thousand.
 */
export class AnalysisCache {
  /** Entry JSON as read from disk, parsed on first use. */
  private readonly raw = new Map<string, string>();
  private readonly parsed = new Map<string, CacheEntry>();
  private dirty = false;

  constructor(private readonly dir: string | undefined) {
    if (!dir) return;
    let text: string;
    try {
      text = readFileSync(join(dir, FILE), "utf8");
    } catch {
      return; // No cache yet: start empty.
    }
    const lines = text.split("\n");
    if (lines[0] !== STAMP) return; // Another version's cache: ignore it, it is rewritten on save.
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const tab = line.indexOf("\t");
      if (tab === 64) this.raw.set(line.slice(0, 64), line.slice(65));
    }
  }

  static forProject(root: string, enabled: boolean): AnalysisCache {
    return new AnalysisCache(enabled ? join(root, ".rocky-cache") : undefined);
  }

  get(hash: string): CacheEntry | undefined {
    const hit = this.parsed.get(hash);
    if (hit) return hit;
    const raw = this.raw.get(hash);
    if (raw === undefined) return undefined;
    try {
      const entry = JSON.parse(raw) as CacheEntry;
      this.parsed.set(hash, entry);
      return entry;
    } catch {
      this.raw.delete(hash); // A damaged line is a miss, never an error.
      this.dirty = true;
      return undefined;
    }
  }

  set(hash: string, entry: CacheEntry): void {
    this.parsed.set(hash, entry);
    this.raw.delete(hash);
    this.dirty = true;
  }

  /** Keep only the given hashes (models deleted or edited drop out), then write if anything changed. */
  save(live: Set<string>): void {
    if (!this.dir) return;
    for (const h of [...this.raw.keys(), ...this.parsed.keys()]) {
      if (!live.has(h)) {
        this.raw.delete(h);
        this.parsed.delete(h);
        this.dirty = true;
      }
    }
    if (!this.dirty) return;
    const lines = [STAMP];
    for (const h of live) {
      const raw = this.raw.get(h);
      if (raw !== undefined) lines.push(`${h}\t${raw}`);
      else {
        const entry = this.parsed.get(h);
        if (entry) lines.push(`${h}\t${JSON.stringify(entry)}`);
      }
    }
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(join(this.dir, ".gitignore"), "*\n");
      const file = join(this.dir, FILE);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${lines.join("\n")}\n`);
      // Atomic replace: a concurrent compile reads either the old or the new file, never half of one.
      renameSync(tmp, file);
      this.dirty = false;
    } catch {
      // A read-only project still compiles; it just stays cold.
    }
  }
}
