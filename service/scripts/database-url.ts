/**
 * The service reads DB_* variables, as ECS sets them; tests and scripts are handed one URL
 * (DATABASE_URL). This splits the URL into the service's variables. `sslmode` and `sslrootcert`
 * keep libpq's names, so one URL can point at a TLS-only server such as RDS with force_ssl.
 */
export function dbEnvFromUrl(url: string): Record<string, string> {
  const u = new URL(url);
  const sslMode = u.searchParams.get("sslmode") ?? "disable";
  if (!["disable", "require", "verify-full"].includes(sslMode)) {
    throw new Error(
      `DATABASE_URL: sslmode=${sslMode} is not supported (disable, require, verify-full)`,
    );
  }
  const ca = u.searchParams.get("sslrootcert");
  return {
    DB_HOST: u.hostname,
    DB_PORT: u.port || "5432",
    DB_NAME: decodeURIComponent(u.pathname.slice(1)) || "postgres",
    DB_USERNAME: decodeURIComponent(u.username),
    DB_PASSWORD: decodeURIComponent(u.password),
    DB_SSL: sslMode,
    ...(ca ? { DB_SSL_CA_FILE: ca } : {}),
  };
}

/**
 * The API's AWS variables (the items table, the events topic, the region, an emulator's endpoint
 * and credentials) passed through from this environment; ci.sh sets them from scripts/emulator.ts.
 */
export function awsEnv(): Record<string, string> {
  const names = [
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "TABLE_ITEMS_NAME",
    "TOPIC_EVENTS_ARN",
  ];
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}
