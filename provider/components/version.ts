/**
 * The package version. Provider resources our components declare ask for the provider of exactly this
 * version, as the generated SDKs do; otherwise the engine adds an unversioned default provider at `up`
 * that the next preview plans to delete.
 */
export const PACKAGE_VERSION: string = require("../../package.json").version;
