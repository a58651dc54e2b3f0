import { Testing } from "cdktf";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlatform } from "../../src/app";
import {
  committedConfig,
  ENVIRONMENTS_DIR,
  loadEnvironmentFiles,
  parseConfig,
  type PlatformInput,
} from "../../src/config/load";
import type { EnvironmentInput } from "../../src/config/schema";
import { ruleContexts } from "../../src/rules";
import {
  committedBackend,
  committedEnvironment,
  configProblems,
  platformJson,
  type StackJson,
} from "../helpers";

const scratch = mkdtempSync(join(tmpdir(), "environments-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The committed configuration plus `extra` environments (or replacements), by name. */
function withEnvironments(extra: Record<string, EnvironmentInput>): PlatformInput {
  return { ...committedConfig, environments: { ...committedConfig.environments, ...extra } };
}

/** Staging's file as a new user copies it: `staging` renamed and a VPC range of its own. */
function devFromStaging(): EnvironmentInput {
  return {
    ...committedEnvironment("staging"),
    network: { ...committedEnvironment("staging").network, cidr: "10.30.0.0/16" },
    loadBalancer: {
      ...committedEnvironment("staging").loadBalancer,
      tls: { domainName: "dev.orbit.example.com", hostedZoneId: "Z0EXAMPLE0DEVZONE" },
    },
  };
}

/** Every stack's Terraform JSON, synthesized from `input` as `npm run synth` does. */
function synthAll(input: PlatformInput): Record<string, StackJson> {
  const app = Testing.app();
  buildPlatform(app, parseConfig(input), committedBackend);
  app.synth();
  const manifest = JSON.parse(readFileSync(join(app.outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  return Object.fromEntries(
    Object.entries(manifest.stacks).map(([name, stack]) => [
      name,
      JSON.parse(readFileSync(join(app.outdir, stack.synthesizedStackPath), "utf8")) as StackJson,
    ]),
  );
}

const resourceTypes = (stack: StackJson) => Object.keys(stack.resource).sort();

describe("an environment is one file under src/config/environments/", () => {
  it("the committed files are the environments, named after their files", () => {
    // Every <name>.ts of the directory, read independently of the loader, is one environment.
    const files = readdirSync(ENVIRONMENTS_DIR)
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
      .map((file) => basename(file, ".ts"))
      .sort();
    expect(Object.keys(loadEnvironmentFiles(ENVIRONMENTS_DIR)).sort()).toEqual(files);
    expect(Object.keys(committedConfig.environments).sort()).toEqual(files);
    const parsed = parseConfig().environments;
    expect(Object.keys(parsed).sort()).toEqual(files);
    for (const name of files) expect(parsed[name]!.name).toBe(name);
    // ...the committed staging and prod among them.
    expect(files).toEqual(expect.arrayContaining(["prod", "staging"]));
  });

  it("a copy of staging.ts with staging renamed to dev and its own CIDR synthesizes a dev stack of the same resource types", () => {
    // GIVEN the committed files and dev.ts made from staging.ts as the docs say
    const dir = mkdtempSync(join(scratch, "files-"));
    for (const file of ["staging.ts", "prod.ts"]) {
      copyFileSync(join(ENVIRONMENTS_DIR, file), join(dir, file));
    }
    const dev = readFileSync(join(ENVIRONMENTS_DIR, "staging.ts"), "utf8")
      .replaceAll("staging", "dev")
      .replaceAll("Staging", "Dev")
      .replaceAll("STAGING", "DEV")
      .replace("10.10.0.0/16", "10.30.0.0/16");
    writeFileSync(join(dir, "dev.ts"), dev);

    // WHEN the directory is loaded and every stack synthesized
    const stacks = synthAll({
      ...committedConfig,
      environments: loadEnvironmentFiles(dir) as never,
    });

    // THEN dev is a stack like staging, and the shared and state stacks know it
    expect(Object.keys(stacks).sort()).toEqual([
      "dev",
      "identity-222222222222",
      "prod",
      "shared",
      "staging",
      "state",
    ]);
    expect(resourceTypes(stacks.dev!)).toEqual(resourceTypes(stacks.staging!));
    expect(JSON.stringify(stacks.shared)).toContain('"orbit-github-deploy-dev"');
    expect(JSON.stringify(stacks.state)).toContain('"orbit-terraform-state-dev"');
  });

  it("a file name that cannot be an environment's name is rejected, naming the file", () => {
    const problems = configProblems(() =>
      parseConfig(withEnvironments({ Dev_1: devFromStaging(), shared: devFromStaging() })),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /environments\/Dev_1\.ts: "Dev_1" is not a usable environment name .*; allowed: 2 to 12 characters of a-z, 0-9 and -.*; fix: rename the file/,
        ),
        expect.stringMatching(
          /environments\/shared\.ts: "shared" is the name of a stack the platform already has; allowed: any name but "state" and "shared"/,
        ),
      ]),
    );
  });

  it("a release needs an environment of each tier", () => {
    const problems = configProblems(() =>
      parseConfig({
        ...committedConfig,
        environments: { staging: committedEnvironment("staging") },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /no environment has tier "production" and the release deploys non-production environments first, then production ones; allowed: at least one environment of each tier; fix: add a file with tier: "production" \(copy prod\.ts\)/,
      ),
    ]);
  });

  it("an environment without a tier is rejected with the values allowed", () => {
    const { tier: _, ...untiered } = committedEnvironment("staging");
    const problems = configProblems(() =>
      parseConfig(withEnvironments({ staging: untiered as EnvironmentInput })),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^staging\.tier: \(not set\) is not a tier; allowed: "production" or "non-production"/,
      ),
    );
  });
});

describe("with three environments, every pair is checked", () => {
  const three = (prod: Partial<EnvironmentInput>) =>
    withEnvironments({
      dev: devFromStaging(),
      prod: { ...committedEnvironment("prod"), ...prod },
    });
  const prodTls = committedEnvironment("prod").loadBalancer!.tls!;

  it("accepts dev, staging and prod as committed", () => {
    expect(Object.keys(parseConfig(three({})).environments)).toEqual(["dev", "staging", "prod"]);
  });

  it("rejects prod writing records in staging's zone from another account", () => {
    const problems = configProblems(() =>
      parseConfig(
        three({
          loadBalancer: {
            ...committedEnvironment("prod").loadBalancer,
            tls: { ...prodTls, hostedZoneId: "Z0EXAMPLE0STAGINGZONE" },
          },
        }),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^prod\.loadBalancer\.tls\.hostedZoneId: "Z0EXAMPLE0STAGINGZONE" is also staging's zone, but staging and prod run in different accounts/,
      ),
    ]);
  });

  it("rejects prod deployed from dev's GitHub environment, whichever environment comes first", () => {
    const problems = configProblems(() => parseConfig(three({ githubEnvironment: "DEV" })));
    expect(problems).toEqual([
      expect.stringMatching(
        /^prod\.githubEnvironment: "DEV" is also dev's GitHub environment \(names are case-insensitive\)/,
      ),
    ]);
  });

  it("rejects a VPC range that overlaps another environment's, not only an equal one", () => {
    const problems = configProblems(() =>
      parseConfig(
        three({ network: { ...committedEnvironment("prod").network, cidr: "10.30.128.0/17" } }),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^prod\.network\.cidr: "10\.30\.128\.0\/17" overlaps dev\.network\.cidr 10\.30\.0\.0\/16; allowed: a range that overlaps no other environment's/,
      ),
    ]);
  });

  it("rejects a production environment in a non-production environment's account", () => {
    const problems = configProblems(() =>
      parseConfig(three({ allowedAccountIds: ["111111111111"] })),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^prod\.allowedAccountIds: \["111111111111"\] shares account 111111111111 with the non-production environment dev; allowed: an account no environment of another tier uses/,
      ),
    );
  });

  it("rejects two environments answering to one domain name", () => {
    const problems = configProblems(() =>
      parseConfig(
        withEnvironments({
          dev: {
            ...devFromStaging(),
            loadBalancer: {
              ...devFromStaging().loadBalancer,
              tls: {
                domainName: "staging.orbit.example.com",
                hostedZoneId: "Z0EXAMPLE0STAGINGZONE",
              },
            },
          },
        }),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^staging\.loadBalancer\.tls\.domainName: "staging\.orbit\.example\.com" is also dev's domain name/,
      ),
    ]);
  });
});

describe("protections follow the tier, never the name", () => {
  const unprotected: Partial<EnvironmentInput> = {
    loadBalancer: { deletionProtection: false },
    database: { deletionProtection: false, multiAz: false },
    tables: { items: { deletionProtection: false } },
    monitoring: { alarmEmails: [] },
  };

  it("a production-tier environment without TLS, deletion protection or alarm recipients is rejected, field by field", () => {
    const problems = configProblems(() =>
      parseConfig(withEnvironments({ prod: { ...committedEnvironment("prod"), ...unprotected } })),
    );
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "prod.loadBalancer.tls",
      "prod.loadBalancer.deletionProtection",
      "prod.database.deletionProtection",
      "prod.database.multiAz",
      "prod.tables.items.deletionProtection",
      "prod.monitoring.alarmEmails",
    ]);
    expect(problems[5]).toMatch(
      /^prod\.monitoring\.alarmEmails: \[\] is empty and no alarmWebhookUrl is set, so production alarms would notify nobody; allowed: .*; fix: /,
    );
  });

  it("a production tier keeps logs and backups long enough and runs two tasks at least", () => {
    const prod = committedEnvironment("prod");
    const problems = configProblems(() =>
      parseConfig(
        withEnvironments({
          prod: {
            ...prod,
            services: {
              ...prod.services,
              api: {
                ...prod.services!.api!,
                logRetentionDays: 30,
                desiredCount: 1,
                autoscaling: { minCount: 1 },
              },
            },
            database: { ...prod.database, backupRetentionDays: 3 },
            network: { ...prod.network, flowLogs: { retentionDays: 14 } },
          },
        }),
      ),
    );
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "prod.database.backupRetentionDays",
      "prod.services.api.logRetentionDays",
      "prod.network.flowLogs.retentionDays",
      "prod.services.api.autoscaling.minCount",
    ]);
  });

  it("an alarm webhook alone is a recipient", () => {
    const prod = committedEnvironment("prod");
    const config = parseConfig(
      withEnvironments({
        prod: {
          ...prod,
          monitoring: { alarmEmails: [], alarmWebhookUrl: "https://hooks.example.com/x" },
        },
      }),
    );
    expect(config.environments.prod!.monitoring.alarmEmails).toEqual([]);
  });

  it("a non-production environment named prod gets none of the production protections", () => {
    const input = withEnvironments({
      prod: {
        ...committedEnvironment("staging"),
        ...unprotected,
        tier: "non-production",
        network: { cidr: "10.20.0.0/16" },
      },
      live: {
        ...committedEnvironment("prod"),
        loadBalancer: {
          ...committedEnvironment("prod").loadBalancer,
          tls: { domainName: "live.orbit.example.com", hostedZoneId: "Z0EXAMPLE0LIVEZONE" },
        },
        network: { ...committedEnvironment("prod").network, cidr: "10.40.0.0/16" },
        githubEnvironment: "live",
        allowedAccountIds: ["333333333333"],
      },
    });
    const config = parseConfig(input);
    expect(config.warnings).toEqual([expect.stringMatching(/^prod\.loadBalancer\.tls is not set/)]);
    const contexts = ruleContexts(config);
    expect(contexts("prod").protectData).toBe(false);
    expect(contexts("live").protectData).toBe(true);
    expect(contexts("state").protectData).toBe(true);
    expect(contexts("shared").protectData).toBe(false);
  });

  it("a production environment named live gets them all", () => {
    const problems = configProblems(() =>
      parseConfig(
        withEnvironments({
          live: {
            ...committedEnvironment("prod"),
            ...unprotected,
            network: { cidr: "10.40.0.0/16" },
            githubEnvironment: "live",
            allowedAccountIds: ["333333333333"],
          },
        }),
      ),
    );
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "live.loadBalancer.tls",
      "live.loadBalancer.deletionProtection",
      "live.database.deletionProtection",
      "live.database.multiAz",
      "live.tables.items.deletionProtection",
      "live.monitoring.alarmEmails",
      // ...and the flow logs' 30 days of the bare network settings
      "live.network.flowLogs.retentionDays",
    ]);
  });

  it("the production-tier stack refuses deletion of its data; the non-production one named prod does not", () => {
    const stacks = synthAll(
      withEnvironments({
        prod: {
          ...committedEnvironment("staging"),
          network: { ...committedEnvironment("staging").network, cidr: "10.20.0.0/16" },
          loadBalancer: {
            ...committedEnvironment("staging").loadBalancer,
            tls: { domainName: "prod.orbit.example.com", hostedZoneId: "Z0EXAMPLE0PRODZONE" },
          },
        },
        live: {
          ...committedEnvironment("prod"),
          network: { ...committedEnvironment("prod").network, cidr: "10.40.0.0/16" },
          loadBalancer: {
            ...committedEnvironment("prod").loadBalancer,
            tls: { domainName: "live.orbit.example.com", hostedZoneId: "Z0EXAMPLE0LIVEZONE" },
          },
          githubEnvironment: "live",
          allowedAccountIds: ["333333333333"],
        },
      }),
    );
    const database = (stack: StackJson) =>
      Object.values(stack.resource.aws_db_instance!)[0] as Record<string, unknown>;
    expect(database(stacks.live!)).toMatchObject({
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(database(stacks.prod!)).toMatchObject({ deletion_protection: false });
  });
});

describe("a region per environment", () => {
  const usEast: EnvironmentInput = {
    ...committedEnvironment("prod"),
    region: "us-east-1",
    githubEnvironment: "production-us",
    network: { ...committedEnvironment("prod").network, cidr: "10.50.0.0/16" },
    loadBalancer: {
      ...committedEnvironment("prod").loadBalancer,
      tls: { domainName: "us.orbit.example.com", hostedZoneId: "Z0EXAMPLE0USZONE" },
    },
  };

  let synthesized: Record<string, StackJson> | undefined;
  /** Synthesized once for the tests that read it. */
  const withUsEast = () => (synthesized ??= synthAll(withEnvironments({ "prod-us": usEast })));

  it("an environment in us-east-1 beside two in eu-west-1 synthesizes and pulls its image in its own region", () => {
    const stacks = withUsEast();
    const task = Object.values(stacks["prod-us"]!.resource.aws_ecs_task_definition!)[0] as {
      container_definitions: string;
    };
    expect(task.container_definitions).toContain(
      "111111111111.dkr.ecr.us-east-1.amazonaws.com/orbit/app:",
    );
    // ...and the shared stack makes that image exist there: a replica, filled by replication.
    const shared = stacks.shared!;
    expect(Object.values(shared.resource.aws_ecr_repository!)).toContainEqual(
      expect.objectContaining({
        name: "orbit/app",
        region: "us-east-1",
        image_tag_mutability: "IMMUTABLE",
      }),
    );
    expect(Object.values(shared.resource.aws_ecr_replication_configuration!)).toEqual([
      expect.objectContaining({
        replication_configuration: {
          rule: [
            {
              destination: [{ region: "us-east-1", registry_id: "111111111111" }],
              repository_filter: [{ filter: "orbit/app", filter_type: "PREFIX_MATCH" }],
            },
          ],
        },
      }),
    ]);
  });

  it("the boundary of prod's account allows exactly the regions its environments run in", () => {
    const identity = withUsEast()["identity-222222222222"]!;
    const boundary = Object.values(identity.resource.aws_iam_policy!).find(
      (p) =>
        (p as { name: string }).name === "orbit-ci-boundary" &&
        JSON.stringify(p).includes("222222222222"),
    ) as { policy: string };
    const regionDeny = (
      JSON.parse(boundary.policy) as { Statement: { Sid: string; Condition?: unknown }[] }
    ).Statement.find((s) => s.Sid === "OnlyTheseRegions");
    expect(regionDeny?.Condition).toEqual({
      StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "us-east-1"] },
    });
  });

  it("AZ names must belong to the environment's own region", () => {
    const problems = configProblems(() =>
      parseConfig(
        withEnvironments({
          "prod-us": {
            ...usEast,
            network: {
              ...usEast.network,
              availabilityZones: ["eu-west-1a", "us-east-1b", "us-east-1c"],
            },
          },
        }),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^prod-us\.network\.availabilityZones\.0: "eu-west-1a" is not a zone of the environment's region us-east-1/,
      ),
    ]);
  });

  it("with every environment in the project's region, nothing is replicated", () => {
    const shared = platformJson().shared!;
    expect(shared.resource.aws_ecr_replication_configuration).toBeUndefined();
    expect(Object.keys(shared.resource.aws_ecr_repository!)).toEqual(["images_repository"]);
  });
});
