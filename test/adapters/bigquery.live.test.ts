/**
 * The full conformance suite against real BigQuery, when credentials are present:
 *   ROCKY_TEST_BIGQUERY_PROJECT      (required) project to run jobs in
 *   ROCKY_TEST_BIGQUERY_CREDENTIALS  service-account JSON, or
 *   ROCKY_TEST_BIGQUERY_KEYFILE      path to a key file, or
 *   ROCKY_TEST_BIGQUERY_ACCESS_TOKEN an OAuth token, or
 *   GOOGLE_APPLICATION_CREDENTIALS   application default credentials
 *   ROCKY_TEST_BIGQUERY_LOCATION     optional dataset/job location
 * It creates and drops one scratch dataset.
 */
import { expect, test } from "bun:test";
import * as v from "valibot";
import { BigQueryAdapter } from "../../adapters/bigquery/adapter.ts";
import { BigQueryConfigSchema } from "../../adapters/bigquery/config.ts";
import { runConformance } from "../../src/adapter/conformance.ts";

const env = process.env;
const project = env.ROCKY_TEST_BIGQUERY_PROJECT;
const auth = env.ROCKY_TEST_BIGQUERY_CREDENTIALS
  ? { credentials: env.ROCKY_TEST_BIGQUERY_CREDENTIALS }
  : env.ROCKY_TEST_BIGQUERY_KEYFILE
    ? { keyFilename: env.ROCKY_TEST_BIGQUERY_KEYFILE }
    : env.ROCKY_TEST_BIGQUERY_ACCESS_TOKEN
      ? { access_token: env.ROCKY_TEST_BIGQUERY_ACCESS_TOKEN }
      : env.GOOGLE_APPLICATION_CREDENTIALS
        ? {}
        : undefined;
const live = Boolean(project && auth);
if (!live) {
  console.warn(
    "[live] skipping BigQuery live conformance: set ROCKY_TEST_BIGQUERY_PROJECT and one of ROCKY_TEST_BIGQUERY_CREDENTIALS / _KEYFILE / _ACCESS_TOKEN (or GOOGLE_APPLICATION_CREDENTIALS)",
  );
}

test.skipIf(!live)(
  "bigquery live: the conformance suite passes",
  async () => {
    const config = v.parse(BigQueryConfigSchema, {
      project_id: project,
      ...(env.ROCKY_TEST_BIGQUERY_LOCATION ? { location: env.ROCKY_TEST_BIGQUERY_LOCATION } : {}),
      ...auth,
    });
    const report = await runConformance(
      new BigQueryAdapter(config, { projectRoot: process.cwd(), name: "live" }),
    );
    const failed = report.checks.filter((c) => c.status === "fail");
    expect(failed).toEqual([]);
    // Only transactions may be skipped: BigQuery has no cross-job transaction.
    expect(report.checks.filter((c) => c.status === "skip").map((c) => c.name)).toEqual(["transaction"]);
  },
  600_000,
);
