import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { RockyError } from "../errors.ts";
import { INIT_TEMPLATE, PLAYGROUND_TEMPLATE, renderTemplate, type Template } from "./templates.ts";

function write(dir: string, files: Template): string[] {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return Object.keys(files).sort();
}

/** `rocky init`: a minimal project; never overwrites an existing one. */
export function initProject(path: string): { dir: string; files: string[] } {
  const dir = resolve(path);
  if (existsSync(join(dir, "rocky.toml"))) {
    throw new RockyError(`rocky.toml already exists in ${dir}`, {
      hint: "nothing was changed; pick another folder",
    });
  }
  const clash = Object.keys(INIT_TEMPLATE).filter((f) => existsSync(join(dir, f)));
  if (clash.length > 0) {
    throw new RockyError(`${dir} already has ${clash.join(", ")}`, {
      hint: "nothing was changed; pick an empty folder",
    });
  }
  mkdirSync(dir, { recursive: true });
  const name = basename(dir).replace(/[^A-Za-z0-9_]/g, "_") || "rocky_project";
  return { dir, files: write(dir, renderTemplate(INIT_TEMPLATE, { name })) };
}

/** `rocky playground`: the sample shop project in a new (or empty) folder. */
export function createPlayground(path: string): { dir: string; files: string[] } {
  const dir = resolve(path);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new RockyError(`'${path}' already exists and is not empty`, {
      hint: "choose a new folder: rocky playground my-playground",
    });
  }
  mkdirSync(dir, { recursive: true });
  return { dir, files: write(dir, PLAYGROUND_TEMPLATE) };
}
