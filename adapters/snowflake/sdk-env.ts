/**
 * Imported before snowflake-sdk: at load time the SDK probes cloud metadata
 * endpoints (AWS STS, Azure/GCE metadata IPs) to report the host platform in its
 * login telemetry. That costs a network round-trip with a timeout on every rocky
 * start and says nothing rocky needs; a user can still opt back in by setting the
 * variable to "false".
 */
process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= "true";
