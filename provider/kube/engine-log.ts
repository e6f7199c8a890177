/** Warnings from provider operations, sent to the engine so they show in the Pulumi output. */
import * as grpc from "@grpc/grpc-js";
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb.js");
const engproto = require("@pulumi/pulumi/proto/engine_pb.js");

export type Warn = (urn: string, message: string) => Promise<void>;

/** A warning sink for the engine at `address`; falls back to stderr without one. */
export function engineWarnings(address: string | undefined): Warn {
  if (!address) return async (_urn, message) => void process.stderr.write(`warning: ${message}\n`);
  const client = new engrpc.EngineClient(address, grpc.credentials.createInsecure());
  return (urn, message) =>
    new Promise((resolve) => {
      const req = new engproto.LogRequest();
      req.setSeverity(engproto.LogSeverity.WARNING);
      req.setMessage(message);
      req.setUrn(urn);
      client.log(req, (err: Error | null) => {
        if (err) process.stderr.write(`warning: ${message}\n`);
        resolve();
      });
    });
}
