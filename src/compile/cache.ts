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
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { ModelAnalysis } from "../sql/types.ts";
import { BUILD_COMMIT, VERSION } from "../version.ts";

/** Bump when the stored shape or the analysis rules change. */
const FORMAT = 4;
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
 * model; a later line for the same hash replaces an earlier one. A warm compile that
 * re-analysed a few models appends their lines (one write) rather than rewriting the
 * other ten thousand; the file is rewritten whole, without stale lines, once they
 * would be more than half of it.
 */
export class AnalysisCache {
  /** Entry JSON as read from disk, parsed on first use. */
  private readonly raw = new Map<string, string>();
  private readonly parsed = new Map<string, CacheEntry>();
  private dirty = false;
  /** Entry lines in the file as read (undefined: no usable file, so a save rewrites it). */
  private fileLines: number | undefined;
  /** Hashes whose entry is new since the file was read: what an append writes. */
  private readonly added = new Set<string>();

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
    let count = 0;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === "") continue;
      count++;
      const tab = line.indexOf("\t");
      if (tab === 64) this.raw.set(line.slice(0, 64), line.slice(65));
    }
    // A file not ending in a newline was cut short (a crash mid-append): rewrite it.
    if (text.endsWith("\n")) this.fileLines = count;
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
    this.added.add(hash);
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
    try {
      if (this.fileLines !== undefined) {
        const appended = [...this.added].filter((h) => live.has(h));
        // Lines in the file after the append that are no longer live entries.
        const stale = this.fileLines + appended.length - live.size;
        // Append only to a file still stamped as ours (another version may have replaced it).
        if (stale <= live.size / 2 && stampOf(join(this.dir, FILE)) === STAMP) {
          if (appended.length > 0)
            appendFileSync(
              join(this.dir, FILE),
              appended.map((h) => `${h}\t${JSON.stringify(this.parsed.get(h))}\n`).join(""),
            );
          this.fileLines += appended.length;
          this.added.clear();
          this.dirty = false;
          return;
        }
      }
    } catch {
      // Fall through to a whole rewrite.
    }
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
      this.fileLines = lines.length - 1;
      this.added.clear();
    } catch {
      // A read-only project still compiles; it just stays cold.
    }
  }
}

/** The first line of the cache file (at most the stamp's length), or undefined. */
function stampOf(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const buf = Buffer.alloc(STAMP.length + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString("utf8");
    return head.endsWith("\n") ? head.slice(0, -1) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What `rocky doctor` reports about a project's cache file, read without trusting it. */
export interface CacheReport {
  file: string;
  exists: boolean;
  bytes: number;
  /** Written by this rocky (same format, version and build); otherwise compile ignores it. */
  current: boolean;
  /** Model entries (distinct hashes). */
  entries: number;
  /** Lines superseded by a later line for the same model: dropped at the next rewrite. */
  stale: number;
  /** Lines that are not `<sha256>\t<JSON>`, or whose JSON does not parse. */
  corrupt: number;
  /** The last line has no newline: an append was cut short. */
  truncated: boolean;
}

export function inspectCache(root: string): CacheReport {
  const file = join(root, ".rocky-cache", FILE);
  const report: CacheReport = {
    file,
    exists: false,
    bytes: 0,
    current: false,
    entries: 0,
    stale: 0,
    corrupt: 0,
    truncated: false,
  };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return report;
  }
  const lines = text.split("\n");
  Object.assign(report, {
    exists: true,
    bytes: Buffer.byteLength(text),
    current: lines[0] === STAMP,
    truncated: text.length > 0 && !text.endsWith("\n"),
  });
  const seen = new Set<string>();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const hash = line.slice(0, 64);
    let ok = line.indexOf("\t") === 64;
    if (ok) {
      try {
        JSON.parse(line.slice(65));
      } catch {
        ok = false;
      }
    }
    if (!ok) report.corrupt++;
    else if (seen.has(hash)) report.stale++;
    else seen.add(hash);
  }
  report.entries = seen.size;
  return report;
}
