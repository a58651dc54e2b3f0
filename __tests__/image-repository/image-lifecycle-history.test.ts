/**
 * The image repository's lifecycle policy, as the shared stack synthesizes it, applied by the ECR
 * lifecycle evaluator (ECR's documented semantics, see lifecycle-evaluator.test.ts) to simulated
 * release histories: pushes by the build job, deploys, approvals that wait, rollbacks, and the
 * marks release.yml's `mark` job adds once both waves of a run ended (success or failure marks
 * the wave's stacks, cancelled or skipped marks nothing). ECR evaluates the policy every day.
 */
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load";
import { deployedTag } from "../../src/image-repository/image-repository";
import {
  expiredImages,
  type LifecyclePolicy,
  type RepositoryImage,
} from "../../src/image-repository/lifecycle-evaluator";
import { SharedStack } from "../../src/stacks/shared-stack";
import { committedBackend, onlyResource, synth } from "../helpers";

const json = synth(new SharedStack(Testing.app(), "shared", parseConfig(), committedBackend));
const synthesized = JSON.parse(
  onlyResource(json, "aws_ecr_lifecycle_policy").policy as string,
) as LifecyclePolicy;

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
type WaveResult = "success" | "failure" | "cancelled" | "skipped";

/** One repository, the environments' state, and what the release did, over simulated time. */
class History {
  private readonly images = new Map<string, { tags: Set<string>; pushedAt: number }>();
  /** What each environment runs now. */
  readonly running = new Map<string, string>();
  /** Every image each environment ran, in order. */
  readonly ran = new Map<string, string[]>();
  /** Runs whose production wave has not ended: their images may still be deployed. */
  readonly open = new Set<string>();
  readonly expired: { sha: string; day: number; rule: number }[] = [];
  now = 0;
  private nextEvaluation = DAY;
  private count = 0;

  constructor(
    private readonly envs: { nonProduction: string[]; production: string[] },
    private readonly policy: LifecyclePolicy = synthesized,
  ) {}

  /** Advances the clock, evaluating the policy each day as ECR does, checking `invariant`. */
  advance(ms: number, invariant: (h: History) => void = () => {}): void {
    const until = this.now + ms;
    while (this.nextEvaluation <= until) {
      this.now = this.nextEvaluation;
      this.evaluate();
      invariant(this);
      this.nextEvaluation += DAY;
    }
    this.now = until;
  }

  private evaluate(): void {
    const list: RepositoryImage[] = [...this.images].map(([digest, i]) => ({
      digest,
      tags: [...i.tags],
      pushedAt: i.pushedAt,
    }));
    for (const [sha, rule] of expiredImages(this.policy, list, this.now)) {
      this.images.delete(sha);
      this.expired.push({ sha, day: Math.floor(this.now / DAY), rule });
    }
  }

  exists = (sha: string): boolean => this.images.has(sha);
  size = (): number => this.images.size;

  /** A merge to main: synth, then the build job pushes `<sha>` (the digest stands for it). */
  merge(): string {
    const sha = `sha${String(++this.count).padStart(4, "0")}`;
    this.images.set(sha, { tags: new Set([sha]), pushedAt: this.now });
    this.open.add(sha);
    return sha;
  }

  /** A push that failed after the manifest: an untagged image. */
  failedPush(): string {
    const digest = `untagged${++this.count}`;
    this.images.set(digest, { tags: new Set(), pushedAt: this.now });
    return digest;
  }

  /**
   * An environment's apply with `sha`. ECS pulls the image: it must exist. A failed deploy
   * leaves the environment on what it ran (the circuit breaker rolls back).
   */
  deploy(env: string, sha: string, succeeds = true): void {
    if (!this.exists(sha)) throw new Error(`${env}: CannotPullContainerError for ${sha}`);
    if (!succeeds) return;
    this.running.set(env, sha);
    this.ran.set(env, [...(this.ran.get(env) ?? []), sha]);
  }

  /** The mark job of `sha`'s run, once its waves ended (release.yml). */
  mark(sha: string, nonProduction: WaveResult, production: WaveResult): void {
    const ended = (r: WaveResult) => r === "success" || r === "failure";
    const stacks = [
      ...(ended(nonProduction) ? this.envs.nonProduction : []),
      ...(ended(production) ? this.envs.production : []),
    ];
    const image = this.images.get(sha);
    if (!image) throw new Error(`mark: ${sha} does not exist`);
    for (const stack of stacks) image.tags.add(deployedTag(stack, sha));
    this.open.delete(sha);
  }

  /** The last `n` distinct images `env` ran, newest first (what it can roll back to). */
  rollbackTargets(env: string, n: number): string[] {
    return [...new Set([...(this.ran.get(env) ?? [])].reverse())].slice(0, n);
  }
}

const envs = { nonProduction: ["staging"], production: ["prod"] };

/** What must never be expired, checked after every daily evaluation. */
function nothingNeededExpired(h: History): void {
  for (const [env, sha] of h.running) {
    expect(h.exists(sha), `${env} runs ${sha} (day ${h.now / DAY})`).toBe(true);
  }
  for (const sha of h.ran.get("prod") ?? []) {
    expect(h.exists(sha), `prod ran ${sha}, so can roll back to it (day ${h.now / DAY})`).toBe(
      true,
    );
  }
  for (const sha of h.rollbackTargets("staging", 10)) {
    expect(h.exists(sha), `one of staging's last 10 images, ${sha} (day ${h.now / DAY})`).toBe(
      true,
    );
  }
  for (const sha of h.open) {
    expect(h.exists(sha), `${sha} awaits promotion (day ${h.now / DAY})`).toBe(true);
  }
}

describe("the image lifecycle over a release history", () => {
  it("the policy checked is the synthesized one, with prod as the production stack", () => {
    expect(
      synthesized.rules.map((r) => r.selection.tagPatternList ?? r.selection.tagPrefixList),
    ).toEqual([undefined, ["deployed.prod.*"], ["deployed."], ["*"]]);
  });

  /** The policy before this one: the last 10 tagged images, and 20 tagged prod-<sha> on promotion. */
  const countingPolicy: LifecyclePolicy = {
    rules: [
      {
        rulePriority: 1,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: 1,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        selection: {
          tagStatus: "tagged",
          tagPrefixList: ["deployed.prod."],
          countType: "imageCountMoreThan",
          countNumber: 20,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 3,
        selection: {
          tagStatus: "tagged",
          tagPatternList: ["*"],
          countType: "imageCountMoreThan",
          countNumber: 10,
        },
        action: { type: "expire" },
      },
    ],
  };

  it.each([
    ["the synthesized policy", synthesized, true],
    ["a policy that keeps the last 10 images (the one before)", countingPolicy, false],
  ])(
    "a prod approval held across 50 merges, then given to the oldest run: %s",
    (_, policy, keeps) => {
      const run = () => approvalHeldAcross50Merges(policy);
      if (keeps) run();
      else expect(run).toThrow(/CannotPullContainerError|awaits promotion/);
    },
  );

  function approvalHeldAcross50Merges(policy: LifecyclePolicy): void {
    const h = new History(envs, policy);
    const first = h.merge();
    h.deploy("staging", first);
    h.deploy("prod", first);
    h.mark(first, "success", "success");
    // 50 merges over 25 days, each deployed to staging; every prod deploy waits for approval.
    const waiting: string[] = [];
    for (let i = 0; i < 50; i++) {
      h.advance(12 * HOUR, nothingNeededExpired);
      const sha = h.merge();
      h.deploy("staging", sha);
      waiting.push(sha);
    }
    // Day 29: the reviewer approves the oldest waiting run (29 days old), then the newest, and
    // cancels the others.
    h.advance(4 * DAY, nothingNeededExpired);
    h.deploy("prod", waiting[0]!);
    h.mark(waiting[0]!, "success", "success");
    h.deploy("prod", waiting.at(-1)!);
    h.mark(waiting.at(-1)!, "success", "success");
    for (const sha of waiting.slice(1, -1)) h.mark(sha, "success", "cancelled");
    // Prod rolls back to the oldest one (re-running its deploy job), then forward again.
    h.advance(DAY, nothingNeededExpired);
    h.deploy("prod", waiting[0]!);
    h.advance(DAY, nothingNeededExpired);
    h.deploy("prod", waiting.at(-1)!);
    h.advance(200 * DAY, nothingNeededExpired);
    // The first run's image, which prod ran, is kept however old.
    expect(h.exists(first)).toBe(true);
  }

  it("staging rolls back to an unpromoted image after 40 more merges, and that image still exists", () => {
    const h = new History(envs);
    const shas: string[] = [];
    for (let i = 0; i < 60; i++) {
      const sha = h.merge();
      h.deploy("staging", sha);
      // Only every 20th is approved for prod; the others' approvals are refused (failure).
      const promoted = i % 20 === 0;
      if (promoted) h.deploy("prod", sha);
      h.mark(sha, "success", promoted ? "success" : "failure");
      shas.push(sha);
      h.advance(6 * HOUR, nothingNeededExpired);
    }
    const unpromoted = shas[19]!; // 40 merges ago, refused for prod
    h.deploy("staging", unpromoted);
    h.advance(90 * DAY, nothingNeededExpired);
    expect(h.running.get("staging")).toBe(unpromoted);
  });

  it("a year of merges, failed deploys, refused approvals, rollbacks and a quiet quarter: nothing in use expires, unused images do", () => {
    const h = new History(envs);
    let lastApproved = "";
    const cancelled: { sha: string; day: number }[] = [];
    const untagged: { sha: string; day: number }[] = [];
    for (let day = 0; day < 270; day++) {
      // Three merges a working day; none at all for 90 days from day 150 (a quiet quarter).
      const quiet = day >= 150 && day < 240;
      for (let m = 0; !quiet && day % 7 < 5 && m < 3; m++) {
        const sha = h.merge();
        const n = Number(sha.slice(3));
        if (n % 13 === 0) {
          // A run cancelled before its deploys (a newer merge made it pointless).
          h.mark(sha, "cancelled", "skipped");
          cancelled.push({ sha, day });
        } else {
          const stagingOk = n % 11 !== 0; // every 11th deploy fails the smoke test
          h.deploy("staging", sha, stagingOk);
          if (!stagingOk) h.mark(sha, "failure", "skipped");
          // Prod approves the last merge of each Friday; the others wait, then are replaced.
          else if (day % 7 === 4 && m === 2) {
            h.deploy("prod", sha);
            h.mark(sha, "success", "success");
            lastApproved = sha;
          } else h.mark(sha, "success", "cancelled");
        }
        h.advance(2 * HOUR, nothingNeededExpired);
      }
      if (day === 60) h.deploy("prod", h.rollbackTargets("prod", 3)[2]!); // prod rolls back two
      if (day === 61) h.deploy("prod", lastApproved);
      if (day === 100) h.deploy("staging", h.rollbackTargets("staging", 10)[9]!);
      if (day % 30 === 0) untagged.push({ sha: h.failedPush(), day });
      h.advance(DAY - (h.now % DAY), nothingNeededExpired);
    }
    // Unused images were expired: every cancelled run's image 45 days after its push, every
    // untagged one a day after, and the staging-only images beyond the newest 100.
    const end = 270;
    const ruleOf = new Map(h.expired.map((e) => [e.sha, e.rule]));
    const expiredOn = new Map(h.expired.map((e) => [e.sha, e.day]));
    for (const { sha, day } of cancelled) {
      expect(h.exists(sha), sha).toBe(day + 46 > end);
      if (!h.exists(sha))
        expect([ruleOf.get(sha), expiredOn.get(sha)! - day], sha).toEqual([4, 46]);
    }
    for (const { sha, day } of untagged) {
      expect([ruleOf.get(sha), expiredOn.get(sha)! - day], sha).toEqual([1, 2]);
    }
    expect([...ruleOf.values()].filter((r) => r === 3).length).toBeGreaterThan(200);
    // What is left: prod's images, the newest 100 staging ones, and the unmarked images of the
    // last 45 days: bounded, unlike the history.
    const prodImages = new Set(h.ran.get("prod"));
    const recentUnmarked = cancelled.filter(({ day }) => day + 46 > end).length;
    expect(h.size()).toBeLessThanOrEqual(prodImages.size + 100 + recentUnmarked);
    expect(h.size()).toBeLessThan(300);
    // Never expired by the rules that keep: no production image, nothing a rule 2 matched.
    expect([...ruleOf.values()]).not.toContain(2);
  });
});
