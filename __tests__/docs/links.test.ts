import { readdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

/** Every file of `dir` (recursively) whose name matches, outside dependencies and build output. */
function files(dir: string, match: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (["node_modules", "cdktf.out", "dist", ".git", ".base", "coverage"].includes(name))
      return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, match) : match.test(name) ? [path] : [];
  });
}

/** No message, comment or page sends a reader to a page that does not exist (issue 15, item 7). */
describe("documentation links", () => {
  it("every docs/<page>.md named in code, scripts, workflows and docs exists", () => {
    const sources = [
      ...files("src", /\.ts$/),
      ...files("scripts", /\.(ts|sh)$/),
      ...files(".github", /\.ya?ml$/),
      ...files("docs", /\.md$/),
      ...files("service/src", /\.ts$/),
      "README.md",
      ".ci/run",
    ];
    const missing = sources.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\bdocs\/([a-z0-9-]+\.md)/g)]
        .map((m) => `docs/${m[1]}`)
        .filter((page) => !existsSync(page))
        .map((page) => `${file}: ${page}`),
    );
    expect(sources.length).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it("every relative link of a Markdown page resolves to a file", () => {
    const broken = [...files("docs", /\.md$/), "README.md", "service/README.md"].flatMap((page) =>
      [...readFileSync(page, "utf8").matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => normalize(join(dirname(page), m[1]!)))
        .filter((target) => !existsSync(target))
        .map((target) => `${page}: ${target}`),
    );
    expect(broken).toEqual([]);
  });
});
