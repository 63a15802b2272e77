// Preloaded (`node --require ./loopback_only.js`) by tests/clients/test_node_sdk.py: the Node side of the
// suite's network guard (toolkit/testing/network_guard.py guards Python children only). Any connection to
// a host off this machine fails at the call, naming the host, so the test fails instead of leaving.
"use strict";

const net = require("net");

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === "object" && first !== null ? first : { port: first, host: args[1] };
  const host = options.path ? "localhost" : options.host || "localhost";
  if (!LOOPBACK.has(host)) {
    throw new Error(`network guard: a connection to ${host}:${options.port} would leave this machine`);
  }
  return connect.apply(this, args);
};
