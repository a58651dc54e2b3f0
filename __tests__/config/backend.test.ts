import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertBackendFitsProject, loadBackend, parseBackend } from "../../src/config/backend";
import { configProblems } from "../helpers";

const file = (s3: Record<string, unknown>) => ({ terraform: { backend: { s3 } } });
const valid = {
  bucket: "orbit-terraform-state-111111111111",
  region: "eu-west-1",
  dynamodb_table: "orbit-terraform-locks",
  encrypt: true,
  assume_role: { role_arn: "arn:aws:iam::111111111111:role/orbit-terraform-state" },
};

describe("backend.tf.json", () => {
  it("reads the committed file", () => {
    expect(loadBackend()).toEqual({
      bucket: "orbit-terraform-state-111111111111",
      region: "eu-west-1",
      dynamodbTable: "orbit-terraform-locks",
      useLockfile: false,
      stateRole: {
        arn: "arn:aws:iam::111111111111:role/orbit-terraform-state",
        accountId: "111111111111",
        name: "orbit-terraform-state",
      },
    });
  });

  it("refuses a state role in an account the state stack does not run in", () => {
    const backend = parseBackend(
      file({ ...valid, assume_role: { role_arn: "arn:aws:iam::999999999999:role/state" } }),
    );
    expect(
      configProblems(() =>
        assertBackendFitsProject(backend, { sharedAccountIds: ["111111111111"] }, [
          "shared",
          "staging",
          "prod",
        ]),
      ),
    ).toEqual([
      expect.stringMatching(
        /^backend\.tf\.json\.terraform\.backend\.s3\.assume_role\.role_arn: "arn:aws:iam::999999999999:role\/state" is in an account the state stack cannot create roles in/,
      ),
    ]);
  });

  it("refuses a state role name too long for the per-stack roles derived from it", () => {
    const name = "x".repeat(56);
    const backend = parseBackend(
      file({ ...valid, assume_role: { role_arn: `arn:aws:iam::111111111111:role/${name}` } }),
    );
    expect(
      configProblems(() =>
        assertBackendFitsProject(backend, { sharedAccountIds: ["111111111111"] }, [
          "shared",
          "staging",
          "prod",
        ]),
      ),
    ).toEqual([
      expect.stringMatching(
        /\.assume_role\.role_arn: .* has a role name too long .*; allowed: a role name of at most 51 characters/,
      ),
    ]);
  });

  it("accepts S3 native locking instead of DynamoDB", () => {
    const { dynamodb_table: _, ...rest } = valid;
    expect(parseBackend(file({ ...rest, use_lockfile: true }))).toMatchObject({
      useLockfile: true,
      dynamodbTable: undefined,
    });
  });

  it.each([
    [
      "no lock at all",
      { ...valid, dynamodb_table: undefined },
      /^backend\.tf\.json\.terraform\.backend\.s3\.dynamodb_table: .*state would be unlocked/,
    ],
    ["unencrypted state", { ...valid, encrypt: false }, /\.s3\.encrypt: false must be true/],
    [
      "a key shared by every stack",
      { ...valid, key: "state.tfstate" },
      /\.s3\.key: "state\.tfstate" must not be set here; .*each stack gets its own key/,
    ],
    [
      "a bucket name with dots",
      { ...valid, bucket: "my.state.bucket" },
      /\.s3\.bucket: "my\.state\.bucket" is not a usable S3 bucket name/,
    ],
    ["a bad region", { ...valid, region: "europe" }, /\.s3\.region: "europe" is not an AWS region/],
    [
      "an unknown setting",
      { ...valid, lock_table: "x" },
      /\.s3\.lock_table: "x" is not a known field/,
    ],
    [
      "no state role",
      { ...valid, assume_role: undefined },
      /\.s3\.assume_role: \(not set\) is missing; .*every stack's backend assumes its own state role/,
    ],
    [
      "a state role that is not a role ARN",
      { ...valid, assume_role: { role_arn: "orbit-terraform-state" } },
      /\.s3\.assume_role\.role_arn: "orbit-terraform-state" is not an IAM role ARN/,
    ],
  ])("rejects %s", (_, s3, expected) => {
    const found = configProblems(() => parseBackend(file(s3)));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  it("rejects a file without an S3 backend", () => {
    expect(configProblems(() => parseBackend({ terraform: { backend: { local: {} } } }))).toEqual(
      [
        expect.stringMatching(
          /^backend\.tf\.json\.terraform\.backend\.local: \{\} is not a known field/,
        ),
        expect.stringMatching(/^backend\.tf\.json\.terraform\.backend\.s3: \(not set\) is missing/),
      ].reverse(),
    );
  });

  it("names a missing file and malformed JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "backend-"));
    expect(configProblems(() => loadBackend(join(dir, "absent.json")))[0]).toMatch(
      /absent\.json: cannot be read \(ENOENT\)/,
    );
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ terraform: ");
    expect(configProblems(() => loadBackend(broken))[0]).toMatch(/broken\.json: is not valid JSON/);
  });
});
